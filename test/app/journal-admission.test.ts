/**
 * Journal admission equals journal reading: whatever an edge accepts (a request to the real HTTP
 * app, a line of `subledger import`, a broker report through the fill path) can be read back after
 * a restart and replayed without a difference; whatever the reader would refuse is refused at the
 * edge (400 VALIDATION_FAILED naming the field) or by `LedgerService.append`, and nothing is written.
 *
 * The first four tests are the regressions of issue 12: each was answered 2xx and then left a
 * journal that `serve`, `books` and `replay` refused with `corrupt journal entry seq N`.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import fc from 'fast-check';
import { openStore, openWriterStore } from '../../src/adapters/sql/open-store.js';
import { AppError } from '../../src/app/errors.js';
import { bookReport } from '../../src/app/trading/fill-path.js';
import { importJournal } from '../../src/app/journal/import-journal.js';
import { MAX_REASON_CHARS } from '../../src/app/journal/journal-bounds.js';
import { LedgerService } from '../../src/app/journal/ledger-service.js';
import { replay } from '../../src/app/journal/replay.js';
import type { StorePort } from '../../src/app/ports/store-port.js';
import { sleeveView } from '../../src/app/performance/views.js';
import { type Dec, dec, toPlain } from '../../src/core/decimal.js';
import type { BrokerOrderId, ClientOrderId, DeploymentId, FillId, Symbol } from '../../src/core/ids.js';
import { deploymentToken } from '../../src/http/auth.js';
import { buildServer } from '../../src/http/server.js';
import { type TestApp, startTestApp } from '../helpers/app.js';
import { tempDir } from '../helpers/tmp.js';

const auth = { adminToken: 'admin-token-0123456789', tokenSecret: 'secret-0123456789abcdef' };
const admin = `Bearer ${auth.adminToken}`;
const tokenOf = (id: string) => `Bearer ${deploymentToken(auth.tokenSecret, id)}`;

/**
 * What a restart, `replay` and `books` do with the journal: fold it into a fresh service, rebuild
 * every projection and compare it with the stored one, and print every sleeve's figures. Returns
 * the reloaded service.
 */
async function readBack(store: StorePort): Promise<LedgerService> {
  const service = await LedgerService.load(store);
  const report = await replay(store, { dryRun: true });
  assert.deepEqual(report.differences, [], 'replay found differences');
  let total = 0n;
  for (const id of service.deploymentIds()) {
    const view = sleeveView(service.ledger, id, service.deploymentInfo(id)!);
    for (const figure of [view.virtual_cash, view.virtual_portfolio_value, view.total_pnl]) total += dec(figure);
  }
  dec(toPlain(total as Dec)); // `books` adds the sleeves up: the sum must be a decimal it can print
  return service;
}

async function journalCount(store: StorePort): Promise<number> {
  return (await store.journalStats()).count;
}

describe('the edges accept only what the journal can read back (issue 12 regressions, real HTTP app)', () => {
  let t: TestApp;
  let http: FastifyInstance;
  const call = async (
    method: 'GET' | 'POST',
    url: string,
    authorization: string,
    payload?: object,
    headers: Record<string, string> = {},
  ) => {
    const r = await http.inject({
      method,
      url,
      headers: { authorization, ...headers, ...(payload ? { 'content-type': 'application/json' } : {}) },
      ...(payload ? { payload: JSON.stringify(payload) } : {}),
    });
    return { status: r.statusCode, body: r.body ? JSON.parse(r.body) : undefined };
  };
  const refused = (field: string, message: string, where = 'body') => ({
    code: 'VALIDATION_FAILED',
    message: `${field}: ${message}`,
    details: { in: where, fields: [{ field, message }] },
  });

  before(async () => {
    t = await startTestApp({ seed: 5 });
    http = buildServer({ api: t.app, auth });
    const created = await call('POST', '/deployments', admin, { id: 'a', initial_capital: '10000' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
  });
  after(async () => {
    await http.close();
    await t.close();
  });

  it('an Idempotency-Key of 129–200 characters on POST /deployments/{id}/orders is a 400; 128 is journaled and read back', async () => {
    const order = { symbol: 'AAPL', side: 'buy', qty: '1', type: 'market' };
    const before = await journalCount(t.store);
    for (const length of [129, 200]) {
      const r = await call('POST', '/deployments/a/orders', tokenOf('a'), order, {
        'idempotency-key': 'k'.repeat(length),
      });
      assert.equal(r.status, 400, `${length} chars`);
      assert.deepEqual(r.body, refused('idempotency-key', 'must be 1–128 visible ASCII characters', 'headers'));
    }
    assert.equal(await journalCount(t.store), before, 'a refused request journals nothing');
    const key = 'k'.repeat(128);
    const ok = await call('POST', '/deployments/a/orders', tokenOf('a'), order, { 'idempotency-key': key });
    assert.ok(ok.status < 300, JSON.stringify(ok.body));
    const reloaded = await readBack(t.store);
    assert.equal(reloaded.state.orders.get(ok.body.id)?.idempotencyKey, key);
  });

  it('a deployment name of 101–200 characters is a 400; 100 is journaled and read back', async () => {
    for (const length of [101, 200]) {
      const r = await call('POST', '/deployments', admin, { id: 'n1', name: 'n'.repeat(length), initial_capital: '1' });
      assert.deepEqual(r.body, refused('name', 'must be at most 100 characters'));
    }
    const ok = await call('POST', '/deployments', admin, { id: 'n1', name: 'n'.repeat(100), initial_capital: '1' });
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    assert.equal((await readBack(t.store)).deploymentInfo('n1' as DeploymentId)?.name, 'n'.repeat(100));
  });

  it('a deployment strategy of 101–200 characters is a 400; 100 is journaled and read back', async () => {
    for (const length of [101, 200]) {
      const r = await call('POST', '/deployments', admin, {
        id: 's1',
        strategy: 's'.repeat(length),
        initial_capital: '1',
      });
      assert.deepEqual(r.body, refused('strategy', 'must be at most 100 characters'));
    }
    const ok = await call('POST', '/deployments', admin, { id: 's1', strategy: 's'.repeat(100), initial_capital: '1' });
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    assert.equal((await readBack(t.store)).deploymentInfo('s1' as DeploymentId)?.strategy, 's'.repeat(100));
  });

  it('a capital flow keyed with the longest Idempotency-Key is journaled (`a:<key>`, `a:<key>:house`) and read back; a longer key is a 400', async () => {
    const key = 'f'.repeat(128);
    const ok = await call('POST', '/deployments/a/capital-flows', admin, { amount: '100' }, { 'idempotency-key': key });
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    assert.equal(ok.body.id, `a:${key}`);
    const reloaded = await readBack(t.store);
    assert.deepEqual(
      reloaded.state.flows.get('a' as DeploymentId)?.map((f) => f.id),
      [`a:${key}`],
    );
    assert.ok(reloaded.state.flows.get('house' as DeploymentId)?.some((f) => f.id === `a:${key}:house`));
    const long = await call(
      'POST',
      '/deployments/a/capital-flows',
      admin,
      { amount: '100' },
      {
        'idempotency-key': 'f'.repeat(129),
      },
    );
    assert.deepEqual(long.body, refused('idempotency-key', 'must be 1–128 visible ASCII characters', 'headers'));
  });

  it('money beyond the journal bounds is a 400 naming the field: sub-cent capital, qty × limit price, sizes', async () => {
    const cases: [string, string, object, ReturnType<typeof refused>][] = [
      [
        '/deployments',
        admin,
        { id: 'c1', initial_capital: '10.001' },
        refused('initial_capital', 'must have at most 2 decimal places (whole cents)'),
      ],
      [
        '/deployments/a/capital-flows',
        admin,
        { amount: '-0.005' },
        refused('amount', 'must have at most 2 decimal places (whole cents)'),
      ],
      [
        '/deployments/a/capital-flows',
        admin,
        { amount: '-1000000000000000.01' },
        refused('amount', 'must be at least -1000000000000000'),
      ],
      [
        '/deployments/a/orders',
        tokenOf('a'),
        { symbol: 'AAPL', side: 'buy', qty: '1000000000', type: 'limit', limit_price: '1000000.01' },
        refused('qty', 'qty × limit_price must be at most 1000000000000000'),
      ],
      [
        '/deployments/a/orders',
        tokenOf('a'),
        { symbol: 'AAPL', side: 'buy', qty: '1', type: 'limit', limit_price: '1000000000.5' },
        refused('limit_price', 'must be at most 1000000000'),
      ],
    ];
    for (const [url, who, body, expected] of cases)
      assert.deepEqual((await call('POST', url, who, body)).body, expected, url);
  });
});

describe('LedgerService.append refuses what the reader would refuse', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ seed: 9 });
    await t.app.createDeployment({ id: 'w' as DeploymentId, initialCapital: dec('1000') });
  });
  after(() => t.close());

  const W = 'w' as DeploymentId;
  const AAPL = 'AAPL' as Symbol;
  const cases: [string, Parameters<LedgerService['append']>[0], string][] = [
    [
      'a name longer than 100 characters',
      [
        {
          type: 'deployment',
          deployment: 'x' as DeploymentId,
          initialCapital: dec('0'),
          costMethod: 'average',
          name: 'x'.repeat(101),
          strategy: 'x',
          limits: {},
          ts: '2025-01-02T00:00:00Z',
        },
      ],
      'event 1: name: must be at most 100 characters',
    ],
    [
      'a mark dated 9999',
      [
        { type: 'mark', symbol: AAPL, price: dec('1'), ts: '2025-01-02T00:00:00Z', source: 'test' },
        { type: 'mark', symbol: AAPL, price: dec('1'), ts: '9999-01-01T00:00:00Z', source: 'test' },
      ],
      'event 2: ts: must be in the years 1970–2100 (UTC)',
    ],
    [
      'a fill whose qty × price is beyond 10^15',
      [
        {
          type: 'fill',
          id: 'big' as FillId,
          symbol: AAPL,
          price: dec('1000000000'),
          ts: '2025-01-02T00:00:00Z',
          legs: [{ deployment: W, side: 'buy', qty: dec('1000001'), fee: dec('0'), feeCurrency: 'quote' }],
        },
      ],
      'event 1: legs.0.qty: qty × price must be at most 1000000000000000',
    ],
    [
      'a capital-flow id longer than 200 characters',
      [{ type: 'capital_flow', id: 'c'.repeat(201), deployment: W, amount: dec('1'), ts: '2025-01-02T00:00:00Z' }],
      'event 1: id: must be at most 200 characters',
    ],
    [
      'an idempotency key of 129 characters',
      [
        {
          type: 'order_submitted',
          id: 's.w.1',
          deployment: W,
          symbol: AAPL,
          side: 'buy',
          qty: dec('1'),
          orderType: 'market',
          limitPrice: null,
          timeInForce: 'day',
          reservePrice: dec('1'),
          idempotencyKey: 'k'.repeat(129),
          ts: '2025-01-02T00:00:00Z',
        },
      ],
      'event 1: idempotency_key: must be 1–128 visible ASCII characters',
    ],
  ];
  for (const [name, events, message] of cases) {
    it(`${name}: VALIDATION_FAILED naming the field, nothing written`, async () => {
      const before = await journalCount(t.store);
      await assert.rejects(t.app.service.append(events), (error: unknown) => {
        assert.ok(error instanceof AppError);
        assert.equal(error.code, 'VALIDATION_FAILED');
        assert.equal(error.message, message);
        return true;
      });
      assert.equal(await journalCount(t.store), before);
      await readBack(t.store);
    });
  }

  it("books a broker's order with a 128-character client order id and a long reason (the broker's words are cut to 2000 characters)", async () => {
    const clientOrderId = `elsewhere-${'x'.repeat(118)}` as ClientOrderId;
    const order = {
      brokerOrderId: 'b-1' as BrokerOrderId,
      clientOrderId,
      symbol: AAPL,
      side: 'buy' as const,
      qty: dec('2'),
      type: 'market' as const,
      timeInForce: 'day' as const,
      submittedAt: '2025-01-02T15:00:00Z',
      updatedAt: '2025-01-02T15:00:01Z',
    };
    await bookReport(t.app.service, {
      kind: 'fill',
      order: { ...order, status: 'filled', filledQty: dec('2'), filledAvgPrice: dec('10') },
      execution: { id: 'x-1' as FillId, qty: dec('2'), price: dec('10'), fee: dec('0'), ts: '2025-01-02T15:00:01Z' },
      ts: '2025-01-02T15:00:01Z',
    });
    const rejectedId = `elsewhere-${'y'.repeat(118)}` as ClientOrderId;
    await bookReport(t.app.service, {
      kind: 'rejected',
      order: {
        ...order,
        clientOrderId: rejectedId,
        brokerOrderId: 'b-2' as BrokerOrderId,
        status: 'rejected',
        filledQty: dec('0'),
        reason: 'r'.repeat(5000),
      },
      ts: '2025-01-02T15:00:02Z',
    });
    const reloaded = await readBack(t.store);
    assert.equal(reloaded.state.orders.get(clientOrderId)?.status, 'filled');
    assert.equal(reloaded.state.orders.get(rejectedId)?.reason, 'r'.repeat(MAX_REASON_CHARS));
    assert.equal(t.app.service.state.orders.get(rejectedId)?.reason, 'r'.repeat(MAX_REASON_CHARS), 'memory = journal');
  });

  it('import refuses a fill that names an order of this journal (it would move that order)', async () => {
    const id = [...t.app.service.state.orders.keys()][0]!;
    const line = JSON.stringify({
      type: 'fill',
      id: 'imported-1',
      deployment: 'w',
      symbol: 'AAPL',
      side: 'buy',
      qty: '1',
      price: '10',
      ts: '2025-01-03T15:00:00Z',
      order_id: id,
    });
    const result = await importJournal(t.app.service, line, { now: () => new Date('2025-06-01T00:00:00Z') });
    assert.deepEqual(result, {
      ok: false,
      problems: [
        {
          line: 1,
          field: 'order_id',
          message: `'${id}' is an order of this journal; only Subledger books fills to its own orders`,
        },
      ],
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Properties: generate requests and import lines within and just beyond every bound.

/** Lengths around a bound: 1, the bound and one more, and anything up to a bit beyond. */
const around = (max: number) =>
  fc.oneof(fc.constantFrom(1, max - 1, max, max + 1), fc.integer({ min: 1, max: max + 20 }));
/** Text of a length around `max`: mostly letters, sometimes anything at all (control characters, halves of surrogate pairs). */
const textAround = (max: number) =>
  fc
    .tuple(around(max), fc.boolean(), fc.nat())
    .chain(([length, wild]) =>
      wild ? fc.string({ unit: 'binary', minLength: length, maxLength: length }) : fc.constant('t'.repeat(length)),
    );
const keyAround = (max: number) =>
  fc.tuple(around(max), fc.constantFrom('k', 'K', '~', ' ')).map(([length, c]) => 'k'.repeat(length - 1) + c);
/** Decimal strings near a bound: below, at, just beyond (by 10^-18), and with too many places. */
const decimalAround = (max: string, options: { signed?: boolean } = {}) =>
  fc
    .tuple(
      fc.constantFrom(
        max,
        `${max}.000000000000000001`,
        max.slice(0, -1),
        '1',
        '0.01',
        '0.005',
        '0.0000001',
        '123.456789',
        `${max}0`,
      ),
      fc.boolean(),
    )
    .map(([text, negative]) => (options.signed && negative ? `-${text}` : text));

/** Mostly a value well within the bound, now and then one around it. */
const mostlyWithin = <T>(within: fc.Arbitrary<T>, near: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 3, arbitrary: within }, { weight: 1, arbitrary: near });

const NOW = new Date('2025-06-01T00:00:00Z');
const tsAround = fc.constantFrom(
  '1970-01-01T00:00:00Z',
  '1969-12-31T23:59:59Z',
  '2025-01-02T15:00:00Z',
  '2025-06-01T23:59:59Z',
  '2025-06-02T00:00:01Z',
  '2100-12-31T23:59:59Z',
  '2101-01-01T00:00:00Z',
  '9999-01-01T00:00:00Z',
);
const deploymentId = fc.constantFrom('a', 'b', 'c');
const symbol = fc.constantFrom('AAPL', 'BTC/USD');

const uniqueId = (prefix: string) => fc.integer({ min: 0, max: 1_000_000 }).map((n) => `${prefix}${n}`);
const ts = mostlyWithin(fc.constantFrom('2025-01-02T15:00:00Z', '2025-03-04T16:30:00.5-05:00'), tsAround);

/** One import line: a ledger fact, each field mostly within its bound and now and then around it; rarely an internal type. */
const importLine: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  fc.record({
    type: fc.constant('deployment'),
    deployment: fc.constantFrom('d', 'e'),
    initial_capital: mostlyWithin(fc.constant('5000'), decimalAround('1000000000000000')),
    name: mostlyWithin(fc.constant('Delta'), textAround(100)),
    strategy: mostlyWithin(fc.constant('momentum'), textAround(100)),
    ts,
  }),
  fc.record({
    type: fc.constant('fill'),
    id: mostlyWithin(uniqueId('f'), textAround(128)),
    deployment: deploymentId,
    symbol,
    side: fc.constantFrom('buy', 'sell'),
    qty: mostlyWithin(fc.constantFrom('10', '0.25'), decimalAround('1000000000000')),
    price: mostlyWithin(fc.constantFrom('150', '50000.5'), decimalAround('1000000000')),
    fee: mostlyWithin(fc.constant('0'), decimalAround('1000')),
    ts,
  }),
  fc.record({
    type: fc.constant('capital_flow'),
    id: mostlyWithin(uniqueId('c'), textAround(200)),
    deployment: deploymentId,
    amount: mostlyWithin(fc.constantFrom('250', '-100.5'), decimalAround('1000000000000000', { signed: true })),
    ts,
  }),
  fc.record({
    type: fc.constant('split'),
    symbol,
    ratio: mostlyWithin(fc.constant('2'), decimalAround('1000000')),
    ts,
  }),
  fc.record({
    type: fc.constant('dividend'),
    symbol,
    amount_per_share: mostlyWithin(fc.constant('0.24'), decimalAround('1000000')),
    ts,
  }),
  fc.record({
    type: fc.constant('mark'),
    symbol,
    price: mostlyWithin(fc.constant('151.2'), decimalAround('1000000000')),
    ts,
    source: mostlyWithin(fc.constant('close'), textAround(64)),
  }),
  fc.record({
    type: fc.constantFrom(
      'order_submitted',
      'order_updated',
      'deployment_status',
      'block_submitted',
      'rebalance_completed',
    ),
    id: fc.constant('x'),
  }),
);
const DEPLOYMENTS = ['a', 'b', 'c'].map((id) =>
  JSON.stringify({ type: 'deployment', deployment: id, initial_capital: '10000', ts: '2025-01-02T14:30:00Z' }),
);

describe('property: whatever the edges accept survives a restart and a replay', () => {
  const { dir, cleanup } = tempDir('subledger-admission-');
  after(cleanup);

  it('import: an accepted file reads back after a restart with no replay difference; a refused one writes nothing', async () => {
    let run = 0;
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(importLine, { minLength: 1, maxLength: 5 }), async (lines) => {
        const path = join(dir, `import-${run++}.db`);
        const store = await openWriterStore(path, 'test');
        let ok: boolean;
        try {
          const service = await LedgerService.load(store);
          const text = [...DEPLOYMENTS, ...lines.map((l) => JSON.stringify(l))].join('\n');
          const result = await importJournal(service, text, {
            now: () => NOW,
          });
          ok = result.ok;
          if (!result.ok) {
            assert.equal(await journalCount(store), 0, 'a refused import writes nothing');
            for (const p of result.problems) assert.ok(p.line > DEPLOYMENTS.length && p.field && p.message);
          }
        } finally {
          await store.close();
        }
        if (!ok) return;
        accepted++;
        const reopened = await openStore(path); // a restart: a new process reads the file
        try {
          await readBack(reopened);
        } finally {
          await reopened.close();
        }
      }),
      { numRuns: 60, seed: 12 },
    );
    assert.ok(accepted >= 10, `only ${accepted} of 60 generated files were accepted: the property tested little`);
  });

  it('HTTP: every request the real app accepts leaves a journal that reads back; none is answered 5xx', async () => {
    const t = await startTestApp({ seed: 3 });
    const http = buildServer({ api: t.app, auth });
    let run = 0;
    const statuses = new Map<number, number>();
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.record({
            name: mostlyWithin(fc.constant('bot'), textAround(100)),
            strategy: mostlyWithin(fc.constant('momentum'), textAround(100)),
            capital: mostlyWithin(fc.constantFrom('1000', '250.25'), decimalAround('1000000')),
            flowKey: keyAround(128),
            flow: decimalAround('1000', { signed: true }),
            orderKey: keyAround(128),
            qty: mostlyWithin(fc.constantFrom('1', '0.5'), decimalAround('1000000000000')),
            limit: fc.option(mostlyWithin(fc.constant('100'), decimalAround('1000000000')), { nil: undefined }),
          }),
          async (r) => {
            const id = `p${run++}`;
            const send = async (url: string, payload: object, authorization: string, key?: string) => {
              const res = await http.inject({
                method: 'POST',
                url,
                headers: {
                  authorization,
                  'content-type': 'application/json',
                  ...(key !== undefined ? { 'idempotency-key': key } : {}),
                },
                payload: JSON.stringify(payload),
              });
              statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
              assert.ok(res.statusCode < 500, `${url}: ${res.statusCode} ${res.body}`);
              return res.statusCode;
            };
            const created = await send(
              '/deployments',
              { id, name: r.name, strategy: r.strategy, initial_capital: r.capital },
              admin,
            );
            if (created === 201) {
              await send(`/deployments/${id}/capital-flows`, { amount: r.flow }, admin, r.flowKey);
              await send(
                `/deployments/${id}/orders`,
                {
                  symbol: 'AAPL',
                  side: 'buy',
                  qty: r.qty,
                  ...(r.limit !== undefined ? { type: 'limit', limit_price: r.limit } : { type: 'market' }),
                },
                tokenOf(id),
                r.orderKey,
              );
            }
            await LedgerService.load(t.store); // a restart reads every entry
          },
        ),
        { numRuns: 40, seed: 12 },
      );
      await readBack(t.store);
      assert.ok((statuses.get(201) ?? 0) >= 20, `too few requests accepted: ${JSON.stringify([...statuses])}`);
      assert.ok((statuses.get(400) ?? 0) >= 10, `too few requests refused: ${JSON.stringify([...statuses])}`);
    } finally {
      await http.close();
      await t.close();
    }
  });
});
