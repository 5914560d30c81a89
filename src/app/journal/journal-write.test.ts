/**
 * The journal's write path takes shortcuts (a fill's payload built as text when its rules
 * certainly hold): each must give exactly what the plain way gives, and
 * no fill the reader would refuse may pass.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { type Dec, toPlain } from '../../core/decimal.js';
import type { FillBooked, FillLeg } from '../../core/events.js';
import type { DeploymentId, FillId, Symbol } from '../../core/ids.js';
import { MAX_AMOUNT, MAX_PRICE, MAX_QTY } from './journal-bounds.js';
import { encodeChecked, encodeEvent, parseJournalLine } from './journal-codec.js';

/** Mostly what passes, sometimes an edge: each rule is crossed often enough, not on every field at once. */
const mostly = <T>(good: fc.Arbitrary<T>, edge: fc.Arbitrary<T>) =>
  fc.oneof({ arbitrary: good, weight: 9 }, { arbitrary: edge, weight: 1 });

const near = (bound: Dec) =>
  mostly(
    fc.bigInt({ min: 0n, max: bound / 10n ** 9n }),
    fc.oneof(
      fc.bigInt({ min: -bound - 10n, max: bound + 10n }),
      fc.constantFrom(bound, bound + 1n, -bound, -bound - 1n, 0n, 1n, -1n),
      fc.bigInt({ min: -(10n ** 24n), max: 10n ** 24n }),
    ),
  ) as fc.Arbitrary<Dec>;

const text = mostly(
  fc.constantFrom('fill-1', 'a"b\\c', 'é€😀', 'x'.repeat(128)),
  fc.oneof(fc.constantFrom('', 'x'.repeat(129), 'tab\there', '\u0085', '\ud800'), fc.string({ maxLength: 6 })),
);
const times = mostly(
  fc
    .date({ min: new Date('1960-01-01'), max: new Date('2110-01-01'), noInvalidDate: true })
    .map((d) => d.toISOString()),
  fc.constantFrom(
    '2025-01-02T15:00:00Z',
    '2025-01-28T23:59:59.123456Z',
    '2024-02-29T10:00:00.000Z',
    '2025-02-29T10:00:00.000Z',
    '2025-04-31T10:00:00.000Z',
    '2025-01-02T15:00:00+02:00',
    '1969-12-31T23:59:59.999Z',
    '1970-01-01T00:00:00.000Z',
    '2101-01-01T00:00:00.000Z',
    '2025-13-01T00:00:00Z',
    '2025-01-02 15:00:00Z',
    '2025-01-02T24:00:00Z',
  ),
);
const leg = fc.record({
  deployment: mostly(
    fc.constantFrom('bot-1', 'a'.repeat(32)),
    fc.constantFrom('a'.repeat(33), 'Bot', ''),
  ) as fc.Arbitrary<DeploymentId>,
  side: mostly(fc.constantFrom('buy', 'sell'), fc.constant('short')) as fc.Arbitrary<'buy' | 'sell'>,
  qty: near(MAX_QTY),
  fee: near(MAX_AMOUNT),
  feeCurrency: mostly(fc.constantFrom('quote', 'base'), fc.constant('usd')) as fc.Arbitrary<'quote' | 'base'>,
});
const fills: fc.Arbitrary<FillBooked> = fc
  .record({
    id: text as fc.Arbitrary<FillId>,
    symbol: mostly(fc.constantFrom('AAPL', 'ETH/USD'), fc.constantFrom('aapl', 'X'.repeat(21))) as fc.Arbitrary<Symbol>,
    price: fc.oneof(near(MAX_PRICE), fc.constantFrom(10n ** 20n, 150n * 10n ** 18n) as fc.Arbitrary<Dec>),
    ts: times,
    legs: mostly(fc.array(leg, { minLength: 1, maxLength: 3 }), fc.constant<FillLeg[]>([])),
    orderId: fc.option(text, { nil: undefined }),
  })
  .map(({ orderId, ...rest }) => ({ type: 'fill', ...rest, ...(orderId !== undefined ? { orderId } : {}) }));

/** The payload as the codec's plain way writes it (`wireOf` + JSON.stringify): the spec of the text. */
function plainPayload(e: FillBooked): string {
  return JSON.stringify({
    type: 'fill',
    id: e.id,
    symbol: e.symbol,
    price: toPlain(e.price),
    ts: e.ts,
    legs: e.legs.map((l) => ({
      deployment: l.deployment,
      side: l.side,
      qty: toPlain(l.qty),
      fee: toPlain(l.fee),
      fee_currency: l.feeCurrency,
    })),
    ...(e.orderId !== undefined ? { order_id: e.orderId } : {}),
  });
}

describe('journal write path', () => {
  it('a fill is admitted exactly when the reader accepts its payload, and its payload is the plain JSON', () => {
    let admitted = 0;
    fc.assert(
      fc.property(fills, (fill) => {
        const { payload, problems } = encodeChecked(fill);
        assert.equal(payload, plainPayload(fill));
        assert.equal(encodeEvent(fill), payload);
        const read = parseJournalLine(payload);
        assert.equal(problems.length === 0, 'event' in read, `${payload}: ${JSON.stringify(problems)}`);
        if ('event' in read) {
          admitted++;
          assert.equal(encodeEvent(read.event), payload); // a stored entry decodes to the same event
        }
      }),
      { numRuns: 3000 },
    );
    assert.ok(admitted > 100, `only ${admitted} admitted fills generated`);
  });

  it('a fill beyond a bound by one unit is refused with the field named', () => {
    const fill: FillBooked = {
      type: 'fill',
      id: 'f-1' as FillId,
      symbol: 'AAPL' as Symbol,
      price: MAX_PRICE,
      ts: '2025-01-02T15:00:00Z',
      legs: [
        {
          deployment: 'bot' as DeploymentId,
          side: 'buy',
          qty: (10n ** 18n) as Dec,
          fee: 0n as Dec,
          feeCurrency: 'quote',
        },
      ],
    };
    assert.deepEqual(encodeChecked(fill).problems, []);
    assert.deepEqual(
      encodeChecked({ ...fill, price: (MAX_PRICE + 1n) as Dec }).problems.map((p) => p.field),
      ['price'],
    );
    assert.deepEqual(
      encodeChecked({ ...fill, ts: '2101-01-01T00:00:00Z' }).problems.map((p) => p.field),
      ['ts'],
    );
  });
});
