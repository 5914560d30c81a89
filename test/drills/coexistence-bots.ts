/**
 * The bots of the coexistence drill (issue 14): each trades its own deployment through Subledger's
 * REST API with a seeded PRNG — random market and limit orders (limits near the last price or far
 * from it, `gtc` or `day`) on a few symbols, now and then a cancel of one of its own resting
 * orders — until the drill's shared order budget is spent. Long-only bots sell only what their
 * sleeve holds and no open sell already reserves; a bot allowed to short sells freely. Buys are
 * sized within the sleeve's buying power. Every answer is tallied: accepted, refused by
 * Subledger's risk check (by code), refused by the broker (`BROKER_REJECTED`, by `broker_code`,
 * with the order id that joins it to the emulator's rejection log), anything else. A refusal of
 * Subledger's own whose details name another deployment (or its order) is kept apart: a sleeve
 * refused because of another sleeve, whoever refused it.
 *
 * Entry points: `prng`, `OrderBudget`, `runBot`, `BotTally`, `REQUEST_TIMEOUT_MS`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { deploymentOfClientOrderId } from '../../src/app/trading/client-order-id.js';

/** Every bot request gives up after this long without an answer (a live serve answers sooner). */
export const REQUEST_TIMEOUT_MS = 20_000;

/** mulberry32: a seeded PRNG, so a seed repeats the bots' choices. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The drill's fixed number of orders, shared by all bots (each takes one before each order). */
export class OrderBudget {
  constructor(private left: number) {}
  take(): boolean {
    if (this.left <= 0) return false;
    this.left -= 1;
    return true;
  }
}

export interface OrderBody {
  symbol: string;
  side: 'buy' | 'sell';
  qty: string;
  type: 'market' | 'limit';
  limit_price?: string;
  time_in_force: 'day' | 'gtc';
}

/** A refusal by the broker as the REST API reported it. */
export interface BrokerRefusal {
  readonly bot: string;
  /** Subledger's order id: the client order id the broker saw. */
  readonly orderId: string | undefined;
  readonly brokerCode: string;
  readonly brokerMessage: string;
  readonly body: OrderBody;
}

export interface BotTally {
  readonly bot: string;
  sent: number;
  readonly kinds: Record<string, number>;
  /** Order ids answered 201. */
  readonly accepted: string[];
  /** Subledger's own refusals (risk check, validation), by error code. */
  readonly riskRefused: Record<string, number>;
  /** Those of them whose details name another deployment or its order: "CODE: message". */
  readonly riskByOther: string[];
  readonly brokerRefused: BrokerRefusal[];
  /** Any other answer to an order: "status code: message" (or "no answer"). */
  readonly otherErrors: Record<string, number>;
  cancels: number;
  /** Cancel answers by HTTP status. */
  readonly cancelAnswers: Record<string, number>;
}

export interface BotContext {
  readonly bot: string;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly rng: () => number;
  readonly symbols: readonly string[];
  readonly mayShort: boolean;
  readonly budget: OrderBudget;
  /** The symbol's last price now (the emulator's market). */
  readonly lastPrice: (symbol: string) => number;
}

interface Answer {
  status: number;
  body: Record<string, unknown> & { code?: string; message?: string; details?: Record<string, unknown> };
}

interface OpenOrder {
  id: string;
  symbol: string;
  side: string;
  type: string;
  qty: string;
  filled_qty: string;
}

const count = (tally: Record<string, number>, key: string) => (tally[key] = (tally[key] ?? 0) + 1);
const pick = <T>(rng: () => number, items: readonly T[]): T => items[Math.floor(rng() * items.length)]!;
const between = (rng: () => number, lo: number, hi: number) => lo + Math.floor(rng() * (hi - lo + 1));
const cents = (price: number) => (Math.max(0.01, Math.round(price * 100)) / 100).toFixed(2);

async function call(ctx: BotContext, method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown) {
  try {
    const response = await fetch(`${ctx.url}${path}`, {
      method,
      headers: { ...ctx.headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await response.text();
    let parsed: Answer['body'];
    try {
      parsed = text ? (JSON.parse(text) as Answer['body']) : {};
    } catch {
      parsed = { message: text };
    }
    return { status: response.status, body: parsed } as Answer;
  } catch (error) {
    return { status: 0, body: { message: (error as Error).message } } as Answer;
  }
}

async function read<T>(ctx: BotContext, path: string): Promise<T> {
  const answer = await call(ctx, 'GET', path);
  if (answer.status !== 200) throw new Error(`${ctx.bot}: GET ${path}: ${answer.status} ${answer.body.message}`);
  return answer.body as unknown as T;
}

/** Whether an error's details name a deployment other than `bot`, or an order of another one. */
function namesAnother(bot: string, details: Record<string, unknown> | undefined): boolean {
  if (!details) return false;
  const orderOwner = typeof details.order_id === 'string' ? deploymentOfClientOrderId(details.order_id) : undefined;
  const deployment = typeof details.deployment === 'string' ? details.deployment : undefined;
  return (orderOwner !== undefined && orderOwner !== bot) || (deployment !== undefined && deployment !== bot);
}

/** The bot's next order, from its sleeve as it stands: undefined when it can neither buy nor sell. */
function chooseOrder(
  ctx: BotContext,
  positions: Map<string, number>,
  open: readonly OpenOrder[],
  buyingPower: number,
): OrderBody | undefined {
  const { rng } = ctx;
  const symbol = pick(rng, ctx.symbols);
  const last = ctx.lastPrice(symbol);
  const reservedSells = open
    .filter((o) => o.symbol === symbol && o.side === 'sell')
    .reduce((total, o) => total + Number(o.qty) - Number(o.filled_qty), 0);
  const held = positions.get(symbol) ?? 0;
  // A buy covers a short first; what opens a long (or a short: 150 % of its value) needs buying power.
  const buyCap = Math.max(0, Math.floor(-held)) + Math.floor(buyingPower / (last * 1.05));
  const shortable = ctx.mayShort ? Math.floor(buyingPower / (last * 1.6)) : 0;
  const sellCap = Math.max(0, Math.floor(held - reservedSells)) + shortable;
  if (sellCap < 1 && buyCap < 1) return undefined;
  const side = sellCap >= 1 && (buyCap < 1 || rng() < 0.45) ? 'sell' : 'buy';
  const cap = side === 'buy' ? buyCap : sellCap;
  const qty = String(Math.min(cap, between(rng, 1, 5)));
  if (rng() < 0.35) return { symbol, side, qty, type: 'market', time_in_force: 'day' };
  // Limits: mostly near the last price (either side of it), some far away on the passive side.
  const far = rng() < 0.3;
  const offset = far ? 0.05 + rng() * 0.15 : (rng() - 0.5) * 0.008;
  const price = side === 'buy' ? last * (1 - (far ? offset : -offset)) : last * (1 + offset);
  const tif = rng() < 0.5 ? 'gtc' : 'day';
  return { symbol, side, qty, type: 'limit', limit_price: cents(price), time_in_force: tif };
}

/** One bot: orders (and now and then a cancel) one at a time until the budget is spent. */
export async function runBot(ctx: BotContext): Promise<BotTally> {
  const tally: BotTally = {
    bot: ctx.bot,
    sent: 0,
    kinds: {},
    accepted: [],
    riskRefused: {},
    riskByOther: [],
    brokerRefused: [],
    otherErrors: {},
    cancels: 0,
    cancelAnswers: {},
  };
  const base = `/deployments/${ctx.bot}`;
  for (;;) {
    const [positions, open, metrics] = await Promise.all([
      read<{ symbol: string; qty: string }[]>(ctx, `${base}/positions`),
      read<OpenOrder[]>(ctx, `${base}/orders?status=open&limit=1000`),
      read<{ buying_power: string }>(ctx, `${base}/metrics`),
    ]);
    const resting = open.filter((o) => o.type === 'limit');
    if (resting.length > 0 && ctx.rng() < 0.15) {
      const target = pick(ctx.rng, resting);
      tally.cancels += 1;
      const answer = await call(ctx, 'DELETE', `${base}/orders/${target.id}`);
      count(tally.cancelAnswers, String(answer.status));
      continue;
    }
    const held = new Map(positions.map((p) => [p.symbol, Number(p.qty)]));
    const body = chooseOrder(ctx, held, open, Number(metrics.buying_power));
    if (!body) {
      await sleep(50); // nothing to do until a fill or a cancel frees cash or shares
      if (open.length === 0) break; // and nothing will: this bot is done
      continue;
    }
    if (!ctx.budget.take()) break;
    tally.sent += 1;
    count(tally.kinds, `${body.side} ${body.type}`);
    const answer = await call(ctx, 'POST', `${base}/orders`, body);
    const code = answer.body.code ?? '';
    if (answer.status === 201) tally.accepted.push(String(answer.body.id));
    else if (code === 'BROKER_REJECTED') {
      const details = answer.body.details ?? {};
      tally.brokerRefused.push({
        bot: ctx.bot,
        orderId: typeof details.order_id === 'string' ? details.order_id : undefined,
        brokerCode: String(details.broker_code ?? 'unknown'),
        brokerMessage: String(details.broker_message ?? answer.body.message ?? ''),
        body,
      });
    } else if (answer.status >= 400 && answer.status < 500 && code) {
      count(tally.riskRefused, code);
      if (namesAnother(ctx.bot, answer.body.details)) tally.riskByOther.push(`${code}: ${answer.body.message}`);
    } else count(tally.otherErrors, `${answer.status} ${code}: ${String(answer.body.message ?? '').slice(0, 160)}`);
    await sleep(between(ctx.rng, 10, 60));
  }
  return tally;
}
