/**
 * The coexistence drill of issue 14, shared by `npm run bench -- --only coexistence` and
 * test/drills/coexistence.test.ts: do bots sharing one Alpaca account get each other's orders
 * refused by the broker?
 *
 * The Alpaca emulator runs in this process (stepping every `stepMs`, so the market moves and
 * orders fill); a real `subledger serve --broker alpaca` process runs against it on a fresh
 * temporary SQLite file. Through the REST API the drill creates `bots` deployments with `capital`
 * each (the last one may short), then runs the bots concurrently (test/drills/coexistence-bots.ts)
 * for a fixed total number of orders. Then it waits for the market orders to fill, cancels every
 * resting order, waits until neither the books nor the broker hold an open order and the account
 * reconciles, and measures: the bots' answers (accepted, refused by Subledger's risk check by
 * code — apart, those whose details name another deployment — refused by the broker by
 * `broker_code`); the emulator's rejection log by rule, and which of
 * those refusals another sleeve caused (coexistence-attribution.ts); the emulator's wash-trade
 * audit; the shares crossed internally (fills whose id starts with `x.`) and the fees that saved
 * at the broker's fee rate (the broker fills' fees ÷ notional); `GET /account` and, once serve
 * stopped, `subledger reconcile --broker alpaca`.
 *
 * Entry points: `COEXISTENCE_DEFAULTS`, `runCoexistenceDrill(options)`, `reportLines(result)`,
 * `targetMet(result)`.
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Dec, ZERO, div, mul, parseDec, toFixedString, toPlain } from '../../src/core/decimal.js';
import type { Symbol } from '../../src/core/ids.js';
import { type RejectionRecord, type WashTradeViolation, startEmulator } from '../../src/emulator/index.js';
import { emulatorEnv } from '../alpaca/helpers.js';
import { tempDir } from '../helpers/tmp.js';
import {
  type Attribution,
  type BrokerFill,
  CAUSES,
  type Cause,
  attribute,
  causeOf,
} from './coexistence-attribution.js';
import { type BotTally, OrderBudget, prng, runBot } from './coexistence-bots.js';
import { drillAuth, json, pollUntil, runCli, startServeProcess } from './processes.js';

export interface CoexistenceOptions {
  /** Orders all bots send together. */
  readonly orders: number;
  readonly seed: number;
  readonly bots: number;
  /** Initial capital of each deployment (money). */
  readonly capital: string;
  readonly symbols: number;
  /** The last bot may short (its deployment has `allow_short`). */
  readonly shortingBot: boolean;
  /** Wall (and simulated) milliseconds per market step. */
  readonly stepMs: number;
  /** Where progress lines go (default nowhere). */
  readonly progress?: (line: string) => void;
}

export const COEXISTENCE_DEFAULTS: CoexistenceOptions = {
  orders: 480,
  seed: 20261214,
  bots: 6,
  capital: '10000',
  symbols: 3,
  shortingBot: true,
  stepMs: 100,
};

/** How long the end of the drill may take to settle (fills, cancels, reconciliation). */
const SETTLE_MS = 30_000;

export interface CoexistenceResult {
  readonly options: CoexistenceOptions;
  readonly symbols: readonly string[];
  readonly tallies: readonly BotTally[];
  readonly sent: number;
  readonly accepted: number;
  readonly riskRefused: Record<string, number>;
  /** Subledger's own refusals whose details name another deployment or its order. */
  readonly riskByOther: readonly string[];
  /** REST `BROKER_REJECTED` answers by `broker_code`, and by cause. */
  readonly restBrokerCodes: Record<string, number>;
  readonly restByCause: Record<Cause, number>;
  readonly otherErrors: Record<string, number>;
  readonly cancels: number;
  readonly cancelAnswers: Record<string, number>;
  /** The emulator's rejection log by rule, and who caused each refusal. */
  readonly rejections: readonly RejectionRecord[];
  readonly logByRule: Record<string, number>;
  readonly attribution: Attribution;
  /** REST broker refusals with no record in the emulator's log, and records no bot heard of. */
  readonly restNotInLog: number;
  readonly logNotInRest: number;
  readonly audit: readonly WashTradeViolation[];
  readonly brokerOrders: number;
  /** Internal crosses: the `x.` fills on the buying side, and the shares on each side (equal). */
  readonly crossFills: number;
  readonly crossedShares: Dec;
  readonly crossedSellShares: Dec;
  readonly crossedNotional: Dec;
  readonly brokerNotional: Dec;
  readonly brokerFees: Dec;
  readonly feesSaved: Dec;
  /** Open orders left after the settle (books, broker). */
  readonly openLeft: { books: number; broker: number };
  readonly accountReconciled: boolean;
  readonly accountDifferences: readonly unknown[];
  readonly reconcileExit: number | null;
  readonly reconcileOutput: string;
  readonly seconds: number;
}

const count = (tally: Record<string, number>, key: string, by = 1) => (tally[key] = (tally[key] ?? 0) + by);
const sumOf = (tallies: readonly Record<string, number>[]) => {
  const out: Record<string, number> = {};
  for (const t of tallies) for (const [k, v] of Object.entries(t)) count(out, k, v);
  return out;
};

interface OpenOrderView {
  id: string;
  type: string;
  status: string;
}
interface TradeView {
  fill_id: string;
  side: string;
  qty: string;
  price: string;
  fee: string;
}

export async function runCoexistenceDrill(overrides: Partial<CoexistenceOptions> = {}): Promise<CoexistenceResult> {
  const options = { ...COEXISTENCE_DEFAULTS, ...overrides };
  const say = options.progress ?? (() => undefined);
  const started = Date.now();
  const { admin, tokenOf, auth } = drillAuth('coexistence');
  const bots = Array.from({ length: options.bots }, (_, i) => `bot${i + 1}`);
  const shorter = options.shortingBot ? bots.at(-1) : undefined;
  const { dir, cleanup } = tempDir('subledger-coexistence-');
  const db = join(dir, 'coexistence.db');
  const emulator = await startEmulator({
    seed: options.seed % 100_000,
    symbols: options.symbols,
    crypto: false,
    autoStep: true,
    stepMs: options.stepMs,
    rateLimitPerMinute: false,
  });
  const env = { ...emulatorEnv(emulator), SUBLEDGER_ALPACA_RATE_LIMIT: '100000', SUBLEDGER_LOG_LEVEL: 'warn' };
  const symbols = emulator.control.venue.symbols.map(String);
  let serve: Awaited<ReturnType<typeof startServeProcess>> | undefined;
  try {
    serve = await startServeProcess(['--broker', 'alpaca', '--db', db, ...auth], env);
    const url = serve.url;
    say(`serve --broker alpaca on ${url} (pid ${serve.proc.pid}), emulator on ${emulator.url}`);
    const get = async <T>(path: string, headers = admin): Promise<T> => {
      const answer = await json<T>('GET', `${url}${path}`, headers);
      if (answer.status !== 200) throw new Error(`GET ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
      return answer.body;
    };
    for (const bot of bots) {
      const created = await json('POST', `${url}/deployments`, admin, {
        id: bot,
        initial_capital: options.capital,
        ...(bot === shorter ? { limits: { allow_short: true } } : {}),
      });
      if (created.status !== 201) throw new Error(`create ${bot}: ${created.status} ${JSON.stringify(created.body)}`);
    }

    // -- The bots trade.
    const budget = new OrderBudget(options.orders);
    const lastPrice = (symbol: string) => Number(toPlain(emulator.control.venue.market.latest(symbol as Symbol)!.last));
    const tallies = await Promise.all(
      bots.map((bot, i) =>
        runBot({
          bot,
          url,
          headers: tokenOf(bot),
          rng: prng(options.seed + 1 + i),
          symbols,
          mayShort: bot === shorter,
          budget,
          lastPrice,
        }),
      ),
    );
    say(`bots done after ${((Date.now() - started) / 1000).toFixed(1)} s; settling`);

    // -- Settle: market orders fill, then every resting order is canceled.
    const openOrders = async () =>
      (
        await Promise.all(bots.map((bot) => get<OpenOrderView[]>(`/deployments/${bot}/orders?status=open&limit=1000`)))
      ).map((list, i) => list.map((o) => ({ ...o, bot: bots[i]! })));
    await pollUntil(
      openOrders,
      (lists) => lists.flat().every((o) => o.type === 'limit' && o.status !== 'pending_new'),
      SETTLE_MS,
    );
    for (const o of (await openOrders()).flat())
      await json('DELETE', `${url}/deployments/${o.bot}/orders/${o.id}`, admin);
    const left = await pollUntil(
      async () => ({
        books: (await openOrders()).flat().length,
        broker: emulator.control.venue.engine.openOrders().length,
      }),
      (n) => n.books === 0 && n.broker === 0,
      SETTLE_MS,
    );
    const account = await pollUntil(
      () => get<{ reconciled: boolean; differences: unknown[] }>('/account'),
      (a) => a.reconciled,
      SETTLE_MS,
    );

    // -- What the books and the broker say.
    const trades = (await Promise.all(bots.map((bot) => allTrades(url, bot, tokenOf(bot))))).flat();
    const crosses = trades.filter((t) => t.fill_id.startsWith('x.'));
    const atBroker = trades.filter((t) => !t.fill_id.startsWith('x.'));
    const notional = (list: TradeView[]) =>
      list.reduce((total, t) => (total + mul(parseDec(t.qty), parseDec(t.price))) as Dec, ZERO);
    const crossBuys = crosses.filter((t) => t.side === 'buy');
    const brokerNotional = notional(atBroker);
    const brokerFees = atBroker.reduce((total, t) => (total + parseDec(t.fee)) as Dec, ZERO);
    const crossedNotional = notional(crossBuys);
    const feesSaved = brokerNotional === ZERO ? ZERO : div(mul(crossedNotional, brokerFees), brokerNotional);

    const history = emulator.control.venue.orderHistory();
    const clientOf = new Map(history.map((o) => [o.id, o.client_order_id]));
    const fills: BrokerFill[] = emulator.control.venue
      .activities()
      .filter((a) => a.activity_type === 'FILL')
      .map((a) => ({
        clientOrderId: clientOf.get(String(a.order_id)) ?? '',
        symbol: String(a.symbol),
        side: a.side === 'buy' ? 'buy' : 'sell',
        qty: Number(a.qty),
        time: String(a.transaction_time),
      }));
    const rejections = [...emulator.control.rejections()];
    const audit = emulator.control.washTradeAudit();

    // -- `subledger reconcile` once serve has stopped (it also runs beside serve; this is the plain case).
    await serve.proc.stop();
    const reconcile = await runCli(['reconcile', '--broker', 'alpaca', '--db', db, '--json'], env);

    const restRefusals = tallies.flatMap((t) => t.brokerRefused);
    const logged = new Set(rejections.map((r) => r.client_order_id));
    const heard = new Set(restRefusals.map((r) => r.orderId));
    const restByCause = Object.fromEntries(CAUSES.map((c) => [c, 0])) as Record<Cause, number>;
    for (const r of restRefusals) restByCause[causeOf(r.brokerCode)] += 1;
    return {
      options,
      symbols,
      tallies,
      sent: tallies.reduce((n, t) => n + t.sent, 0),
      accepted: tallies.reduce((n, t) => n + t.accepted.length, 0),
      riskRefused: sumOf(tallies.map((t) => t.riskRefused)),
      riskByOther: tallies.flatMap((t) => t.riskByOther),
      restBrokerCodes: sumOf(restRefusals.map((r) => ({ [r.brokerCode]: 1 }))),
      restByCause,
      otherErrors: sumOf(tallies.map((t) => t.otherErrors)),
      cancels: tallies.reduce((n, t) => n + t.cancels, 0),
      cancelAnswers: sumOf(tallies.map((t) => t.cancelAnswers)),
      rejections,
      logByRule: sumOf(rejections.map((r) => ({ [r.rule]: 1 }))),
      attribution: attribute(rejections, fills),
      restNotInLog: restRefusals.filter((r) => !logged.has(r.orderId ?? null)).length,
      logNotInRest: rejections.filter((r) => !heard.has(r.client_order_id ?? undefined)).length,
      audit,
      brokerOrders: history.length,
      crossFills: crossBuys.length,
      crossedShares: crossBuys.reduce((total, t) => (total + parseDec(t.qty)) as Dec, ZERO),
      crossedSellShares: crosses
        .filter((t) => t.side === 'sell')
        .reduce((total, t) => (total + parseDec(t.qty)) as Dec, ZERO),
      crossedNotional,
      brokerNotional,
      brokerFees,
      feesSaved,
      openLeft: left,
      accountReconciled: account.reconciled,
      accountDifferences: account.differences,
      reconcileExit: reconcile.code,
      reconcileOutput: reconcile.stdout + reconcile.stderr,
      seconds: (Date.now() - started) / 1000,
    };
  } catch (error) {
    if (serve) (error as Error).message += `\n--- serve's stderr:\n${serve.proc.stderr().slice(-4000)}`;
    throw error;
  } finally {
    await serve?.proc.stop();
    await emulator.close();
    await sleep(0);
    cleanup();
  }
}

/** Every trade of one deployment (all pages). */
async function allTrades(url: string, bot: string, headers: Record<string, string>): Promise<TradeView[]> {
  const out: TradeView[] = [];
  let cursor: string | null = null;
  do {
    const page: { status: number; body: { trades: TradeView[]; next_cursor: string | null } } = await json(
      'GET',
      `${url}/deployments/${bot}/trades?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      headers,
    );
    if (page.status !== 200) throw new Error(`trades of ${bot}: ${page.status} ${JSON.stringify(page.body)}`);
    out.push(...page.body.trades);
    cursor = page.body.next_cursor;
  } while (cursor);
  return out;
}

/** The drill's target: no broker refusal caused by another sleeve, and a clean audit. */
export const targetMet = (r: CoexistenceResult) => r.attribution.byAnotherSleeve === 0 && r.audit.length === 0;

/** The books balance: `GET /account` and `subledger reconcile` both say so. */
export const balanced = (r: CoexistenceResult) => r.accountReconciled && r.reconcileExit === 0;

const list = (tally: Record<string, number>) =>
  Object.entries(tally)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${v}`)
    .join(', ') || 'none';
const money = (d: Dec) => `$${toFixedString(d, 2)}`;
const pct = (n: number, of: number) => (of === 0 ? '0%' : `${((100 * n) / of).toFixed(1)}%`);

export function reportLines(r: CoexistenceResult): string[] {
  const o = r.options;
  const broker = r.rejections.length;
  const restBroker = Object.values(r.restBrokerCodes).reduce((a, b) => a + b, 0);
  const a = r.attribution;
  const shorter = o.shortingBot ? `bot${o.bots} may short, the others long-only` : 'all long-only';
  return [
    `coexistence drill: seed ${o.seed}, ${o.bots} bots (${shorter}), $${o.capital} each, symbols ${r.symbols.join(' ')}, ${o.orders} orders, a market step every ${o.stepMs} ms`,
    `orders sent ${r.sent}: accepted ${r.accepted}, refused by Subledger's risk check ${Object.values(r.riskRefused).reduce((x, y) => x + y, 0)} (${list(r.riskRefused)}), refused by the broker ${restBroker} (${pct(restBroker, r.sent)}), other answers ${list(r.otherErrors)}`,
    `Subledger's own refusals naming another deployment or its order: ${r.riskByOther.length}${r.riskByOther.length ? ` (${r.riskByOther[0]}, …)` : ''}`,
    `cancels of resting orders: ${r.cancels} (answers ${list(r.cancelAnswers)})`,
    `broker refusals, REST broker_code: ${list(r.restBrokerCodes)}`,
    `  by cause: ${CAUSES.map((c) => `${c} ${r.restByCause[c]}`).join(', ')}`,
    `broker refusals, emulator rejection log: ${broker} (${list(r.logByRule)}); ${r.restNotInLog} REST refusals not in the log; ${r.logNotInRest} refused orders no bot got a refusal for (sent later by serve, e.g. the open leg of a split flip)`,
    `  by cause (caused by another sleeve): ${CAUSES.map((c) => `${c} ${a.byCause[c].total} (${a.byCause[c].byAnotherSleeve})`).join(', ')}`,
    `broker refusals caused by another sleeve: ${a.byAnotherSleeve} of ${broker} (${pct(a.byAnotherSleeve, r.sent)} of the orders sent)${a.positionMismatches ? `; WARNING: ${a.positionMismatches} refusals whose account position ≠ Σ earlier fills` : ''}`,
    `emulator wash-trade audit: ${r.audit.length} violations over ${r.brokerOrders} orders the broker accepted`,
    `crossed internally: ${toPlain(r.crossedShares)} shares in ${r.crossFills} buying fills with an x. id` +
      (r.crossedSellShares === r.crossedShares
        ? ''
        : ` (WARNING: ${toPlain(r.crossedSellShares)} on the selling side)`) +
      `, ${money(r.crossedNotional)} notional; fees saved ${money(r.feesSaved)}` +
      (r.brokerFees === ZERO
        ? ' (the emulator charges no fee: its broker fills cost $0.00)'
        : ` (at the broker's ${money(r.brokerFees)} fees on ${money(r.brokerNotional)})`),
    `after the settle: ${r.openLeft.books} open orders in the books, ${r.openLeft.broker} at the broker; GET /account reconciled: ${r.accountReconciled ? 'yes' : `NO ${JSON.stringify(r.accountDifferences)}`}; subledger reconcile --broker alpaca: ${r.reconcileExit === 0 ? 'balanced (exit 0)' : `exit ${r.reconcileExit}`}`,
    `target (0 broker refusals caused by another sleeve, 0 audit violations): ${targetMet(r) ? 'MET' : 'NOT MET'} — ${r.seconds.toFixed(1)} s`,
  ];
}
