import { Cron } from 'croner';
import { balance } from '../app/ports.js';

export const schedule = (pattern: string) =>
  new Cron(pattern, () => {
    balance();
  });
