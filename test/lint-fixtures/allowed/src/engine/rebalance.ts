import { balance } from '../app/ports.js';
import { cash } from '../core/ledger.js';

export interface RebalanceRun {
  id: string;
}
export const rebalance = (): RebalanceRun => ({ id: `${balance()}${cash()}` });
