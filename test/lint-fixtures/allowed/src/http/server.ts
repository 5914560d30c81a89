import Fastify from 'fastify';
import { newId } from '../app/ports.js';
import type { RebalanceRun } from '../engine/rebalance.js';

export const buildServer = (runs: () => RebalanceRun[]) =>
  Fastify().get('/', async () => ({ id: newId(), runs: runs() }));
