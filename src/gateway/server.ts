/**
 * The Alpaca-compatible gateway: Alpaca's Trading API v2 and its `trade_updates` stream, per
 * deployment, over the same application as the REST API. A bot written for Alpaca is pointed at
 * it with its own client's base-URL option and a deployment's key pair, and trades its sleeve.
 *
 * Entry point: `buildGateway(options)` → a Fastify instance (not yet listening) and `close()`.
 * Invariants: every request but `/stream`'s upgrade carries a live key pair
 * (`APCA-API-KEY-ID` + `APCA-API-SECRET-KEY`, or HTTP Basic `key:secret`), else 401 in Alpaca's
 * shape; a request acts on that key's deployment only; errors are Alpaca's `{code, message}`;
 * numbers in bodies are read as exact decimal text; requests that reach the broker are held to the
 * deployment's fair share of the account's budget (budget.ts: 429 with Retry-After beyond it).
 */
import websocket from '@fastify/websocket';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify';
import { parseJsonKeepingNumbers } from '../core/exact-json.js';
import type { MarketDataPort } from '../app/ports/broker-port.js';
import type { Clock } from '../app/ports/clock-port.js';
import { type MarketHours, usEquityHours } from '../app/marks/market-hours.js';
import type { Subledger } from '../app/subledger.js';
import type { MarketInfoPort } from '../app/ports/market-info-port.js';
import { RequestBudget } from './budget.js';
import { MarketInfoCache } from './market-info-cache.js';
import type { GatewayKeys } from './keys.js';
import { registerAccountRoutes } from './routes-account.js';
import { registerDataRoutes } from './routes-data.js';
import { registerHistoryRoutes } from './routes-history.js';
import type { PerformanceApi } from '../app/performance/performance-api.js';
import { registerOrderRoutes } from './routes-orders.js';
import { registerTradeStream } from './stream.js';
import { DATA_STREAM_PATH, type DataStreamStats, type DataStreamUpstream, registerDataStream } from './data-stream.js';

export interface GatewayOptions {
  readonly app: Subledger;
  readonly keys: GatewayKeys;
  readonly market: MarketDataPort;
  readonly clock: Clock;
  readonly hours?: MarketHours;
  readonly logger?: FastifyBaseLogger;
  /** The sleeves' recorded history, for `/v2/account/portfolio/history` (absent: an empty history). */
  readonly performance?: PerformanceApi;
  /** The symbols the market trades, for `GET /v2/assets` (absent: only `/v2/assets/{symbol}` answers). */
  readonly symbols?: () => readonly string[];
  /** The broker's clock and calendar, passed through with caching (absent: Subledger's market hours). */
  readonly marketInfo?: MarketInfoPort;
  /** The account's broker budget shared by the deployments' write requests (default Alpaca's 200/min). */
  readonly brokerRequestsPerMinute?: number;
  /** The account's market-data stream, shared by the bots at /v2/{iex,sip,test} (absent: not served). */
  readonly dataStream?: DataStreamUpstream & { readonly reconnectMs?: number };
}

export interface Gateway {
  readonly fastify: FastifyInstance;
  /** The shared market-data stream's bots and upstream connections (absent without `dataStream`). */
  readonly dataStream?: { stats(): DataStreamStats };
  close(): Promise<void>;
}

/** The key pair a request carries: Alpaca's headers, or HTTP Basic (as alpaca-py can send). */
export function credentialsOf(request: FastifyRequest): { keyId: string; secret: string } | undefined {
  const keyId = request.headers['apca-api-key-id'];
  const secret = request.headers['apca-api-secret-key'];
  if (typeof keyId === 'string' && typeof secret === 'string') return { keyId, secret };
  const auth = request.headers.authorization;
  if (typeof auth === 'string' && auth.startsWith('Basic ')) {
    const text = Buffer.from(auth.slice(6), 'base64').toString('utf8');
    const at = text.indexOf(':');
    if (at > 0) return { keyId: text.slice(0, at), secret: text.slice(at + 1) };
  }
  return undefined;
}

export async function buildGateway(options: GatewayOptions): Promise<Gateway> {
  const { app, keys } = options;
  const budget = new RequestBudget({
    perMinute: options.brokerRequestsPerMinute ?? 200,
    sharers: () =>
      new Set(
        keys
          .list()
          .filter((k) => k.revoked_at === null)
          .map((k) => k.deployment_id),
      ).size,
  });
  const fastify = Fastify({
    loggerInstance: options.logger,
    forceCloseConnections: true,
  }) as unknown as FastifyInstance;
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => {
    const text = String(body).trim();
    if (text === '') return done(null, undefined);
    try {
      done(null, parseJsonKeepingNumbers(text));
    } catch {
      done(Object.assign(new Error('request body format is invalid'), { statusCode: 400 }), undefined);
    }
  });
  fastify.setErrorHandler((error: { statusCode?: number; message: string }, _request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    return reply
      .code(status)
      .send({ code: status * 100_000 + 10_000, message: status === 500 ? 'internal server error' : error.message });
  });
  fastify.setNotFoundHandler((_request, reply) =>
    reply.code(404).send({ code: 40410000, message: 'endpoint not found' }),
  );
  await fastify.register(websocket);
  fastify.addHook('onRequest', async (request, reply) => {
    // The JS SDK 3.x sends `Content-Type: ""` with every DELETE; no content type means no body here.
    if (request.headers['content-type'] === '') delete request.headers['content-type'];
    if (/^\/stream\/?(\?|$)/.test(request.url) || DATA_STREAM_PATH.test(request.url)) return;
    const given = credentialsOf(request);
    const deployment = given ? keys.verify(given.keyId, given.secret) : undefined;
    if (!deployment || !app.service.deploymentInfo(deployment as never))
      return reply.code(401).send({ code: 40110000, message: 'request is not authorized' });
    (request as FastifyRequest & { deployment: string }).deployment = deployment;
    // What reaches the broker counts against the deployment's share of the account's budget.
    if (request.method !== 'GET' && /^\/v2\/(orders|positions)/.test(request.url)) {
      const taken = budget.take(deployment);
      if (!taken.ok)
        return reply
          .code(429)
          .header('Retry-After', String(taken.retryAfterSeconds))
          .send({
            code: 42910000,
            message: `too many requests: this deployment's share of the account's broker budget is ${taken.share} requests/min; retry in ${taken.retryAfterSeconds} s`,
          });
    }
  });
  registerOrderRoutes(app, fastify);
  const info = options.marketInfo ? new MarketInfoCache(options.marketInfo) : undefined;
  registerAccountRoutes(fastify, {
    app,
    market: options.market,
    clock: options.clock,
    hours: options.hours ?? usEquityHours,
    symbols: options.symbols ?? (() => []),
    ...(info ? { info } : {}),
  });
  registerHistoryRoutes(fastify, { performance: options.performance, clock: options.clock, ...(info ? { info } : {}) });
  registerDataRoutes(fastify, options.market);
  const stream = registerTradeStream(fastify, { service: app.service, verify: (k, s) => keys.verify(k, s) });
  const data = options.dataStream
    ? registerDataStream(fastify, {
        upstream: options.dataStream,
        verify: (k, s) => keys.verify(k, s),
        credentialsOf,
        ...(options.dataStream.reconnectMs !== undefined ? { reconnectMs: options.dataStream.reconnectMs } : {}),
        ...(options.logger ? { logger: options.logger } : {}),
      })
    : undefined;
  return {
    fastify,
    ...(data ? { dataStream: data } : {}),
    async close() {
      stream.close();
      data?.close();
      await fastify.close();
    },
  };
}
