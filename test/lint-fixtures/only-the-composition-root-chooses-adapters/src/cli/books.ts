// Breaks only-the-composition-root-chooses-adapters: a command opens the SQL store itself.
import { openStore } from '../adapters/sql/open-store.js';

export const books = (db: string) => openStore(db);
