/**
 * Shared set-up for the HTTP tests: the real application (a `Subledger` on a fresh SQLite file and
 * a seeded paper broker, test/helpers/app.ts) behind `buildServer`, with deployments `alpha`
 * ($10,000) and `beta` ($5,000) funded by the house sleeve, the admin token, deployment tokens,
 * `call` (inject with a bearer token, parsed JSON body) and what the journal holds.
 *
 * The market does not move by itself: a market order stays `new` until `fx.settle(id)` (or
 * `fx.t.broker.step()`) runs the market, and then fills at that step's price.
 */
import type { FastifyInstance, InjectOptions } from 'fastify';
import type { DeploymentId, Symbol } from '../../src/core/ids.js';
import { type Dec, dec } from '../../src/core/decimal.js';
import { deploymentToken } from '../../src/http/auth.js';
import { type ServerOptions, buildServer } from '../../src/http/server.js';
import { type TestApp, startTestApp } from '../helpers/app.js';

export const AUTH = { adminToken: 'admin-token-for-tests-0001', tokenSecret: 'secret-for-deployment-tokens' };
export const ADMIN = AUTH.adminToken;
export const tokenOf = (id: string) => deploymentToken(AUTH.tokenSecret, id);
/** The simulated market's first minute (test/helpers/app.ts: one-minute steps from 14:30Z). */
export const T0 = '2025-01-02T14:30:00.000Z';
/** A client order id the router makes for `alpha`: `s.alpha.<time36><random36>`. */
export const ORDER_ID = /^s\.alpha\.[0-9a-z]{13}$/;

export interface Reply {
  status: number;
  body: unknown;
  headers: Record<string, unknown>;
}

export interface Fixture {
  /** The real app, its store and its paper broker. */
  t: TestApp;
  app: FastifyInstance;
  /** Injects a request with `token` (none when null) and parses the JSON body. */
  call(token: string | null, options: InjectOptions): Promise<Reply>;
  /** How many entries the journal holds: a refused request adds none. */
  journal(): Promise<number>;
  /** The market's last price of `symbol` now. */
  last(symbol: string): Promise<Dec>;
  /** The market's ask for `symbol` now: what a market buy sent a minute earlier filled at. */
  ask(symbol: string): Promise<Dec>;
  /** Runs the market until `id` has no open order. */
  settle(id: string): Promise<void>;
  close(): Promise<void>;
}

/** Something that runs clean-ups (a node:test context): the fixture closes itself there. */
export interface Cleanup {
  after(fn: () => Promise<void>): void;
}

/** `server`: more for `buildServer` (a logger, `onFatal`). */
export async function setUp(cleanup?: Cleanup, server: Omit<ServerOptions, 'api' | 'auth'> = {}): Promise<Fixture> {
  const t = await startTestApp();
  await t.app.createDeployment({ id: 'alpha' as DeploymentId, initialCapital: dec('10000') });
  await t.app.createDeployment({ id: 'beta' as DeploymentId, initialCapital: dec('5000') });
  const app = buildServer({ ...server, api: t.app, auth: AUTH });
  const fx: Fixture = {
    t,
    app,
    async call(token, options) {
      const headers = { ...(options.headers ?? {}), ...(token === null ? {} : { authorization: `Bearer ${token}` }) };
      const res = await app.inject({ ...options, headers });
      const type = String(res.headers['content-type'] ?? '');
      return {
        status: res.statusCode,
        body: type.startsWith('application/json') ? res.json() : res.body,
        headers: res.headers,
      };
    },
    async journal() {
      return (await t.store.journalStats()).count;
    },
    async last(symbol) {
      const quote = (await t.broker.latest([symbol as Symbol])).get(symbol as Symbol);
      if (quote?.last === undefined) throw new Error(`no price for ${symbol}`);
      return quote.last;
    },
    async ask(symbol) {
      const quote = (await t.broker.latest([symbol as Symbol])).get(symbol as Symbol);
      if (quote?.ask === undefined) throw new Error(`no ask for ${symbol}`);
      return quote.ask;
    },
    async settle(id) {
      await t.runUntil(() => t.app.listOrders(id as DeploymentId, { status: 'open', limit: 1 }).length === 0);
    },
    async close() {
      await app.close();
      await t.close();
    },
  };
  cleanup?.after(() => fx.close());
  return fx;
}

/** The error body `VALIDATION_FAILED` gives for these `[field, message]` pairs. */
export function validationError(part: string, ...fields: [string, string][]) {
  return {
    code: 'VALIDATION_FAILED',
    message: fields.map(([f, m]) => `${f}: ${m}`).join('; '),
    details: { in: part, fields: fields.map(([field, message]) => ({ field, message })) },
  };
}
