/**
 * The dashboard (issue 8) on the API's server. Entry point: `registerWeb(app, options)`.
 *
 *   GET /               the single-page app Vite built into src/web/dist (public: the page holds
 *                       no data; every number comes from the REST API with the bearer token the
 *                       person types in), or a 503 page saying `npm run build:web` when not built
 *   GET /assets/{file}  its hashed scripts and styles: only plain names inside dist/assets
 *   GET /session        who the bearer token is (`admin` or a deployment id)
 *   GET /events         server-sent events when the journal changes (src/http/routes/web-events.ts)
 *
 * None of these is in the OpenAPI document. Files are read per request, so a rebuild needs no
 * restart.
 */
import { readFile } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { type EventRouteOptions, type LiveFeed, eventRoutes } from './web-events.js';

export { type LiveFeed, journalFeed } from './web-events.js';

/** Where `npm run build:web` writes the bundle (src/web/vite.config.ts: `outDir`). */
export const DEFAULT_WEB_DIST = fileURLToPath(new URL('../../web/dist/', import.meta.url));

export interface WebOptions extends EventRouteOptions {
  /** What tells the browsers that the journal changed (`journalFeed(service)`). */
  readonly feed: LiveFeed;
  /** The built dashboard (default: src/web/dist). */
  readonly distDir?: string;
}

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};

/** A plain file name with a known extension: no separators, no dot-files, no `..`. */
const ASSET_NAME = /^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/;

// The app only talks to its own origin; styles may be inline (uPlot sizes its canvases inline).
const CSP =
  "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Subledger: dashboard not built</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; line-height: 1.5">
<h1>The dashboard is not built</h1>
<p>The server found no <code>src/web/dist/index.html</code>. Build it once with</p>
<pre><code>npm run build:web</code></pre>
<p>then reload this page (no restart needed). The REST API works meanwhile: see <a href="/docs">/docs</a>.</p>
</body></html>
`;

const hidden = (access: 'public' | 'token') => ({ config: { access }, schema: { hide: true } });

/** Serves the dashboard, its assets, `/session` and `/events` on `app`. */
export function registerWeb(app: FastifyInstance, options: WebOptions): void {
  const dist = resolve(options.distDir ?? DEFAULT_WEB_DIST);
  const assets = join(dist, 'assets');

  const sendIndex = async (reply: FastifyReply) => {
    const html = await readOrUndefined(join(dist, 'index.html'));
    reply
      .header('cache-control', 'no-cache')
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer');
    if (!html) return reply.code(503).type('text/html; charset=utf-8').send(NOT_BUILT);
    return reply.header('content-security-policy', CSP).type('text/html; charset=utf-8').send(html);
  };
  app.get('/', hidden('public'), (_request, reply) => sendIndex(reply));
  app.get('/index.html', hidden('public'), (_request, reply) => sendIndex(reply));

  app.get<{ Params: { file: string } }>('/assets/:file', hidden('public'), async (request, reply) => {
    const name = request.params.file;
    const type = CONTENT_TYPES[extname(name)];
    const path = resolve(assets, name);
    const body =
      type && ASSET_NAME.test(name) && path.startsWith(assets + sep) ? await readOrUndefined(path) : undefined;
    if (!body) {
      return reply
        .code(404)
        .type('application/json')
        .send({ code: 'NOT_FOUND', message: `No dashboard asset '${name.slice(0, 100)}'.`, details: {} });
    }
    return reply
      .type(type!)
      .header('cache-control', 'public, max-age=31536000, immutable')
      .header('x-content-type-options', 'nosniff')
      .send(body);
  });

  app.get('/session', hidden('token'), (request) => {
    const principal = request.principal!;
    return principal.kind === 'admin'
      ? { principal: 'admin' }
      : { principal: 'deployment', deployment: principal.deployment };
  });

  eventRoutes(app, options.feed, options);
}

async function readOrUndefined(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'EISDIR')
      return undefined;
    throw error;
  }
}
