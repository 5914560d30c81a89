import { openStore } from '../adapters/sql/store.js';

export const openForBooks = (path: string) => openStore(path);
