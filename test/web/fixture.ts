/**
 * The browser tests' world: the dashboard bundle (built with Vite's API when missing or older
 * than its sources), a real Subledger runtime on a temporary SQLite file with the paper broker
 * after the demo's session plus a few more simulated days (so there are daily closes, Sharpe and
 * drawdown), a capital flow and a rejected order, served over HTTP on 127.0.0.1 with the
 * dashboard routes and the gateway key routes, next to the Alpaca-compatible gateway on the same
 * keys; and Debian's chromium driven by playwright-core.
 */
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { type BrowserContext, type ConsoleMessage, type Page, chromium } from 'playwright-core';
import { loadConfig } from '../../src/config.js';
import { dec } from '../../src/core/decimal.js';
import type { DeploymentId } from '../../src/core/ids.js';
import { runDemoSession } from '../../src/engine/demo-session.js';
import { type Gateway, buildGateway } from '../../src/gateway/server.js';
import { buildServer } from '../../src/http/server.js';
import { journalFeed, registerWeb } from '../../src/http/routes/web.js';
import { type Runtime, createRuntime } from '../../src/server.js';
import { tempDir } from '../helpers/tmp.js';

const root = new URL('../../', import.meta.url).pathname;
export const WEB_SRC = join(root, 'src/web');
export const WEB_DIST = join(WEB_SRC, 'dist');
export const OUTPUT = join(root, 'test-output');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const newest = (dir: string): number =>
  readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.name !== 'dist')
    .reduce(
      (t, e) => Math.max(t, e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs),
      0,
    );

/** Builds src/web into src/web/dist unless the bundle is newer than every source file. */
export async function ensureWebBuilt(): Promise<void> {
  const index = join(WEB_DIST, 'index.html');
  if (existsSync(index) && statSync(index).mtimeMs >= newest(WEB_SRC)) return;
  const { build } = await import('vite');
  await build({ configFile: join(WEB_SRC, 'vite.config.ts'), logLevel: 'warn' });
}

export interface World {
  readonly runtime: Runtime;
  readonly http: FastifyInstance;
  readonly url: string;
  /** The Alpaca-compatible gateway's base URL (a deployment's key pair signs in there). */
  readonly gatewayUrl: string;
  readonly adminToken: string;
  /** GET (or POST) on the API with a token, parsed JSON. */
  api<T = unknown>(path: string, token?: string, body?: object): Promise<T>;
  close(): Promise<void>;
}

/** The demo's session (`steps` minutes), then `days` more simulated days with a rebalance every 2 hours. */
export async function startWorld(options: { steps?: number; days?: number } = {}): Promise<World> {
  const { dir, cleanup } = tempDir('subledger-web-');
  const adminToken = 'admin-token-web-0123456789';
  const config = loadConfig(
    { db: join(dir, 'web.db'), port: '0', adminToken, tokenSecret: 'secret-web-0123456789abcdef' },
    {},
  );
  const runtime = await createRuntime(config, { idPrefix: `w${Date.now().toString(36)}` });
  const tick = async () => void (await runtime.scheduler.tick());
  await runDemoSession(
    {
      app: runtime.app,
      broker: runtime.broker,
      market: runtime.broker,
      universe: runtime.broker.symbols,
      rebalance: () => runtime.rebalance(),
      afterStep: tick,
    },
    options.steps ?? 240,
  );
  await runtime.app.moveCapital('a' as DeploymentId, dec('2500'));
  await runtime.app
    .submitOrder('b' as DeploymentId, {
      symbol: 'AAPL',
      side: 'buy',
      qty: dec('1'),
      type: 'limit',
      limitPrice: dec('100.001'),
      timeInForce: 'day',
    })
    .catch(() => undefined);
  for (let minute = 0; minute < (options.days ?? 5) * 1440; minute++) {
    await runtime.broker.step();
    await tick();
    const hour = new Date(runtime.broker.clock.now()).getUTCHours();
    if (minute % 120 === 0 && hour >= 15 && hour < 20) await runtime.rebalance();
  }
  await runtime.app.markToMarket();

  const http = buildServer({
    api: runtime.app,
    auth: runtime.auth,
    performance: runtime.performance,
    gatewayKeys: runtime.gatewayKeys,
    controls: runtime.controls,
    rebalances: {
      listRebalances: (n) => runtime.engine.listRebalances(n),
      getRebalance: (id) => runtime.engine.getRebalance(id),
      rebalance: runtime.rebalance,
    },
  });
  // Once the composition root serves the dashboard itself, buildServer already has these routes.
  if (!http.hasRoute({ method: 'GET', url: '/events' })) registerWeb(http, { feed: journalFeed(runtime.app.service) });
  const url = await http.listen({ host: '127.0.0.1', port: 0 });
  const gateway: Gateway = await buildGateway({
    app: runtime.app,
    keys: runtime.gatewayKeys,
    market: runtime.broker,
    clock: runtime.broker.clock,
  });
  const gatewayUrl = await gateway.fastify.listen({ host: '127.0.0.1', port: 0 });
  return {
    runtime,
    http,
    url,
    gatewayUrl,
    adminToken,
    async api<T>(path: string, token = adminToken, body?: object): Promise<T> {
      const response = await fetch(`${url}${path}`, {
        method: body ? 'POST' : 'GET',
        headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`${path}: ${response.status} ${text}`);
      return (response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text) as T;
    },
    async close() {
      await gateway.close();
      await http.close();
      await runtime.close();
      cleanup();
    },
  };
}

export const LAUNCH_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export interface Session {
  readonly browser: BrowserContext;
  /** Console errors and page errors seen so far (a test fails on any it did not expect). */
  readonly errors: string[];
  newPage(viewport?: { width: number; height: number }): Promise<Page>;
  close(): Promise<void>;
}

/** Chromium with a fresh profile in a temp dir; every console error and page error is recorded. */
export async function launchBrowser(): Promise<Session> {
  const { dir, cleanup } = tempDir('subledger-chromium-');
  const browser = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    headless: true,
    args: LAUNCH_ARGS,
    viewport: { width: 1280, height: 900 },
    acceptDownloads: true,
  });
  browser.setDefaultTimeout(5000);
  const errors: string[] = [];
  const watch = (page: Page) => {
    page.on('console', (m: ConsoleMessage) => {
      if (m.type() === 'error') errors.push(`console: ${m.text()} (${m.location().url})`);
    });
    page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  };
  browser.pages().forEach(watch);
  browser.on('page', watch);
  return {
    browser,
    errors,
    async newPage(viewport) {
      const page = await browser.newPage();
      if (viewport) await page.setViewportSize(viewport);
      return page;
    },
    async close() {
      await browser.close();
      cleanup();
    },
  };
}

/** Where screenshots go (gitignored). */
export function outputPath(name: string): string {
  mkdirSync(OUTPUT, { recursive: true });
  return join(OUTPUT, name);
}
