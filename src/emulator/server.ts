/**
 * `startEmulator`: a local stand-in for Alpaca — an HTTP + websocket server speaking the subset of
 * the Trading API v2 (and the market-data latest endpoints) that the Subledger adapter and common
 * bots use, on the simulation's matching engine (src/sim), with Alpaca's auth headers, error body
 * `{code, message}`, numbers as strings, request budget (429) and `trade_updates` stream.
 *
 * Entry point: `startEmulator(options)` → `{ url, wsUrl, keyId, secretKey, control, close() }`.
 * Invariants: every /v2 and /v1beta3 request needs `APCA-API-KEY-ID` and `APCA-API-SECRET-KEY`
 * (401 otherwise); /_control needs nothing and is meant for loopback; time is the simulation's
 * (steps advance by `control.advance`, or every `stepMs` of wall time with `autoStep`).
 */
import websocket from '@fastify/websocket';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { type Dec, parseDec } from '../core/decimal.js';
import { type AccountRules, type SimSymbol, demoSymbols } from '../sim/index.js';
import {
  type DelayRule,
  type EmulatorControl,
  type RequestRecord,
  createControl,
  registerControlRoutes,
} from './control.js';
import { sendError } from './http-util.js';
import { parseJsonKeepingNumbers } from '../core/exact-json.js';
import { type RefusalRule, fieldsOfBody } from './order-log.js';
import { RateLimit } from './rate-limit.js';
import { registerAccountRoutes } from './routes-account.js';
import { registerDataRoutes } from './routes-data.js';
import { registerOrderRoutes } from './routes-orders.js';
import { type AuthForm, type FrameKind, StreamHub } from './stream.js';
import { DATA_FEEDS, DataStreamHub } from './data-stream.js';
import { Venue } from './venue.js';

export interface EmulatorOptions {
  /** Default 0: a free port chosen by the OS. */
  readonly port?: number;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Seeds prices and ids. Default 42. */
  readonly seed?: number;
  /** How many demo equities (AAPL, MSFT, …), or the symbols themselves. Default 5. */
  readonly symbols?: number | readonly SimSymbol[];
  /** Also trade BTC/USD and ETH/USD (when `symbols` is a number). Default true. */
  readonly crypto?: boolean;
  /** Default 100,000 (Alpaca paper's default balance). */
  readonly startingCash?: Dec | string;
  /** Simulated time of step 0. Default: now, to the second. */
  readonly start?: string;
  /** Simulated milliseconds per step. Default 1000. */
  readonly stepMs?: number;
  /** Advance one step every `stepMs` of wall time. Default false (tests advance by hand). */
  readonly autoStep?: boolean;
  /** Credentials the emulator accepts. Default emulator-key / emulator-secret. */
  readonly keyId?: string;
  readonly secretKey?: string;
  /** Requests per minute per key (trading and market data each); false turns it off. Default 200. */
  readonly rateLimitPerMinute?: number | false;
  /** `trade_updates` frame kind. Default binary (as paper sends them). */
  readonly frames?: FrameKind;
  /** Stream auth forms accepted. Default both. */
  readonly authForms?: readonly AuthForm[];
  /** Partial-fill cap per symbol and side per step from the start. Default none. */
  readonly maxQtyPerStep?: Dec | string;
  /** FILL activity ids: ending with the stream's execution id (default) or not (FACTS §2.1). */
  readonly fillActivityIds?: 'execution_id' | 'independent';
  /** Which of Alpaca's account rules to enforce. Default all (switch one off only to test an audit). */
  readonly rules?: Partial<AccountRules>;
  /** Fastify's request log. Default false. */
  readonly logger?: boolean;
}

export interface EmulatorHandle {
  /** Trading and market-data base URL, e.g. http://127.0.0.1:54321. */
  readonly url: string;
  /** The trade_updates stream, e.g. ws://127.0.0.1:54321/stream. */
  readonly wsUrl: string;
  /** The market-data stream's base, e.g. ws://127.0.0.1:54321 (feeds at /v2/iex, /v2/sip, /v2/test). */
  readonly dataStreamUrl: string;
  readonly keyId: string;
  readonly secretKey: string;
  readonly control: EmulatorControl;
  close(): Promise<void>;
}

const CRYPTO: readonly SimSymbol[] = [
  { symbol: 'BTC/USD', start: '60000.00' },
  { symbol: 'ETH/USD', start: '3000.00' },
];

export async function startEmulator(options: EmulatorOptions = {}): Promise<EmulatorHandle> {
  const keyId = options.keyId ?? 'emulator-key';
  const secretKey = options.secretKey ?? 'emulator-secret';
  const symbols =
    typeof options.symbols === 'object'
      ? options.symbols
      : [...demoSymbols(options.symbols ?? 5), ...(options.crypto === false ? [] : CRYPTO)];
  const cap = options.maxQtyPerStep;
  const venue = new Venue({
    seed: options.seed ?? 42,
    symbols,
    startingCash:
      typeof options.startingCash === 'bigint' ? options.startingCash : parseDec(options.startingCash ?? '100000'),
    start: options.start ?? new Date(Math.floor(Date.now() / 1000) * 1000).toISOString(),
    stepMs: options.stepMs ?? 1000,
    ...(options.fillActivityIds ? { fillActivityIds: options.fillActivityIds } : {}),
    ...(cap !== undefined ? { maxQtyPerStep: typeof cap === 'string' ? parseDec(cap) : cap } : {}),
    ...(options.rules ? { rules: options.rules } : {}),
  });
  const hub = new StreamHub({
    keyId,
    secretKey,
    frames: options.frames ?? 'binary',
    ...(options.authForms ? { authForms: options.authForms } : {}),
  });
  venue.onTradeUpdate((update) => hub.broadcast(update));
  const data = new DataStreamHub({ keyId, secretKey });
  const perMinute = options.rateLimitPerMinute === false ? undefined : (options.rateLimitPerMinute ?? 200);
  const tradingLimit = new RateLimit(perMinute);
  const dataLimit = new RateLimit(perMinute);
  const delays: DelayRule[] = [];
  const log: RequestRecord[] = [];
  const control = createControl({ venue, hub, data, tradingLimit, dataLimit, delays, log });

  const app = Fastify({ logger: options.logger ?? false, forceCloseConnections: true });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => {
    const text = String(body).trim();
    if (text === '') return done(null, undefined);
    try {
      done(null, parseJsonKeepingNumbers(text));
    } catch {
      done(Object.assign(new Error('request body format is invalid'), { statusCode: 400 }), undefined);
    }
  });
  const isOrderSubmission = (request: FastifyRequest) =>
    request.method === 'POST' && request.url.split('?')[0] === '/v2/orders';
  /** Refuses a request; an order submission is recorded in the venue's rejection log. */
  const refuse = (request: FastifyRequest, reply: FastifyReply, rule: RefusalRule, status: number, message: string) => {
    const code = status * 100_000 + 10_000;
    if (isOrderSubmission(request))
      venue.refuse(fieldsOfBody(request.body), { rule, httpStatus: status, alpacaCode: code, message });
    return sendError(reply, status, code, message);
  };
  app.setErrorHandler((error: { statusCode?: number; message: string }, request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 ? error.statusCode : 500;
    return status === 500
      ? refuse(request, reply, 'internal_error', status, 'internal server error')
      : refuse(request, reply, 'invalid_order', status, error.message);
  });
  app.setNotFoundHandler((_request, reply) => sendError(reply, 404, 40410000, 'Not Found'));

  // The data stream's upgrade is authenticated by its own protocol (data-stream.ts), not here.
  const isDataStream = (url: string) => /^\/v2\/(iex|sip|test)\/?(\?|$)/.test(url);
  const isApi = (url: string) => (url.startsWith('/v2/') || url.startsWith('/v1beta3/')) && !isDataStream(url);
  const takeDelay = (request: FastifyRequest, phase: 'before' | 'after'): number => {
    const path = request.url.split('?')[0]!;
    const rule = delays.find(
      (r) =>
        (r.phase ?? 'after') === phase &&
        path.startsWith(r.path) &&
        (!r.method || r.method.toUpperCase() === request.method),
    );
    if (!rule) return 0;
    if (rule.times !== undefined) {
      const left = rule.times - 1;
      delays.splice(delays.indexOf(rule), 1, ...(left > 0 ? [{ ...rule, times: left }] : []));
    }
    return rule.ms;
  };
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    if (!isApi(request.url)) return;
    const key = request.headers['apca-api-key-id'];
    if (key !== keyId || request.headers['apca-api-secret-key'] !== secretKey) {
      return refuse(request, reply, 'unauthorized', 401, 'unauthorized');
    }
    const data = request.url.startsWith('/v2/stocks') || request.url.startsWith('/v1beta3/');
    const verdict = (data ? dataLimit : tradingLimit).take(key, Date.now());
    if (verdict) {
      reply
        .header('X-RateLimit-Limit', verdict.limit)
        .header('X-RateLimit-Remaining', verdict.remaining)
        .header('X-RateLimit-Reset', verdict.reset);
      if (!verdict.allowed) return refuse(request, reply, 'rate_limit', 429, 'rate limit exceeded');
    }
  });
  // After the body is read, so a late request is still processed when its client gave up.
  app.addHook('preHandler', async (request) => {
    if (!isApi(request.url)) return;
    const wait = takeDelay(request, 'before');
    if (wait > 0) await sleep(wait);
  });
  // Logged when the answer is ready, so requests whose client gave up (timeouts) are logged too.
  app.addHook('onSend', async (request, reply, payload) => {
    if (isApi(request.url)) {
      log.push({ method: request.method, url: request.url, status: reply.statusCode });
      const wait = takeDelay(request, 'after');
      if (wait > 0) await sleep(wait);
    }
    return payload;
  });

  await app.register(websocket);
  app.get('/stream', { websocket: true }, (socket) => hub.attach(socket));
  for (const feed of DATA_FEEDS)
    app.get(`/v2/${feed}`, { websocket: true }, (socket, request) => data.attach(socket, request.headers, feed));
  registerOrderRoutes(app, venue);
  registerAccountRoutes(app, venue);
  registerDataRoutes(app, venue);
  registerControlRoutes(app, control);

  await app.listen({ port: options.port ?? 0, host: options.host ?? '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const host = options.host && options.host !== '0.0.0.0' ? options.host : '127.0.0.1';
  const timer = options.autoStep ? setInterval(() => control.advance(1), options.stepMs ?? 1000) : undefined;
  return {
    url: `http://${host}:${port}`,
    wsUrl: `ws://${host}:${port}/stream`,
    dataStreamUrl: `ws://${host}:${port}`,
    keyId,
    secretKey,
    control,
    async close() {
      if (timer) clearInterval(timer);
      hub.close();
      data.close();
      await app.close();
    },
  };
}
