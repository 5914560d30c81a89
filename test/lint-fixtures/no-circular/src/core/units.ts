import { money } from './money.js';

export const unit = 'USD';
export const zero = () => money(0);
