/**
 * The SIGKILL drill of issue 12 (its first "Done when"), end to end with real processes, on a
 * SQLite file and on PostgreSQL, side by side (a fresh schema on SUBLEDGER_TEST_PG_URL; skipped
 * when no server answers, a failure when SUBLEDGER_TEST_REQUIRE_PG=1 — see test/helpers/pg.ts):
 *
 * - `subledger emulator` runs in its own process, stepping every 100 ms (so market orders fill
 *   while `serve` is down too), with every `POST /v2/orders` answered late (phase `after`: the
 *   order lands at once, its answer comes 250 ms later) and, now and then, a few processed late
 *   (phase `before`);
 * - `subledger serve --broker alpaca` is SIGKILLed at least KILLS times, each 0.3–2 s after it
 *   started listening, plus now and then during its start-up (after it took the writer lease:
 *   while it loads the journal, backfills and resolves unacknowledged orders); each time it is
 *   started again with `--take-over` (same admin token and token secret);
 * - meanwhile 6 bots send orders over HTTP, one at a time each: market buys of AMZN and GOOGL,
 *   limit buys of NVDA at a quarter of its price (they stay open), market sells of the 20 AAPL each
 *   bought before the drill — within the risk check (capped per bot) and Alpaca's wash-trade rule
 *   (no symbol is both bought and sold) — and now and then a cancel of one of their open NVDA
 *   orders. Bots 1, 3, 5 send an Idempotency-Key and retry what got no answer or a 503 with the
 *   same key until it is answered (cancels too); bots 2, 4, 6 never retry.
 *
 * After the last restart the bots stop and the books settle (polled with a deadline until no order
 * is `pending_new` and the broker's fills equal the journaled ones); then, with exact counts:
 * every FILL activity of the emulator (by execution id) booked exactly once — its whole qty, in the
 * sleeve of the deployment its order's client order id names — and nothing booked the broker does
 * not have (0 lost, 0 doubled); every client order id at most once at the broker, every order of
 * the bots' at the broker in the journal and every journaled order at the broker (0 sent twice, 0
 * never sent); each idempotency key one order; 0 orders `pending_new`; every order's status and
 * filled qty equal the broker's; `GET /account` reconciled, the house holding nothing but its
 * unallocated cash. Then `serve` is stopped cleanly (SIGTERM, exit 0) and, as processes of their
 * own, `replay --dry-run` and `history --verify` exit 0 reporting no difference.
 *
 * Knobs (environment): SUBLEDGER_DRILL_SEED (default 20261204, fixed so every run plans the same schedule; printed as a test diagnostic and in
 * every failure — the SQLite run uses it, PostgreSQL seed + 1; rerun with it to repeat the same
 * kill schedule, late orders and the bots' choices; the processes' timing is the machine's),
 * SUBLEDGER_DRILL_KILLS (kills while listening, default 20), SUBLEDGER_DRILL_LOG_DIR (keep every
 * serve's stderr there, a copy of the SQLite store, and the PostgreSQL schema undropped, for a
 * post-mortem), SUBLEDGER_DRILL_LOG_LEVEL (serve's log level, default warn),
 * SUBLEDGER_DRILL_SEQUENTIAL=1 (the two stores one after the other instead of side by side).
 *
 * Wall time: each restart of `serve` costs a whole `node --import tsx` start (3–6 s on a busy 2-core
 * machine), so the two stores run side by side: about 2–2.5 min for the file.
 *
 * Run: `SUBLEDGER_TEST_PG_URL=postgres://postgres@127.0.0.1:5432/test node scripts/run-tests.mjs test/drills/kill-drill`
 */
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type TestContext, after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Dec, ZERO, parseDec, toPlain } from '../../src/core/decimal.js';
import { dropSchema, freshSchema, pgSkipReason, pgUrlFor } from '../helpers/pg.js';
import { tempDir } from '../helpers/tmp.js';
import {
  type Answer,
  type EmulatorProcess,
  type Proc,
  SERVING,
  START_TIMEOUT_MS,
  json,
  killAll,
  pollUntil,
  runCli,
  drillAuth,
  startEmulatorProcess,
  startProcess,
} from './processes.js';

const { admin, tokenOf, auth } = drillAuth('kill-drill');

const SEED = process.env.SUBLEDGER_DRILL_SEED ? Number(process.env.SUBLEDGER_DRILL_SEED) : 20261204;
const KILLS = Number(process.env.SUBLEDGER_DRILL_KILLS ?? '20');
const LOG_DIR = process.env.SUBLEDGER_DRILL_LOG_DIR;
const LOG_LEVEL = process.env.SUBLEDGER_DRILL_LOG_LEVEL ?? 'warn';

/** Six bots; the odd ones (1, 3, 5) send an Idempotency-Key and retry, the even ones never retry. */
const BOTS = ['bot1', 'bot2', 'bot3', 'bot4', 'bot5', 'bot6'] as const;
const idempotent = (bot: string) => Number(bot.slice(3)) % 2 === 1;
const CAPITAL = '16000';
/** AAPL bought per bot before the drill (then only sold). */
const HELD_AAPL = 20;
/**
 * Orders per bot and kind at most: 20 AAPL sells (what is held), 25 AMZN and 25 GOOGL market buys
 * (~$185 and ~$170, reserved at +2 %: ~$9,100), 25 NVDA limit buys at ~$32 (~$800) — with the
 * AAPL bought first (~$3,800), within the $16,000 of each sleeve with room for the prices to drift.
 */
const CAPS = { sell_aapl: HELD_AAPL, buy_amzn: 25, buy_googl: 25, limit_nvda: 25 } as const;
type Kind = keyof typeof CAPS;
/** Cancels per bot at most (of its own open NVDA limit orders, which never fill). */
const CANCELS = 10;
/** Every order attempt gives up after this long without an answer (a live serve must answer sooner). */
const REQUEST_TIMEOUT_MS = 20_000;
/** The settle: how long the books may take to agree with the broker after the last restart. */
const SETTLE_MS = 60_000;
/** Share of restarts killed once more during start-up (after the lease is taken), before listening. */
const STARTUP_KILL_SHARE = 0.2;
/** At most this many start-up kills per store (each costs a whole start of `serve`). */
const MAX_STARTUP_KILLS = 3;

const { dir, cleanup } = tempDir('subledger-kill-drill-');
const schemas: string[] = [];
after(async () => {
  await killAll();
  // With SUBLEDGER_DRILL_LOG_DIR the stores are kept for a post-mortem (SQLite copied there).
  if (!LOG_DIR) for (const schema of schemas) await dropSchema(schema).catch(() => undefined);
  cleanup();
});

const pgSkip = await pgSkipReason();
const stores: { name: string; skip?: string; target: () => string }[] = [
  { name: 'SQLite', target: () => join(dir, 'kill-drill.db') },
  {
    name: 'PostgreSQL',
    ...(pgSkip ? { skip: pgSkip } : {}),
    target: () => {
      const schema = freshSchema('kill_drill');
      schemas.push(schema);
      return pgUrlFor(schema);
    },
  },
];

// ---------------------------------------------------------------------------------------------
// Small tools

/** mulberry32: a seeded PRNG, so a seed repeats the drill's choices. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const between = (rng: () => number, lo: number, hi: number) => Math.round(lo + rng() * (hi - lo));

/** Exact decimal text, normalized ("1.000" → "1"). */
const norm = (text: string | null | undefined) => toPlain(parseDec(text ?? '0'));
const add = (a: Dec, b: string) => (a + parseDec(b)) as Dec;
const tail = (text: string, chars = 4000) => (text.length > chars ? `…${text.slice(-chars)}` : text);
const count = (tally: Record<string, number>, key: string) => (tally[key] = (tally[key] ?? 0) + 1);
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

/** The URL of the `serve` now listening; bots wait here while it is down. */
class ServeSlot {
  private url: string | undefined;
  private closed = false;
  private waiters: (() => void)[] = [];

  up(url: string): void {
    this.url = url;
    for (const wake of this.waiters.splice(0)) wake();
  }

  down(): void {
    this.url = undefined;
  }

  /** Lets every waiting bot go (they stop): the drill is over or failed. */
  close(): void {
    this.closed = true;
    for (const wake of this.waiters.splice(0)) wake();
  }

  /** The current URL, once a serve listens; undefined once closed. */
  async current(): Promise<string | undefined> {
    while (this.url === undefined && !this.closed) await new Promise<void>((wake) => this.waiters.push(wake));
    return this.closed ? undefined : this.url;
  }
}

// ---------------------------------------------------------------------------------------------
// The bots

interface OrderBody {
  symbol: string;
  side: 'buy' | 'sell';
  qty: string;
  type: 'market' | 'limit';
  limit_price?: string;
  time_in_force?: string;
}

function bodyOf(kind: Kind, nvdaLimit: string): OrderBody {
  switch (kind) {
    case 'sell_aapl':
      return { symbol: 'AAPL', side: 'sell', qty: '1', type: 'market' };
    case 'buy_amzn':
      return { symbol: 'AMZN', side: 'buy', qty: '1', type: 'market' };
    case 'buy_googl':
      return { symbol: 'GOOGL', side: 'buy', qty: '1', type: 'market' };
    case 'limit_nvda':
      return { symbol: 'NVDA', side: 'buy', qty: '1', type: 'limit', limit_price: nvdaLimit, time_in_force: 'gtc' };
  }
}

interface OrderAnswer {
  id?: string;
  status?: string;
  code?: string;
  message?: string;
}

interface BotTally {
  readonly bot: string;
  readonly idempotent: boolean;
  /** Orders the bot meant to place (one per idempotency key for the retrying bots). */
  orders: number;
  /** Cancels it asked for (DELETE of one of its open NVDA limit orders). */
  cancels: number;
  /** HTTP requests, retries included. */
  requests: number;
  retries: number;
  /** Order ids answered 201. */
  readonly accepted: Set<string>;
  /** Idempotency key → the order id its 201 named. */
  readonly keys: Map<string, string>;
  /** Orders given up on without an answer (non-retrying bots: no answer or 503). */
  unanswered: number;
  /** Cancels given up on without an answer (non-retrying bots). */
  unansweredCancels: number;
  /** Orders whose cancel was answered 200. */
  readonly canceled: Set<string>;
  /** Requests that timed out with no answer (a serve that hangs). */
  timeouts: number;
  /** Per request: method and HTTP status, or "no answer". */
  readonly answers: Record<string, number>;
  /** Answers neither 201 nor retryable: "status code: message". */
  readonly errors: Record<string, number>;
  readonly kinds: Record<string, number>;
  /** The bot sent every order its caps allow before the drill ended. */
  exhausted: boolean;
}

/** One request of a bot; undefined when no answer came (serve killed mid-request, or down). */
async function request(
  method: 'POST' | 'DELETE',
  url: string,
  bot: string,
  body?: OrderBody,
  key?: string,
): Promise<Answer<OrderAnswer> | 'timeout' | undefined> {
  try {
    const response = await fetch(url, {
      method,
      headers: {
        ...tokenOf(bot),
        ...(body ? { 'content-type': 'application/json' } : {}),
        ...(key ? { 'idempotency-key': key } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await response.text();
    let parsed: OrderAnswer;
    try {
      parsed = JSON.parse(text) as OrderAnswer;
    } catch {
      parsed = { message: text };
    }
    return { status: response.status, body: parsed };
  } catch (error) {
    return (error as Error).name === 'TimeoutError' ? 'timeout' : undefined;
  }
}

/**
 * One bot: orders one at a time until told to stop (or its caps are used up), and now and then a
 * cancel of one of its open NVDA limit orders. A retrying bot sends each request again (the same
 * Idempotency-Key for an order) until it gets an answer that is not a 503; the others send once.
 */
async function runBot(
  bot: string,
  rng: () => number,
  slot: ServeSlot,
  control: { stop: boolean },
  nvdaLimit: string,
): Promise<BotTally> {
  const tally: BotTally = {
    bot,
    idempotent: idempotent(bot),
    orders: 0,
    cancels: 0,
    requests: 0,
    retries: 0,
    accepted: new Set(),
    keys: new Map(),
    unanswered: 0,
    unansweredCancels: 0,
    canceled: new Set(),
    timeouts: 0,
    answers: {},
    errors: {},
    kinds: {},
    exhausted: false,
  };
  /**
   * Sends until answered (retrying bots) or once; returns the answer, or undefined when there was
   * none (or the drill ended). `fine` says which answers are expected.
   */
  const send = async (
    what: string,
    path: string,
    method: 'POST' | 'DELETE',
    fine: (status: number, retried: boolean) => boolean,
    body?: OrderBody,
    key?: string,
  ): Promise<Answer<OrderAnswer> | undefined> => {
    for (let retried = false; ; retried = true) {
      const url = await slot.current();
      if (url === undefined) return undefined; // the drill ended
      tally.requests += 1;
      const answer = await request(method, `${url}${path}`, bot, body, key);
      if (answer === 'timeout') tally.timeouts += 1;
      const got = typeof answer === 'object' ? answer : undefined;
      count(tally.answers, `${what} ${got ? got.status : 'no answer'}`);
      if (got && got.status !== 503) {
        if (!fine(got.status, retried))
          count(
            tally.errors,
            `${what} ${got.status} ${got.body.code ?? ''}: ${String(got.body.message ?? '').slice(0, 200)}`,
          );
        return got;
      }
      if (!tally.idempotent) {
        if (method === 'POST') tally.unanswered += 1;
        else tally.unansweredCancels += 1;
        return undefined;
      }
      tally.retries += 1;
      await sleep(got ? 200 : 50); // a 503 says "retry"; no answer: serve is (being) restarted
    }
  };
  const left: Record<Kind, number> = { ...CAPS };
  const openNvda: string[] = [];
  let cancelsLeft = CANCELS;
  for (let k = 1; !control.stop; k++) {
    if (openNvda.length > 0 && cancelsLeft > 0 && rng() < 0.25) {
      const id = openNvda.splice(Math.floor(rng() * openNvda.length), 1)[0]!;
      cancelsLeft -= 1;
      tally.cancels += 1;
      // 200 (pending_cancel or canceled); a retry may find it canceled already (409).
      const got = await send(
        'DELETE',
        `/deployments/${bot}/orders/${id}`,
        'DELETE',
        (status, retried) => status === 200 || (retried && status === 409),
      );
      if (got?.status === 200) tally.canceled.add(id);
    } else {
      const kinds = (Object.keys(left) as Kind[]).filter((kind) => left[kind] > 0);
      if (kinds.length === 0) {
        tally.exhausted = true;
        break;
      }
      const kind = kinds[Math.floor(rng() * kinds.length)]!;
      left[kind] -= 1;
      count(tally.kinds, kind);
      tally.orders += 1;
      const key = tally.idempotent ? `kd-${bot}-${k}` : undefined;
      const got = await send(
        'POST',
        `/deployments/${bot}/orders`,
        'POST',
        (status) => status === 201,
        bodyOf(kind, nvdaLimit),
        key,
      );
      if (got?.status === 201 && got.body.id) {
        tally.accepted.add(got.body.id);
        if (key) tally.keys.set(key, got.body.id);
        if (kind === 'limit_nvda') openNvda.push(got.body.id);
      }
    }
    await sleep(between(rng, 50, 250));
  }
  return tally;
}

// ---------------------------------------------------------------------------------------------
// What the books and the broker say

interface OrderView {
  id: string;
  deployment_id: string;
  broker_order_id: string | null;
  symbol: string;
  side: string;
  status: string;
  filled_qty: string;
  idempotency_key: string | null;
}
interface TradeView {
  fill_id: string;
  order_id: string | null;
  symbol: string;
  side: string;
  qty: string;
  price: string;
}
interface BrokerOrderWire {
  id: string;
  client_order_id: string;
  symbol: string;
  side: string;
  status: string;
  filled_qty: string;
  submitted_at: string;
}
interface FillActivityWire {
  id: string;
  order_id: string;
  qty: string;
  price: string;
  symbol: string;
  side: string;
}
interface AccountAnswer {
  reconciled: boolean;
  differences: { item: string; difference: string }[];
  house: { cash: string; positions: { symbol: string; qty: string }[] };
}

async function ok<T>(answer: Promise<Answer<T>>, what: string): Promise<T> {
  const { status, body } = await answer;
  assert.equal(status, 200, `${what}: ${status} ${JSON.stringify(body).slice(0, 500)}`);
  return body;
}

/** Every order of every bot, as serve shows them (listing resolves the unacknowledged ones). */
async function journalOrders(url: string): Promise<OrderView[]> {
  const lists = await Promise.all(
    BOTS.map((bot) =>
      ok(
        json<OrderView[]>('GET', `${url}/deployments/${bot}/orders?status=all&limit=1000`, tokenOf(bot)),
        `orders of ${bot}`,
      ),
    ),
  );
  for (const [i, list] of lists.entries())
    assert.ok(list.length < 1000, `${BOTS[i]} has 1000 orders or more: the listing is cut`);
  return lists.flat();
}

/** Every trade of every bot's sleeve (all pages), with the deployment that booked it. */
async function journalTrades(url: string): Promise<(TradeView & { deployment: string })[]> {
  const out: (TradeView & { deployment: string })[] = [];
  for (const bot of BOTS) {
    let cursor: string | null = null;
    do {
      const page: { trades: TradeView[]; next_cursor: string | null } = await ok(
        json('GET', `${url}/deployments/${bot}/trades?limit=1000${cursor ? `&cursor=${cursor}` : ''}`, tokenOf(bot)),
        `trades of ${bot}`,
      );
      out.push(...page.trades.map((t) => ({ ...t, deployment: bot })));
      cursor = page.next_cursor;
    } while (cursor);
  }
  return out;
}

/** Every order at the broker (GET /v2/orders?status=all, paged by submission time). */
async function brokerOrders(emulator: EmulatorProcess): Promise<BrokerOrderWire[]> {
  const byId = new Map<string, BrokerOrderWire>();
  let after: string | undefined;
  for (;;) {
    const page = await ok(
      json<BrokerOrderWire[]>(
        'GET',
        `${emulator.url}/v2/orders?status=all&limit=500&direction=asc${after ? `&after=${encodeURIComponent(after)}` : ''}`,
        emulator.headers,
      ),
      'broker orders',
    );
    const before = byId.size;
    for (const order of page) byId.set(order.id, order);
    if (page.length < 500) break;
    // `after` is exclusive on the submission time: step back 1 ms so ties at the page's edge are
    // read again (and deduplicated by id) rather than skipped.
    assert.ok(byId.size > before, 'broker orders: a full page of orders sharing one submission time');
    after = new Date(Date.parse(page.at(-1)!.submitted_at) - 1).toISOString();
  }
  return [...byId.values()];
}

/** Every FILL activity at the broker, oldest first (paged by `page_token`). */
async function brokerFills(emulator: EmulatorProcess): Promise<FillActivityWire[]> {
  const rows: FillActivityWire[] = [];
  let token: string | undefined;
  for (;;) {
    const page = await ok(
      json<FillActivityWire[]>(
        'GET',
        `${emulator.url}/v2/account/activities?activity_types=FILL&direction=asc&page_size=100${token ? `&page_token=${encodeURIComponent(token)}` : ''}`,
        emulator.headers,
      ),
      'broker FILL activities',
    );
    rows.push(...page);
    if (page.length < 100) return rows;
    token = page.at(-1)!.id;
  }
}

const executionId = (activityId: string) => activityId.slice(activityId.indexOf('::') + 2);
const deploymentOf = (clientOrderId: string) => /^s\.([^.]+)\./.exec(clientOrderId)?.[1];
/** The broker's status in the port's words (accepted and pending_new are both pending_new). */
const brokerStatus = (status: string) => (status === 'accepted' ? 'pending_new' : status);

interface Verdict {
  /** The exact figures the drill asserts (each compared with its expected value). */
  readonly checks: {
    pending_new: string[];
    client_order_ids_twice_at_broker: string[];
    journal_orders_not_at_broker: string[];
    bot_orders_at_broker_not_in_journal: string[];
    orders_at_broker_of_no_bot: string[];
    status_differs_from_broker: string[];
    accepted_not_in_journal: string[];
    idempotency_keys_not_one_order: string[];
    idempotent_bots_journal_equals_accepted: string[];
    unanswered_bots_orders_without_201_beyond_unanswered: string[];
    cancel_answered_200_not_canceled: string[];
    fills_lost: string[];
    fills_doubled: string[];
    fills_booked_not_at_broker: string[];
    fills_misattributed: string[];
    fills_booked_at_other_terms: string[];
    qty_at_broker_equals_qty_booked: boolean;
  };
  /** Figures for the report. */
  readonly figures: {
    journal_orders: number;
    broker_orders: number;
    statuses: Record<string, number>;
    broker_fills: number;
    booked_trades: number;
    qty_filled_at_broker: string;
    qty_booked: string;
  };
}

function verdict(
  warmUpIds: ReadonlySet<string>,
  tallies: readonly BotTally[],
  orders: readonly OrderView[],
  trades: readonly (TradeView & { deployment: string })[],
  atBroker: readonly BrokerOrderWire[],
  fills: readonly FillActivityWire[],
): Verdict {
  const bots = new Set<string>(BOTS);
  const brokerByClient = new Map<string, BrokerOrderWire[]>();
  for (const o of atBroker)
    brokerByClient.set(o.client_order_id, [...(brokerByClient.get(o.client_order_id) ?? []), o]);
  const brokerById = new Map(atBroker.map((o) => [o.id, o]));
  const journal = new Map(orders.map((o) => [o.id, o]));

  const statusDiffers: string[] = [];
  const notAtBroker: string[] = [];
  for (const o of orders) {
    const broker = brokerByClient.get(o.id)?.[0];
    if (!broker) {
      notAtBroker.push(`${o.id} (${o.deployment_id}, ${o.status}, filled ${o.filled_qty})`);
      continue;
    }
    const mine = `${o.status}/${norm(o.filled_qty)}`;
    const theirs = `${brokerStatus(broker.status)}/${norm(broker.filled_qty)}`;
    if (mine !== theirs || (o.broker_order_id !== null && o.broker_order_id !== broker.id))
      statusDiffers.push(`${o.id}: journal ${mine} (broker id ${o.broker_order_id}), broker ${theirs} (${broker.id})`);
  }

  const keys = new Map<string, string[]>();
  for (const o of orders)
    if (o.idempotency_key) {
      const at = `${o.deployment_id}/${o.idempotency_key}`;
      keys.set(at, [...(keys.get(at) ?? []), o.id]);
    }
  const keysNotOne: string[] = [];
  for (const tally of tallies)
    for (const [key, id] of tally.keys) {
      const ids = keys.get(`${tally.bot}/${key}`) ?? [];
      if (ids.length !== 1 || ids[0] !== id) keysNotOne.push(`${tally.bot}/${key}: answered ${id}, journal [${ids}]`);
    }
  for (const [key, ids] of keys) if (ids.length !== 1) keysNotOne.push(`${key}: journal [${ids}]`);

  const idempotentEqual: string[] = [];
  const beyondUnanswered: string[] = [];
  for (const tally of tallies) {
    const own = orders.filter((o) => o.deployment_id === tally.bot).map((o) => o.id);
    // Every bot's first order is the warm-up buy of AAPL, answered 201 (see setUp).
    const without201 = own.filter((id) => !tally.accepted.has(id) && !warmUpIds.has(id));
    if (tally.idempotent && without201.length > 0)
      idempotentEqual.push(`${tally.bot}: journaled without a 201: ${without201.join(', ')}`);
    if (!tally.idempotent && without201.length > tally.unanswered)
      beyondUnanswered.push(
        `${tally.bot}: ${without201.length} journaled without a 201, ${tally.unanswered} unanswered`,
      );
  }

  // Fills: each execution's qty booked exactly once in total, by the deployment its order names.
  const booked = new Map<string, (TradeView & { deployment: string })[]>();
  for (const t of trades) booked.set(t.fill_id, [...(booked.get(t.fill_id) ?? []), t]);
  const lost: string[] = [];
  const doubled: string[] = [];
  const misattributed: string[] = [];
  const otherTerms: string[] = [];
  const brokerExecutions = new Set<string>();
  let qtyAtBroker = ZERO;
  let qtyBooked = ZERO;
  for (const row of fills) {
    const id = executionId(row.id);
    brokerExecutions.add(id);
    qtyAtBroker = add(qtyAtBroker, row.qty);
    const legs = booked.get(id) ?? [];
    const total = legs.reduce((sum, t) => add(sum, t.qty), ZERO);
    const order = brokerById.get(row.order_id);
    if (total < parseDec(row.qty))
      lost.push(
        `${id} (${row.side} ${row.qty} ${row.symbol}, order ${order?.client_order_id}): booked ${toPlain(total)}`,
      );
    else if (total > parseDec(row.qty))
      doubled.push(`${id} (${row.side} ${row.qty} ${row.symbol}): booked ${toPlain(total)} in ${legs.length} trade(s)`);
    for (const t of legs) {
      if (!order || t.deployment !== deploymentOf(order.client_order_id) || t.order_id !== order.client_order_id)
        misattributed.push(
          `${id}: booked by ${t.deployment} for ${t.order_id}, broker order ${order?.client_order_id}`,
        );
      if (t.symbol !== row.symbol || t.side !== row.side || norm(t.price) !== norm(row.price))
        otherTerms.push(
          `${id}: booked ${t.side} ${t.symbol} @ ${t.price}, broker ${row.side} ${row.symbol} @ ${row.price}`,
        );
    }
  }
  for (const t of trades) qtyBooked = add(qtyBooked, t.qty);
  const phantom = trades
    .filter((t) => !brokerExecutions.has(t.fill_id))
    .map((t) => `${t.fill_id} (${t.deployment} ${t.side} ${t.qty} ${t.symbol}, order ${t.order_id})`);

  const statuses: Record<string, number> = {};
  for (const o of orders) count(statuses, o.status);
  return {
    checks: {
      pending_new: orders.filter((o) => o.status === 'pending_new').map((o) => `${o.id} (${o.deployment_id})`),
      client_order_ids_twice_at_broker: [...brokerByClient].filter(([, list]) => list.length > 1).map(([id]) => id),
      journal_orders_not_at_broker: notAtBroker,
      bot_orders_at_broker_not_in_journal: atBroker
        .filter((o) => bots.has(deploymentOf(o.client_order_id) ?? '') && !journal.has(o.client_order_id))
        .map((o) => `${o.client_order_id} (${o.status}, filled ${o.filled_qty})`),
      orders_at_broker_of_no_bot: atBroker
        .filter((o) => !bots.has(deploymentOf(o.client_order_id) ?? ''))
        .map((o) => o.client_order_id),
      status_differs_from_broker: statusDiffers,
      accepted_not_in_journal: tallies.flatMap((t) => [...t.accepted].filter((id) => !journal.has(id))),
      idempotency_keys_not_one_order: keysNotOne,
      idempotent_bots_journal_equals_accepted: idempotentEqual,
      unanswered_bots_orders_without_201_beyond_unanswered: beyondUnanswered,
      cancel_answered_200_not_canceled: tallies.flatMap((t) =>
        [...t.canceled]
          .filter((id) => journal.get(id)?.status !== 'canceled' || brokerByClient.get(id)?.[0]?.status !== 'canceled')
          .map((id) => `${id}: journal ${journal.get(id)?.status}, broker ${brokerByClient.get(id)?.[0]?.status}`),
      ),
      fills_lost: lost,
      fills_doubled: doubled,
      fills_booked_not_at_broker: phantom,
      fills_misattributed: misattributed,
      fills_booked_at_other_terms: otherTerms,
      qty_at_broker_equals_qty_booked: qtyAtBroker === qtyBooked,
    },
    figures: {
      journal_orders: orders.length,
      broker_orders: atBroker.length,
      statuses,
      broker_fills: fills.length,
      booked_trades: trades.length,
      qty_filled_at_broker: toPlain(qtyAtBroker),
      qty_booked: toPlain(qtyBooked),
    },
  };
}

const EXPECTED_CHECKS: Verdict['checks'] = {
  pending_new: [],
  client_order_ids_twice_at_broker: [],
  journal_orders_not_at_broker: [],
  bot_orders_at_broker_not_in_journal: [],
  orders_at_broker_of_no_bot: [],
  status_differs_from_broker: [],
  accepted_not_in_journal: [],
  idempotency_keys_not_one_order: [],
  idempotent_bots_journal_equals_accepted: [],
  unanswered_bots_orders_without_201_beyond_unanswered: [],
  cancel_answered_200_not_canceled: [],
  fills_lost: [],
  fills_doubled: [],
  fills_booked_not_at_broker: [],
  fills_misattributed: [],
  fills_booked_at_other_terms: [],
  qty_at_broker_equals_qty_booked: true,
};

const settled = (v: Verdict) => {
  try {
    assert.deepEqual(v.checks, EXPECTED_CHECKS);
    return true;
  } catch {
    return false;
  }
};

// ---------------------------------------------------------------------------------------------
// The drill

async function killDrill(t: TestContext, db: string, storeName: string, seed: number): Promise<void> {
  const started = Date.now();
  t.diagnostic(`kill drill on ${storeName}: seed ${seed} (SUBLEDGER_DRILL_SEED=${SEED})`);
  const rng = prng(seed);
  const emulator = await startEmulatorProcess([
    '--rate-limit',
    '0',
    '--step-ms',
    '100',
    '--seed',
    String(seed % 100_000),
  ]);
  const serveEnv = {
    ...emulator.env,
    SUBLEDGER_ALPACA_RATE_LIMIT: '100000',
    SUBLEDGER_LOG_LEVEL: LOG_LEVEL,
  };
  const serves: Proc[] = [];
  const stderrOfAll = () =>
    serves.map((p, i) => `--- serve #${i + 1} (pid ${p.pid}, ${JSON.stringify(p.exit())}):\n${p.stderr()}`).join('\n');
  const lastStderr = () => tail(serves.at(-1)?.stderr() ?? '');
  const slot = new ServeSlot();
  const warmUpIds = new Set<string>();
  const control = { stop: false };
  const startMs: number[] = [];
  let listeningKills = 0;
  let startupKills = 0;
  let startupKillsMissed = 0;
  let beforeDelays = 0;
  let current: { proc: Proc; url: string } | undefined;

  const spawn = (takeOver: boolean) => {
    const proc = startProcess(
      ['serve', '--port', '0', '--broker', 'alpaca', '--db', db, ...auth, ...(takeOver ? ['--take-over'] : [])],
      serveEnv,
    );
    serves.push(proc);
    return proc;
  };
  /**
   * Starts serve and waits until it listens. With `killAfterLeaseMs`, first kills it that long
   * after it took the writer lease (while it loads the journal, backfills and resolves the
   * unacknowledged orders) — unless it listens before — and starts it again.
   */
  const start = async (takeOver: boolean, killAfterLeaseMs?: number): Promise<{ proc: Proc; url: string }> => {
    for (let attempt = 0; ; attempt++) {
      const spawned = Date.now();
      const proc = spawn(takeOver);
      const listening = proc.waitFor(SERVING, 'serve to print its URL', START_TIMEOUT_MS);
      listening.catch(() => undefined);
      if (attempt === 0 && killAfterLeaseMs !== undefined) {
        let up = false;
        const early = await Promise.race([
          listening.then((m) => ((up = true), m[1]!)),
          (async () => {
            // The lease taken is a warn line ("taking over the writer lease from pid …").
            while (!/writer lease/.test(proc.stderr()) && !proc.exit() && !up) await sleep(20);
            await sleep(killAfterLeaseMs);
            return undefined;
          })(),
        ]);
        if (early === undefined && !proc.exit()) {
          await proc.kill();
          startupKills += 1;
          continue;
        }
        startupKillsMissed += 1; // it listened first
      }
      const url = (await listening)[1]!;
      startMs.push(Date.now() - spawned);
      return { proc, url };
    }
  };

  // The whole schedule comes from the seed, before anything runs: each kill's gap after serve
  // listens, the late orders set up before it, and which restarts are killed in their start-up.
  const plan = Array.from({ length: KILLS }, () => ({
    gapMs: between(rng, 300, 2000),
    // Now and then the next few orders are processed late (the request waits before the broker
    // takes it): briefly, or longer than a restart takes, so that an order serve journaled and
    // sent before it was killed lands only after its successor looked it up and found nothing.
    late: [
      [0.4, 100, 800],
      [0.3, 3000, 7000],
    ].flatMap(([share, lo, hi]) => (rng() < share! ? [{ ms: between(rng, lo!, hi!), times: between(rng, 1, 3) }] : [])),
    killAfterLeaseMs: rng() < STARTUP_KILL_SHARE ? between(rng, 0, 1500) : undefined,
  }));
  let planned = 0;
  for (const step of plan)
    if (step.killAfterLeaseMs !== undefined && ++planned > MAX_STARTUP_KILLS) step.killAfterLeaseMs = undefined;

  try {
    // -- Set up: the first serve (no take-over), six sleeves, 20 AAPL each, all filled.
    current = await start(false);
    slot.up(current.url);
    for (const bot of BOTS) {
      const created: Answer = await json('POST', `${current.url}/deployments`, admin, {
        id: bot,
        initial_capital: CAPITAL,
      });
      assert.equal(created.status, 201, `create ${bot}: ${JSON.stringify(created.body)}`);
    }
    for (const bot of BOTS) {
      const bought: Answer<OrderAnswer> = await json<OrderAnswer>(
        'POST',
        `${current.url}/deployments/${bot}/orders`,
        tokenOf(bot),
        {
          symbol: 'AAPL',
          side: 'buy',
          qty: String(HELD_AAPL),
          type: 'market',
        },
      );
      assert.equal(bought.status, 201, `warm-up buy of ${bot}: ${JSON.stringify(bought.body)}`);
      warmUpIds.add(bought.body.id!);
    }
    const warmUrl = current.url;
    const open = await pollUntil(
      async () => (await journalOrders(warmUrl)).filter((o) => o.status !== 'filled'),
      (list) => list.length === 0,
      20_000,
    );
    assert.deepEqual(
      open.map((o) => `${o.id} ${o.status}`),
      [],
      `warm-up: orders not filled\n--- serve's stderr:\n${lastStderr()}`,
    );
    const nvda = await json<{ trades: Record<string, { p: number }> }>(
      'GET',
      `${emulator.url}/v2/stocks/trades/latest?symbols=NVDA`,
      emulator.headers,
    );
    const nvdaLimit = String(Math.max(1, Math.floor(Number(nvda.body.trades.NVDA!.p) / 4)));

    // Every order's answer comes 250 ms late (it is placed at once): kills land between the
    // order reaching the broker and serve learning so.
    await emulator.control('delay', { method: 'POST', path: '/v2/orders', ms: 250, phase: 'after' });

    // -- The drill: bots trade while serve is killed and restarted.
    const drillStarted = Date.now();
    const bots = BOTS.map((bot, i) => runBot(bot, prng(seed + 1 + i), slot, control, nvdaLimit));
    for (const step of plan) {
      for (const late of step.late) {
        await emulator.control('delay', { method: 'POST', path: '/v2/orders', ...late, phase: 'before' });
        beforeDelays += late.times;
      }
      await sleep(step.gapMs);
      slot.down();
      await current.proc.kill();
      listeningKills += 1;
      current = await start(true, step.killAfterLeaseMs);
      slot.up(current.url);
    }
    const drillMs = Date.now() - drillStarted;

    // -- The last serve stays up: the bots finish what they were sending (retrying bots until answered).
    control.stop = true;
    // (An unref'd timer: a pending one would keep the test process alive after the tests.)
    const botsDone = await Promise.race([Promise.all(bots), sleep(60_000, undefined, { ref: false })]);
    assert.ok(
      botsDone,
      `the bots did not finish within 60 s of the last restart\n--- serve's stderr:\n${lastStderr()}`,
    );
    const tallies = botsDone;
    slot.close();

    const url = current.url;
    const settleStarted = Date.now();
    const collect = async () =>
      verdict(
        warmUpIds,
        tallies,
        await journalOrders(url),
        await journalTrades(url),
        await brokerOrders(emulator),
        await brokerFills(emulator),
      );
    const final = await pollUntil(collect, settled, SETTLE_MS, 500);
    const account = await pollUntil(
      () => ok(json<AccountAnswer>('GET', `${url}/account`, admin), 'GET /account'),
      (a) => a.reconciled,
      10_000,
      500,
    );
    const settleMs = Date.now() - settleStarted;

    // How far the emulator's clock (the broker's event times) is behind this host's (serve's) clock.
    const brokerClock = await ok(
      json<{ timestamp: string }>('GET', `${emulator.url}/v2/clock`, emulator.headers),
      'clock',
    );
    const brokerClockLagMs = Date.now() - Date.parse(brokerClock.timestamp);
    const requests = (await (await fetch(`${emulator.url}/_control/requests`)).json()) as {
      method: string;
      url: string;
      status: number;
    }[];
    const posts: Record<string, number> = {};
    for (const r of requests) if (r.method === 'POST' && r.url.startsWith('/v2/orders')) count(posts, String(r.status));
    const sum = (f: (t: BotTally) => number) => tallies.reduce((n, t) => n + f(t), 0);
    const answers: Record<string, number> = {};
    const errors: Record<string, number> = {};
    for (const tally of tallies) {
      for (const [k, n] of Object.entries(tally.answers)) answers[k] = (answers[k] ?? 0) + n;
      for (const [k, n] of Object.entries(tally.errors)) errors[k] = (errors[k] ?? 0) + n;
    }
    const figures = {
      store: storeName,
      seed,
      kills: {
        while_listening: listeningKills,
        during_start_up: startupKills,
        total: listeningKills + startupKills,
        start_up_kills_missed: startupKillsMissed,
      },
      serve_start_ms: { min: Math.min(...startMs), median: median(startMs), max: Math.max(...startMs) },
      bots: {
        orders: sum((t) => t.orders),
        requests: sum((t) => t.requests),
        accepted: sum((t) => t.accepted.size),
        retries: sum((t) => t.retries),
        cancels: sum((t) => t.cancels),
        cancels_answered_200: sum((t) => t.canceled.size),
        unanswered_orders_not_retried: sum((t) => t.unanswered),
        unanswered_cancels_not_retried: sum((t) => t.unansweredCancels),
        timeouts: sum((t) => t.timeouts),
        exhausted: tallies.filter((t) => t.exhausted).map((t) => t.bot),
        answers,
      },
      emulator: { post_orders_by_status: posts, before_delays: beforeDelays, clock_lag_ms: brokerClockLagMs },
      ...final.figures,
      duration_s: {
        drill: drillMs / 1000,
        settle: settleMs / 1000,
        total: (Date.now() - started) / 1000,
      },
    };
    t.diagnostic(`kill drill on ${storeName}: ${JSON.stringify(figures)}`);

    const message = (what: string) =>
      `${what} — ${storeName}, seed ${seed} (rerun with SUBLEDGER_DRILL_SEED=${SEED}), ` +
      `${listeningKills} kills while listening + ${startupKills} during start-up, ` +
      `${figures.bots.accepted} orders accepted of ${figures.bots.orders}, ${figures.broker_fills} fills at the broker, ` +
      `${figures.booked_trades} trades booked\nfigures: ${JSON.stringify(figures, null, 1)}\n` +
      `--- the last serve's stderr:\n${lastStderr()}`;

    assert.equal(listeningKills, KILLS, message(`${listeningKills} kills while listening`));
    assert.deepEqual(final.checks, EXPECTED_CHECKS, message('the books against the broker after the settle'));
    assert.deepEqual(
      { errors, timeouts: figures.bots.timeouts, statuses: Object.keys(final.figures.statuses).sort() },
      { errors: {}, timeouts: 0, statuses: ['canceled', 'filled', 'new'].filter((s) => final.figures.statuses[s]) },
      message('answers other than 201 / 503 / no answer, or orders neither filled nor open'),
    );
    assert.deepEqual(
      {
        reconciled: account.reconciled,
        drift: account.differences.filter((d) => norm(d.difference) !== '0').map((d) => `${d.item} ${d.difference}`),
        house_positions: account.house.positions,
        house_cash: norm(account.house.cash),
      },
      {
        reconciled: true,
        drift: [],
        house_positions: [],
        house_cash: toPlain((parseDec('100000') - BigInt(BOTS.length) * parseDec(CAPITAL)) as Dec),
      },
      message('GET /account after the settle'),
    );

    // -- A clean stop, then the journal checked by processes of their own.
    const stopped = await current.proc.stop(15_000);
    assert.deepEqual(stopped, { code: 0, signal: null }, message('serve stopped with SIGTERM'));
    // Both only read the store: run side by side.
    const [replayed, verified] = await Promise.all([
      runCli(['replay', '--dry-run', '--quiet', '--db', db]),
      runCli(['history', '--verify', '--db', db]),
    ]);
    assert.deepEqual(
      { code: replayed.code, verdict: /projections match the journal/.test(replayed.stdout) },
      { code: 0, verdict: true },
      message(`replay --dry-run:\n${replayed.stdout}\n${replayed.stderr}`),
    );
    assert.deepEqual(
      { code: verified.code, verdict: /history verified/.test(verified.stdout) },
      { code: 0, verdict: true },
      message(`history --verify:\n${tail(verified.stdout)}\n${verified.stderr}`),
    );
    t.diagnostic(`kill drill on ${storeName}: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    control.stop = true;
    slot.close();
    await current?.proc.stop();
    await emulator.proc.stop();
    if (LOG_DIR) {
      mkdirSync(LOG_DIR, { recursive: true });
      writeFileSync(join(LOG_DIR, `kill-drill-${storeName}-${seed}.log`), `store: ${db}\n${stderrOfAll()}`);
      for (const suffix of ['', '-wal', '-shm'])
        if (existsSync(db + suffix)) copyFileSync(db + suffix, join(LOG_DIR, `kill-drill-${seed}.db${suffix}`));
    }
  }
}

// The two stores run side by side (each with its own emulator), to keep the file within about 3
// minutes; SUBLEDGER_DRILL_SEQUENTIAL=1 runs them one after the other.
const concurrency = process.env.SUBLEDGER_DRILL_SEQUENTIAL === '1' ? 1 : stores.length;

describe('drill: `serve --broker alpaca` SIGKILLed at random moments while 6 bots trade', { concurrency }, () => {
  for (const [i, store] of stores.entries()) {
    it(
      `on ${store.name}: ${KILLS}+ kills; 0 fills lost or doubled, 0 orders sent twice or left pending_new, statuses = the broker's, reconciled, replay and history clean`,
      { ...(store.skip ? { skip: store.skip } : {}), timeout: 480_000 },
      (t) => killDrill(t, store.target(), store.name, SEED + i),
    );
  }
});
