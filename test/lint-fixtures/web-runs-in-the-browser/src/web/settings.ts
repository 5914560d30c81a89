// Breaks web-runs-in-the-browser: browser code reads a file.
import { readFileSync } from 'node:fs';

export const settings = () => readFileSync('settings.json', 'utf8');
