import Fastify from 'fastify';
import type { BrokerPort } from '../app/ports/broker-port.js';
import { matching } from '../sim/engine.js';

export const venue: BrokerPort = matching;
export const emulator = () => Fastify();
