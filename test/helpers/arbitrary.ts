/** fast-check generators of valid ledger event sequences (a few deployments, a few symbols). */
import fc from 'fast-check';
import { dec } from '../../src/core/decimal.js';
import type { LedgerEvent } from '../../src/core/events.js';
import type { DeploymentId, FillId, Symbol } from '../../src/core/ids.js';
import type { Ledger } from '../../src/core/ledger.js';
import { toPlain } from '../../src/core/decimal.js';

export const DEPLOYMENTS = ['a', 'b', 'c'] as DeploymentId[];
export const SYMBOLS = ['AAPL', 'BTC/USD'] as Symbol[];

const decimalString = (maxWhole: number, places: number, minUnits = 1) =>
  fc.integer({ min: minUnits, max: maxWhole * 10 ** places }).map((units) => {
    const text = (units / 10 ** places).toFixed(places); // test data generation only
    return text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
  });

const ts = (i: number) => new Date(Date.UTC(2025, 0, 2) + i * 60_000).toISOString();

type Step =
  | {
      kind: 'fill';
      who: number;
      symbol: number;
      side: 'buy' | 'sell';
      qty: string;
      price: string;
      fee: string;
      base: boolean;
    }
  | { kind: 'mark'; symbol: number; price: string }
  | { kind: 'split'; symbol: number; ratio: string }
  | { kind: 'dividend'; symbol: number; amount: string }
  | { kind: 'flow'; who: number; amount: string }
  | { kind: 'block'; symbol: number; price: string; legs: { who: number; side: 'buy' | 'sell'; qty: string }[] };

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 10,
    arbitrary: fc.record({
      kind: fc.constant('fill' as const),
      who: fc.integer({ min: 0, max: 2 }),
      symbol: fc.integer({ min: 0, max: 1 }),
      side: fc.constantFrom('buy' as const, 'sell' as const),
      qty: decimalString(200, 3),
      price: decimalString(500, 2),
      fee: fc.oneof(fc.constant('0'), decimalString(5, 2)),
      base: fc.constant(false),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('fill' as const),
      who: fc.integer({ min: 0, max: 2 }),
      symbol: fc.constant(1),
      side: fc.constantFrom('buy' as const, 'sell' as const),
      qty: decimalString(3, 6),
      price: decimalString(500, 2),
      fee: decimalString(1, 6, 0).map((f) => (f === '0' ? '0.000001' : f)),
      base: fc.constant(true),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('block' as const),
      symbol: fc.integer({ min: 0, max: 1 }),
      price: decimalString(500, 2),
      legs: fc.array(
        fc.record({
          who: fc.integer({ min: 0, max: 2 }),
          side: fc.constantFrom('buy' as const, 'sell' as const),
          qty: decimalString(50, 0),
        }),
        { minLength: 1, maxLength: 3 },
      ),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('mark' as const),
      symbol: fc.integer({ min: 0, max: 1 }),
      price: decimalString(500, 2),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('split' as const),
      symbol: fc.integer({ min: 0, max: 1 }),
      ratio: fc.constantFrom('2', '3', '0.5', '1.5'),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('dividend' as const),
      symbol: fc.integer({ min: 0, max: 1 }),
      amount: decimalString(2, 2),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('flow' as const),
      who: fc.integer({ min: 0, max: 2 }),
      amount: fc.tuple(fc.boolean(), decimalString(5000, 2)).map(([out, a]) => (out ? '-' + a : a)),
    }),
  },
);

function toEvent(s: Step, i: number): LedgerEvent {
  switch (s.kind) {
    case 'fill':
      return {
        type: 'fill',
        id: `f${i}` as FillId,
        symbol: SYMBOLS[s.symbol]!,
        price: dec(s.price),
        ts: ts(i),
        legs: [
          {
            deployment: DEPLOYMENTS[s.who]!,
            side: s.side,
            qty: dec(s.qty),
            fee: dec(s.fee),
            feeCurrency: s.base ? 'base' : 'quote',
          },
        ],
      };
    case 'block':
      return {
        type: 'fill',
        id: `f${i}` as FillId,
        symbol: SYMBOLS[s.symbol]!,
        price: dec(s.price),
        ts: ts(i),
        legs: s.legs.map((l) => ({
          deployment: DEPLOYMENTS[l.who]!,
          side: l.side,
          qty: dec(l.qty),
          fee: dec('0'),
          feeCurrency: 'quote' as const,
        })),
      };
    case 'mark':
      return { type: 'mark', symbol: SYMBOLS[s.symbol]!, price: dec(s.price), ts: ts(i), source: 'test' };
    case 'split':
      return { type: 'split', symbol: SYMBOLS[s.symbol]!, ratio: dec(s.ratio), ts: ts(i) };
    case 'dividend':
      return { type: 'dividend', symbol: SYMBOLS[s.symbol]!, amountPerShare: dec(s.amount), ts: ts(i) };
    case 'flow':
      return { type: 'capital_flow', id: `c${i}`, deployment: DEPLOYMENTS[s.who]!, amount: dec(s.amount), ts: ts(i) };
  }
}

/** A journal: the deployments, then a sequence of fills, marks, splits, dividends and flows. */
export const journal: fc.Arbitrary<LedgerEvent[]> = fc
  .tuple(fc.constantFrom<'average' | 'fifo'>('average', 'fifo'), fc.array(step, { minLength: 1, maxLength: 60 }))
  .map(([method, steps]) => [
    ...DEPLOYMENTS.map((d, i): LedgerEvent => ({
      type: 'deployment',
      deployment: d,
      initialCapital: dec('10000'),
      costMethod: i === 1 ? method : 'average',
      ts: ts(-1),
    })),
    ...steps.map(toEvent),
  ]);

/** Every number of a ledger as strings, for exact comparison of two ledgers. */
export function snapshot(ledger: Ledger) {
  return {
    marks: [...ledger.marks].map(([s, m]) => [s, toPlain(m.price), m.ts]).sort(),
    sleeves: [...ledger.sleeves.values()].map((s) => ({
      deployment: s.deployment,
      cash: toPlain(s.cash),
      flows: toPlain(s.flows),
      positions: [...s.positions.values()].map((p) => ({
        symbol: p.symbol,
        qty: toPlain(p.qty),
        cost: toPlain(p.cost),
        lots: p.lots.map((l) => [toPlain(l.qty), toPlain(l.cost), l.ts]),
        realizedAverage: toPlain(p.realizedAverage),
        realizedFifo: toPlain(p.realizedFifo),
        fees: toPlain(p.fees),
        dividends: toPlain(p.dividends),
      })),
    })),
  };
}
