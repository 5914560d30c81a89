import { existsSync } from 'node:fs';
import { rebalance } from '../engine/rebalance.js';
import { openForBooks } from '../main/books.js';
import { schedule } from '../reports/report.js';
import { createRuntime } from '../server.js';

export const books = (path: string) =>
  existsSync(path) ? [openForBooks(path), createRuntime(path), rebalance(), schedule('* * * * *')] : [];
