import Database from 'better-sqlite3';
import { balance } from '../../app/ports.js';

export const openStore = (path: string) => ({ db: new Database(path), balance });
