/**
 * Drills for issue 11 ("one writer per account"), end to end with real processes, each on a
 * SQLite file and on PostgreSQL (a fresh schema on SUBLEDGER_TEST_PG_URL; skipped when no server
 * answers, a failure when SUBLEDGER_TEST_REQUIRE_PG=1 — see test/helpers/pg.ts):
 *
 * 1. A burst: `subledger emulator` in its own process with a delay on `POST /v2/orders`, and
 *    `subledger serve --broker alpaca` in another; 6 deployments, then 200 concurrent
 *    `POST /deployments/{id}/orders` (market buys, limit buys that stay open, market sells of what
 *    is held — all within the risk limits and Alpaca's account rules). Every answer is 201 (so none
 *    is 5xx); every accepted order is at the broker exactly once by client order id, and nothing
 *    else is; once the burst is over no order stays `pending_new`, and `GET /account` reconciles.
 * 2. Two `serve` processes on one store: the second is refused at start — on SQLite it exits
 *    non-zero naming the writer lease and the holder's pid; on PostgreSQL it runs as a standby that
 *    refuses writes (503 NOT_WRITER) naming the writer; after the first is SIGKILLed, `--take-over`
 *    starts, and every sleeve's cash, positions, realized P&L and fees equal the journal's
 *    (`books --json`, run as a process after the kill).
 *
 * The burst sets SUBLEDGER_ALPACA_RATE_LIMIT for `serve` (the Alpaca adapter's request budget,
 * requests per minute; its default, Alpaca's 200/min, would hold a 200-order burst — 2 market-data
 * and 1 trading request per order — for over a minute). SUBLEDGER_DRILL_BURST_SECONDS (default 30)
 * bounds how long the burst may take before the unanswered requests are abandoned and counted.
 *
 * Run: `node scripts/run-tests.mjs test/drills` (the pattern `drills` also picks
 * test/alpaca/drills.test.ts).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { dropSchema, freshSchema, pgSkipReason, pgUrlFor } from '../helpers/pg.js';
import { tempDir } from '../helpers/tmp.js';
import {
  type Answer,
  type ServeProcess,
  SERVING,
  START_TIMEOUT_MS,
  json,
  killAll,
  pollUntil,
  runCli,
  drillAuth,
  startEmulatorProcess,
  startProcess,
  startServeProcess,
} from './processes.js';

const { admin, tokenOf, auth } = drillAuth('drill');

const { dir, cleanup } = tempDir('subledger-drills-');
const schemas: string[] = [];
after(async () => {
  await killAll();
  for (const schema of schemas) await dropSchema(schema).catch(() => undefined);
  cleanup();
});

const pgSkip = await pgSkipReason();
let files = 0;
const stores: { name: string; skip?: string; target: () => string }[] = [
  { name: 'SQLite', target: () => join(dir, `drill-${++files}.db`) },
  {
    name: 'PostgreSQL',
    ...(pgSkip ? { skip: pgSkip } : {}),
    target: () => {
      const schema = freshSchema('drill');
      schemas.push(schema);
      return pgUrlFor(schema);
    },
  },
];

interface OrderAnswer {
  id: string;
  deployment_id: string;
  status: string;
}
interface ErrorAnswer {
  code?: string;
  message?: string;
}
interface AccountAnswer {
  reconciled: boolean;
  differences: { item: string; difference: string }[];
}

/** The orders of one deployment, every status (oldest last). */
const ordersOf = async (url: string, id: string) =>
  (await json<OrderAnswer[]>('GET', `${url}/deployments/${id}/orders?status=all&limit=1000`, tokenOf(id))).body;

/** `GET /account`; undefined when it does not answer within 5 s (a request budget can hold it). */
async function accountOf(url: string): Promise<AccountAnswer | undefined> {
  try {
    const response = await fetch(`${url}/account`, { headers: admin, signal: AbortSignal.timeout(5_000) });
    return response.status === 200 ? ((await response.json()) as AccountAnswer) : undefined;
  } catch {
    return undefined;
  }
}

async function createDeployments(url: string, ids: readonly string[], capital: string): Promise<void> {
  for (const id of ids) {
    const created = await json('POST', `${url}/deployments`, admin, { id, initial_capital: capital });
    assert.equal(created.status, 201, `create ${id}: ${JSON.stringify(created.body)}`);
  }
}

/**
 * Places one set-up order (not what a drill measures) the way a careful bot does: with an
 * Idempotency-Key, retried on a 5xx. Each 5xx is recorded in `failures` (a drill expects none).
 */
async function setupOrder(
  url: string,
  id: string,
  body: Record<string, string>,
  failures: string[],
): Promise<OrderAnswer> {
  const key = `setup-${id}-${body.side}-${body.qty}-${body.symbol}`;
  for (let attempt = 1; ; attempt++) {
    const placed = await json<OrderAnswer & ErrorAnswer>(
      'POST',
      `${url}/deployments/${id}/orders`,
      { ...tokenOf(id), 'idempotency-key': key },
      body,
    );
    if (placed.status === 201) return placed.body;
    const what = `${id} ${body.side} ${body.qty} ${body.symbol}: ${placed.status} ${JSON.stringify(placed.body)}`;
    if (placed.status < 500 || attempt === 5) assert.fail(`set-up order ${what}`);
    failures.push(what);
  }
}

/** The last `chars` characters of a process's output, for failure messages. */
const tail = (text: string, chars = 3000) => (text.length > chars ? `…${text.slice(-chars)}` : text);

/** Waits until no deployment has an open order (every fill booked). */
async function settleOpen(url: string, ids: readonly string[], what: string, stderr: () => string): Promise<void> {
  const open = await pollUntil(
    async () => (await Promise.all(ids.map((id) => ordersOf(url, id)))).flat().filter((o) => !isFinal(o.status)),
    (orders) => orders.length === 0,
    15_000,
  );
  assert.deepEqual(
    open.map((o) => `${o.id} ${o.status}`),
    [],
    `${what}: orders still open\n--- serve's stderr:\n${tail(stderr())}`,
  );
}
const isFinal = (status: string) => ['filled', 'canceled', 'rejected', 'expired'].includes(status);

// ---------------------------------------------------------------------------------------------
// 1. The burst

const DEPLOYMENTS = ['d1', 'd2', 'd3', 'd4', 'd5', 'd6'] as const;
const ORDERS = 200;
const BURST_MS = Number(process.env.SUBLEDGER_DRILL_BURST_SECONDS ?? '30') * 1000;

/**
 * The i-th order of the burst: deployment i mod 6; per deployment, in turn a market buy of AMZN,
 * a limit buy of NVDA at half its price (stays open), a market sell of 1 of the 20 AAPL the
 * deployment holds, a market buy of GOOGL. No symbol is bought and sold (Alpaca's wash-trade
 * rule), at most 9 sells of 20 held per deployment, about $8,000 of the $12,000 each at most.
 */
function burstOrder(i: number, nvdaLimit: string): { deployment: string; body: Record<string, string> } {
  const deployment = DEPLOYMENTS[i % DEPLOYMENTS.length]!;
  const k = Math.floor(i / DEPLOYMENTS.length);
  const body: Record<string, string> = [
    { symbol: 'AMZN', side: 'buy', qty: '1', type: 'market' },
    { symbol: 'NVDA', side: 'buy', qty: '1', type: 'limit', limit_price: nvdaLimit, time_in_force: 'gtc' },
    { symbol: 'AAPL', side: 'sell', qty: '1', type: 'market' },
    { symbol: 'GOOGL', side: 'buy', qty: '1', type: 'market' },
  ][k % 4]! as Record<string, string>;
  return { deployment, body };
}

async function burstDrill(db: string): Promise<void> {
  const emulator = await startEmulatorProcess(['--rate-limit', '0', '--step-ms', '100', '--seed', '42']);
  let serve: ServeProcess | undefined;
  try {
    serve = await startServeProcess(['--broker', 'alpaca', '--db', db, ...auth], {
      ...emulator.env,
      SUBLEDGER_ALPACA_RATE_LIMIT: '100000',
    });
    const url = serve.url;
    await createDeployments(url, DEPLOYMENTS, '12000');

    // Warm-up: each deployment holds 20 AAPL, so the burst can sell some.
    const warmUp = new Set<string>();
    const setupFailures: string[] = [];
    for (const id of DEPLOYMENTS) {
      const bought = await setupOrder(
        url,
        id,
        { symbol: 'AAPL', side: 'buy', qty: '20', type: 'market' },
        setupFailures,
      );
      warmUp.add(bought.id);
    }
    await settleOpen(url, DEPLOYMENTS, 'after the warm-up', serve.proc.stderr);

    const nvda = await json<{ trades: Record<string, { p: number }> }>(
      'GET',
      `${emulator.url}/v2/stocks/trades/latest?symbols=NVDA`,
      emulator.headers,
    );
    const nvdaLimit = String(Math.max(1, Math.floor(Number(nvda.body.trades.NVDA!.p) / 2)));

    // The broker answers each order late (the order is placed at once), so submissions overlap.
    for (const [ms, times] of [
      [80, 70],
      [30, 70],
      [55, undefined],
    ] as const)
      await emulator.control('delay', { method: 'POST', path: '/v2/orders', ms, ...(times ? { times } : {}) });

    const abandon = new AbortController();
    const deadline = setTimeout(() => abandon.abort(), BURST_MS);
    const answers: (Answer<OrderAnswer & ErrorAnswer> | undefined)[] = await Promise.all(
      Array.from({ length: ORDERS }, async (_, i) => {
        const { deployment, body } = burstOrder(i, nvdaLimit);
        try {
          const response = await fetch(`${url}/deployments/${deployment}/orders`, {
            method: 'POST',
            headers: { ...tokenOf(deployment), 'content-type': 'application/json' },
            body: JSON.stringify(body),
            signal: abandon.signal,
          });
          const text = await response.text();
          let parsed: OrderAnswer & ErrorAnswer;
          try {
            parsed = JSON.parse(text) as OrderAnswer & ErrorAnswer;
          } catch {
            parsed = { message: text } as OrderAnswer & ErrorAnswer;
          }
          return { status: response.status, body: parsed };
        } catch {
          return undefined; // abandoned at the deadline, or the connection failed
        }
      }),
    );
    clearTimeout(deadline);

    const statuses: Record<string, number> = {};
    const errors: Record<string, number> = {};
    for (const answer of answers) {
      const key = answer ? String(answer.status) : 'no answer';
      statuses[key] = (statuses[key] ?? 0) + 1;
      if (answer && answer.status >= 300) {
        const what = `${answer.status} ${answer.body.code ?? ''}: ${String(answer.body.message ?? '').slice(0, 160)}`;
        errors[what] = (errors[what] ?? 0) + 1;
      }
    }
    const accepted = answers.filter((a) => a && a.status >= 200 && a.status < 300).map((a) => a!.body.id);

    // Settle: no order pending_new, and the account reconciles (fills reach the books by the stream).
    const pendingNew = await pollUntil(
      async () =>
        (await Promise.all(DEPLOYMENTS.map((id) => ordersOf(url, id))))
          .flat()
          .filter((o) => o.status === 'pending_new')
          .map((o) => o.id),
      (ids) => ids.length === 0,
      15_000,
    );
    const account = await pollUntil(
      () => accountOf(url),
      (a) => a?.reconciled === true,
      10_000,
      500,
    );

    const brokerOrders = await json<{ client_order_id: string; status: string }[]>(
      'GET',
      `${emulator.url}/v2/orders?status=all&limit=500&direction=asc`,
      emulator.headers,
    );
    assert.equal(brokerOrders.status, 200);
    const atBroker = new Map<string, number>();
    for (const o of brokerOrders.body) atBroker.set(o.client_order_id, (atBroker.get(o.client_order_id) ?? 0) + 1);
    const acceptedSet = new Set(accepted);

    const summary = {
      setup_5xx: setupFailures.length,
      answers: statuses,
      errors,
      broker_duplicates: [...atBroker].filter(([, n]) => n > 1).length,
      accepted_missing_at_broker: accepted.filter((id) => (atBroker.get(id) ?? 0) === 0).length,
      at_broker_not_accepted: [...atBroker.keys()].filter((id) => !acceptedSet.has(id) && !warmUp.has(id)).length,
      pending_new: pendingNew.length,
      reconciled: account?.reconciled ?? 'no answer',
      drift: (account?.differences ?? []).filter((d) => d.difference !== '0').map((d) => `${d.item} ${d.difference}`),
    };
    assert.deepEqual(
      summary,
      {
        setup_5xx: 0,
        answers: { '201': ORDERS },
        errors: {},
        broker_duplicates: 0,
        accepted_missing_at_broker: 0,
        at_broker_not_accepted: 0,
        pending_new: 0,
        reconciled: true,
        drift: [],
      },
      `burst of ${ORDERS} orders: ${JSON.stringify({ ...summary, setup_5xx: setupFailures }, null, 1)}\n` +
        (statuses['no answer']
          ? `(${statuses['no answer']} requests were still unanswered after ${BURST_MS / 1000} s: the Alpaca adapter's ` +
            'request budget, 200/min by default and 3 requests an order, holds them unless serve honours ' +
            'SUBLEDGER_ALPACA_RATE_LIMIT)\n'
          : '') +
        `--- serve's stderr:\n${tail(serve.proc.stderr())}`,
    );
  } finally {
    await serve?.proc.stop();
    await emulator.proc.stop();
  }
}

describe('drill: 200 concurrent orders through `serve --broker alpaca`, the emulator in another process', () => {
  for (const store of stores) {
    it(
      `on ${store.name}: no 5xx, each accepted order at the broker once, none pending_new, reconciled`,
      {
        ...(store.skip ? { skip: store.skip } : {}),
        timeout: BURST_MS + 90_000,
      },
      () => burstDrill(store.target()),
    );
  }
});

// ---------------------------------------------------------------------------------------------
// 2. Two processes on one store

const PAPER = ['--broker', 'paper', '--seed', '7', '--step-ms', '50', ...auth];
const SLEEVES = ['p1', 'p2', 'p3'] as const;

interface SleeveNumbers {
  id: string;
  initial_capital: string;
  capital_flows: string;
  virtual_cash: string;
  realized_pnl: string;
  fees: string;
  dividends: string;
  positions: Record<string, string>[];
}

/** What a restart must keep exactly: cash, flows, realized P&L, fees, each position's quantity and cost (not marks). */
function exact(sleeve: SleeveNumbers) {
  return {
    initial_capital: sleeve.initial_capital,
    capital_flows: sleeve.capital_flows,
    virtual_cash: sleeve.virtual_cash,
    realized_pnl: sleeve.realized_pnl,
    fees: sleeve.fees,
    dividends: sleeve.dividends,
    positions: sleeve.positions.map((p) => ({
      symbol: p.symbol,
      qty: p.qty,
      avg_cost: p.avg_cost,
      cost_basis: p.cost_basis,
      realized_pnl: p.realized_pnl,
      fees: p.fees,
      dividends: p.dividends,
    })),
  };
}

/** Every drill sleeve's exact numbers as one running `serve` shows them (metrics and positions). */
async function sleevesOf(url: string): Promise<Record<string, ReturnType<typeof exact>>> {
  const out: Record<string, ReturnType<typeof exact>> = {};
  for (const id of SLEEVES) {
    const metrics: Answer<SleeveNumbers> = await json<SleeveNumbers>(
      'GET',
      `${url}/deployments/${id}/metrics`,
      tokenOf(id),
    );
    const positions: Answer<Record<string, string>[]> = await json<Record<string, string>[]>(
      'GET',
      `${url}/deployments/${id}/positions`,
      tokenOf(id),
    );
    assert.equal(metrics.status, 200, `metrics of ${id} at ${url}: ${JSON.stringify(metrics.body)}`);
    assert.equal(positions.status, 200, `positions of ${id} at ${url}: ${JSON.stringify(positions.body)}`);
    out[id] = exact({ ...metrics.body, positions: positions.body });
  }
  return out;
}

async function twoWritersDrill(db: string, postgres: boolean): Promise<void> {
  const first = await startServeProcess(['--db', db, ...PAPER]);
  let second: ReturnType<typeof startProcess> | undefined;
  let takeOver: ServeProcess | undefined;
  try {
    // Some books worth keeping: three sleeves, buys, and a sell that realizes P&L; all filled.
    await createDeployments(first.url, SLEEVES, '20000');
    const setupFailures: string[] = [];
    const order = (id: string, symbol: string, side: string, qty: string) =>
      setupOrder(first.url, id, { symbol, side, qty, type: 'market' }, setupFailures);
    await order('p1', 'AAPL', 'buy', '10');
    await order('p2', 'MSFT', 'buy', '5');
    await order('p3', 'NVDA', 'buy', '8');
    await settleOpen(first.url, SLEEVES, 'the first buys', first.proc.stderr);
    await order('p1', 'AAPL', 'sell', '4');
    await order('p3', 'MSFT', 'buy', '2');
    await settleOpen(first.url, SLEEVES, 'the sell', first.proc.stderr);

    // The first writer's books, settled (nothing trades any more; marks move only unrealized P&L).
    const beforeKill = await sleevesOf(first.url);
    const firstAccount = await json<AccountAnswer>('GET', `${first.url}/account`, admin);

    // A second writer on the live lease is refused at start, naming the lease and its holder.
    second = startProcess(['serve', '--port', '0', '--db', db, ...PAPER]);
    const outcome = await Promise.race([
      second.exited.then((exit) => ({ kind: 'exited' as const, exit })),
      second.waitFor(SERVING, 'the second serve').then(
        (match) => ({ kind: 'serving' as const, url: match[1]! }),
        () => ({ kind: 'exited' as const, exit: second!.exit() }), // it exited (or never started)
      ),
    ]);
    const refusal = {
      outcome: outcome.kind,
      exit_code_non_zero: outcome.kind === 'exited' && outcome.exit !== undefined && (outcome.exit.code ?? 0) !== 0,
      names_the_writer_lease: /writer lease/i.test(second.stderr()),
      names_the_holder_pid: second.stderr().includes(`pid ${first.proc.pid}`),
    };
    // On PostgreSQL the second runs as a standby instead (docs/decisions/0006): it serves reads
    // and refuses every write with 503 NOT_WRITER, naming the writer.
    let standbyWrite: { status: number; code: string | undefined; names_the_writer: boolean } | undefined;
    if (outcome.kind === 'serving') {
      const tried = await json<ErrorAnswer>('POST', `${outcome.url}/deployments`, admin, {
        id: 'late',
        initial_capital: '1000',
      });
      standbyWrite = {
        status: tried.status,
        code: tried.body.code,
        names_the_writer: JSON.stringify(tried.body).includes(String(first.proc.pid)),
      };
      await second.stop();
    }
    assert.deepEqual(
      { ...refusal, standby_write: standbyWrite },
      postgres
        ? {
            outcome: 'serving',
            exit_code_non_zero: false,
            names_the_writer_lease: true,
            names_the_holder_pid: true,
            standby_write: { status: 503, code: 'NOT_WRITER', names_the_writer: true },
          }
        : {
            outcome: 'exited',
            exit_code_non_zero: true,
            names_the_writer_lease: true,
            names_the_holder_pid: true,
            standby_write: undefined,
          },
      `second serve on the same store while pid ${first.proc.pid} serves it: ${JSON.stringify(refusal)}\n` +
        `--- its stderr:\n${second.stderr()}--- its stdout:\n${second.stdout()}`,
    );

    // The holder dies without a word; the journal (read by a process of its own) says what the books are.
    await first.proc.kill();
    const books = await runCli(['books', '--json', '--db', db]);
    assert.equal(books.code, 0, `books --json after the kill: ${books.stderr}`);
    const journal = (JSON.parse(books.stdout) as { deployments: SleeveNumbers[] }).deployments;
    const fromJournal = Object.fromEntries(
      SLEEVES.map((id) => {
        const sleeve = journal.find((s) => s.id === id);
        assert.ok(sleeve, `books --json has no sleeve ${id}:\n${books.stdout}`);
        return [id, exact(sleeve)];
      }),
    );

    // --take-over once the holder is gone: it serves, and its books are the journal's, which are
    // what the first writer showed (and reconciled with its broker) before it died.
    takeOver = await startServeProcess(['--db', db, ...PAPER, '--take-over']);
    const afterTakeOver = await sleevesOf(takeOver.url);
    const p1 = fromJournal.p1!;
    assert.deepEqual(
      {
        journal_holds_the_trades:
          p1.positions.some((p) => p.symbol === 'AAPL' && p.qty === '6') && p1.realized_pnl !== '0',
        after_take_over: afterTakeOver,
        before_kill: beforeKill,
        first_writer_reconciled: firstAccount.body.reconciled,
        setup_5xx: setupFailures,
      },
      {
        journal_holds_the_trades: true,
        after_take_over: fromJournal,
        before_kill: fromJournal,
        first_writer_reconciled: true,
        setup_5xx: [],
      },
      `the books: journal (books --json after the kill) vs the first writer before the kill and the new one after --take-over\n` +
        `--- the first writer's stderr:\n${tail(first.proc.stderr())}`,
    );
  } finally {
    await second?.stop();
    await takeOver?.proc.stop();
    await first.proc.stop();
  }
}

describe('drill: two `serve` processes on one store', () => {
  for (const store of stores) {
    it(
      `on ${store.name}: the second is refused (SQLite) or a standby refusing writes (PostgreSQL), naming the lease holder; --take-over after SIGKILL keeps the books`,
      {
        ...(store.skip ? { skip: store.skip } : {}),
        timeout: 4 * START_TIMEOUT_MS,
      },
      () => twoWritersDrill(store.target(), store.name === 'PostgreSQL'),
    );
  }
});
