import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { cash } from '../core/ledger.js';

export const queue = new AsyncLocalStorage<string>();
export const newId = () => randomUUID();
export const amount = z.string();
export const balance = () => cash();
