/**
 * The emulator's control surface for tests and demos: in process (`EmulatorControl`, returned by
 * `startEmulator`) and over HTTP under /_control (no Alpaca auth; the emulator listens on
 * loopback by default). Set prices, advance steps, force partial fills, drop or refuse the stream
 * connections, delay responses, change the rate limit and the frame kind, pay a dividend, read
 * the request log and the rejection log, and audit the order history for Alpaca's wash-trade rule.
 *
 * Entry points: `createControl(parts)`, `registerControlRoutes(app, control)`, `DelayRule`.
 * Invariant: a control action takes effect before it returns (advance publishes its trade updates
 * to the stream first).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { type Dec, decimalProblem, parseDec } from '../core/decimal.js';
import type { Symbol } from '../core/ids.js';
import { sendError, sendJson } from './http-util.js';
import type { RateLimit } from './rate-limit.js';
import type { FrameKind, StreamHub } from './stream.js';
import type { DataStreamHub, DataStreamStats } from './data-stream.js';
import { type RejectionRecord, type WashTradeViolation, washTradeAudit } from './order-log.js';
import type { Venue } from './venue.js';
import type { ActivityWire, TradeUpdateWire } from './wire.js';

export interface DelayRule {
  /** HTTP method to match (any when absent). */
  readonly method?: string;
  /** Path prefix to match, e.g. "/v2/orders". */
  readonly path: string;
  readonly ms: number;
  /** How many requests to delay (default: all until cleared). */
  readonly times?: number;
  /**
   * `after` (default): the request is processed at once and only its answer is late — the
   * unknown-outcome case of a timeout. `before`: nothing happens until the delay is over.
   */
  readonly phase?: 'before' | 'after';
}

export interface RequestRecord {
  readonly method: string;
  readonly url: string;
  readonly status: number;
}

export interface EmulatorStats {
  readonly step: number;
  readonly now: string;
  /** trade_updates events published by the venue so far. */
  readonly published: number;
  readonly streamConnections: number;
  readonly streamListeners: number;
}

export interface EmulatorControl {
  /** Moves the market `steps` steps (default 1); returns the trade updates it published. */
  advance(steps?: number): TradeUpdateWire[];
  setPrice(symbol: string, price: Dec | string): void;
  /** Caps fills per symbol and side per step (forcing partial fills); null lifts the cap. */
  partialFills(maxQtyPerStep: Dec | string | null, symbol?: string): void;
  /** Cuts the stream connections now; `refuse` keeps refusing new ones until `acceptStreams`. */
  dropStreams(options?: { refuse?: boolean }): number;
  /** Cuts the stream connections after `frames` more trade_updates frames. */
  dropStreamsAfter(frames: number, options?: { refuse?: boolean }): void;
  acceptStreams(): void;
  delay(rule: DelayRule): void;
  clearDelays(): void;
  /** Requests per minute per key; null turns the limit off. */
  setRateLimit(perMinute: number | null): void;
  setFrames(kind: FrameKind): void;
  /** Books a dividend on the account's position (emulator extension; paper has none). */
  dividend(symbol: string, perShare: Dec | string): ActivityWire | undefined;
  /** Every /v2 and /v1beta3 request answered so far, oldest first. */
  requests(): readonly RequestRecord[];
  /** Every order submission refused so far (any rule, also 401/429), oldest first. */
  rejections(): readonly RejectionRecord[];
  /**
   * Every pair of opposite-side orders in one symbol that could trade against each other and were
   * open at the same time, from the venue's order history; empty when the invariant held.
   */
  washTradeAudit(): WashTradeViolation[];
  stats(): EmulatorStats;
  /** The market-data stream's connections: open, authenticated per feed, opened and refused (406) so far. */
  dataConnections(): DataStreamStats;
  /** Cuts every market-data stream connection now; returns how many. */
  dropDataStreams(): number;
  readonly venue: Venue;
}

export interface ControlParts {
  readonly venue: Venue;
  readonly hub: StreamHub;
  readonly data: DataStreamHub;
  readonly tradingLimit: RateLimit;
  readonly dataLimit: RateLimit;
  readonly delays: DelayRule[];
  readonly log: RequestRecord[];
}

const toDec = (v: Dec | string): Dec => (typeof v === 'string' ? parseDec(v) : v);

export function createControl(p: ControlParts): EmulatorControl {
  return {
    venue: p.venue,
    // Step by step, so the data stream publishes every step's trades and quotes.
    advance: (steps = 1) => {
      const updates: TradeUpdateWire[] = [];
      for (let i = 0; i < steps; i++) {
        const before = p.venue.market.current().step;
        updates.push(...p.venue.advance(1));
        const now = p.venue.market.current();
        if (now.step === before) break;
        p.data.publish(now);
      }
      return updates;
    },
    setPrice: (symbol, price) => p.venue.setPrice(symbol as Symbol, toDec(price)),
    partialFills: (cap, symbol) =>
      p.venue.setPartialFillCap(cap === null ? undefined : toDec(cap), symbol as Symbol | undefined),
    dropStreams: (options) => p.hub.drop(options),
    dropStreamsAfter: (frames, options) => p.hub.dropAfter(frames, options),
    acceptStreams: () => p.hub.refuse(false),
    delay: (rule) => void p.delays.push({ ...rule }),
    clearDelays: () => void p.delays.splice(0),
    setRateLimit: (perMinute) => {
      for (const limit of [p.tradingLimit, p.dataLimit]) {
        limit.perMinute = perMinute ?? undefined;
        limit.reset();
      }
    },
    setFrames: (kind) => void (p.hub.frames = kind),
    dividend: (symbol, perShare) => p.venue.payDividend(symbol as Symbol, toDec(perShare)),
    requests: () => p.log,
    rejections: () => p.venue.rejections(),
    washTradeAudit: () => washTradeAudit(p.venue.orderHistory()),
    dataConnections: () => p.data.stats(),
    dropDataStreams: () => p.data.drop(),
    stats: () => ({
      step: p.venue.market.current().step,
      now: p.venue.now(),
      published: p.venue.published,
      streamConnections: p.hub.connected,
      streamListeners: p.hub.listening,
    }),
  };
}

const decimal = z
  .union([z.string(), z.number()])
  .transform(String)
  .refine((v) => !decimalProblem(v), 'must be a decimal');
// The body parser keeps numbers as their decimal text, so whole numbers are coerced here.
const whole = () => z.coerce.number().int();
const Bodies = {
  advance: z.object({ steps: whole().min(1).max(100_000).default(1) }),
  price: z.object({ symbol: z.string(), price: decimal }),
  partial: z.object({ max_qty_per_step: decimal.nullable(), symbol: z.string().optional() }),
  drop: z.object({ refuse: z.boolean().default(false), after_frames: whole().min(1).optional() }),
  delay: z.object({
    method: z.string().optional(),
    path: z.string().startsWith('/'),
    ms: whole().min(0).max(600_000),
    times: whole().min(1).optional(),
    phase: z.enum(['before', 'after']).default('after'),
  }),
  rate: z.object({ per_minute: whole().min(1).nullable() }),
  frames: z.object({ kind: z.enum(['binary', 'text']) }),
  dividend: z.object({ symbol: z.string(), per_share: decimal }),
};

export function registerControlRoutes(app: FastifyInstance, control: EmulatorControl): void {
  const route = <S extends z.ZodType>(path: string, schema: S, act: (body: z.infer<S>) => unknown) =>
    app.post(path, async (request, reply) => {
      const parsed = schema.safeParse(request.body ?? {});
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        return sendError(reply, 422, 42210000, `${issue.path.join('.') || 'body'}: ${issue.message}`);
      }
      try {
        return sendJson(reply, 200, { ok: true, result: act(parsed.data) ?? null });
      } catch (error) {
        return sendError(reply, 422, 42210000, (error as Error).message);
      }
    });
  route('/_control/advance', Bodies.advance, (b) => ({ updates: control.advance(b.steps).length, ...control.stats() }));
  route('/_control/price', Bodies.price, (b) => control.setPrice(b.symbol, b.price));
  route('/_control/partial-fills', Bodies.partial, (b) => control.partialFills(b.max_qty_per_step, b.symbol));
  route('/_control/drop-streams', Bodies.drop, (b) =>
    b.after_frames !== undefined ? control.dropStreamsAfter(b.after_frames, b) : control.dropStreams(b),
  );
  route('/_control/accept-streams', z.object({}), () => control.acceptStreams());
  route('/_control/delay', Bodies.delay, (b) => control.delay(b));
  route('/_control/clear-delays', z.object({}), () => control.clearDelays());
  route('/_control/rate-limit', Bodies.rate, (b) => control.setRateLimit(b.per_minute));
  route('/_control/frames', Bodies.frames, (b) => control.setFrames(b.kind));
  route('/_control/dividend', Bodies.dividend, (b) => control.dividend(b.symbol, b.per_share));
  route('/_control/drop-data-streams', z.object({}), () => ({ dropped: control.dropDataStreams() }));
  app.get('/_control/data-connections', async (_request, reply) => sendJson(reply, 200, control.dataConnections()));
  app.get('/_control/stats', async (_request, reply) => sendJson(reply, 200, control.stats()));
  app.get('/_control/requests', async (_request, reply) => sendJson(reply, 200, control.requests()));
  app.get('/_control/rejections', async (_request, reply) => sendJson(reply, 200, control.rejections()));
  app.get('/_control/audit', async (_request, reply) => sendJson(reply, 200, control.washTradeAudit()));
}
