// Breaks app-uses-no-io-or-vendor-package twice: a vendor SDK and a Node I/O module in the app.
import { writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';

export const open = (path: string) => new Database(path);
export const dump = (path: string, text: string) => writeFileSync(path, text);
