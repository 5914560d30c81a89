import { dec } from './decimal.js';

export const cash = () => dec('0');
