import type { BrokerPort } from '../app/ports/broker-port.js';
import { dec } from '../core/decimal.js';

export const format = (s: string) => `${dec(s)}`;
export type Broker = BrokerPort;
