import type { BrokerPort } from '../../app/ports/broker-port.js';
import { matching } from '../../sim/engine.js';
import { fee } from './fees.js';

export const paperBroker: BrokerPort = { submit: (qty) => matching.submit(qty + fee) };
