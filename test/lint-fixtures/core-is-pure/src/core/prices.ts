// Breaks core-is-pure: the core reads a file.
import { readFileSync } from 'node:fs';

export const loadPrices = (path: string) => readFileSync(path, 'utf8');
