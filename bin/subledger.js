#!/usr/bin/env node
// Runs the compiled CLI, dist/cli/main.js: `npm ci` builds it (the `prepare` script), as does
// `npm run build`. To run the TypeScript sources instead (development): `npm run subledger -- …`.
import { existsSync } from 'node:fs';

const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  console.error(
    'error: subledger is not built (dist/cli/main.js is missing): run `npm run build` (npm ci runs it), or `npm run subledger -- …` to run the sources through tsx',
  );
  process.exit(1);
}
await import(main.href);
