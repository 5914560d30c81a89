#!/usr/bin/env node
// The last step of `npm run build`: the compiled server (dist/http/routes/web.js) serves the
// dashboard from dist/web/dist, so the bundle `npm run build:web` wrote to src/web/dist is copied
// there. Without a bundle the server shows its "dashboard not built" page; the API works anyway.
import { cpSync, existsSync, rmSync } from 'node:fs';

const from = new URL('../src/web/dist/', import.meta.url);
const to = new URL('../dist/web/dist/', import.meta.url);
rmSync(to, { recursive: true, force: true });
if (existsSync(new URL('index.html', from))) {
  cpSync(from, to, { recursive: true });
} else {
  console.warn('build: no dashboard bundle in src/web/dist (run `npm run build:web`); serve will say it is not built');
}
