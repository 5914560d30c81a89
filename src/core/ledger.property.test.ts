/** The ledger's laws (DESIGN.md §4–5), for any valid journal. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { type Dec, mul } from './decimal.js';
import type { LedgerEvent } from './events.js';
import { applyEvent, netQuantity, newLedger, valueAtMark } from './ledger.js';
import { valueSleeve } from './valuation.js';
import { fold } from '../../test/helpers/events.js';
import { SYMBOLS, journal, snapshot } from '../../test/helpers/arbitrary.js';

const runs = { numRuns: 300 };

describe('ledger laws', () => {
  it('realized + unrealized is the same under average cost and FIFO, per position', () => {
    fc.assert(
      fc.property(journal, (events) => {
        const ledger = fold(events);
        for (const sleeve of ledger.sleeves.values()) {
          const avg = valueSleeve(sleeve, ledger.marks, 'average');
          const fifo = valueSleeve(sleeve, ledger.marks, 'fifo');
          assert.equal(avg.realized + avg.unrealized, fifo.realized + fifo.unrealized);
          avg.positions.forEach((p, i) =>
            assert.equal(p.realized + p.unrealized, fifo.positions[i]!.realized + fifo.positions[i]!.unrealized),
          );
        }
      }),
      runs,
    );
  });

  it('cash + Σ qty × mark = initial + flows + realized + unrealized − fees + dividends, exactly', () => {
    fc.assert(
      fc.property(journal, (events) => {
        const ledger = fold(events);
        for (const sleeve of ledger.sleeves.values()) {
          for (const method of ['average', 'fifo'] as const) {
            const v = valueSleeve(sleeve, ledger.marks, method);
            let held = 0n;
            for (const p of sleeve.positions.values()) held += valueAtMark(p.qty, ledger.marks.get(p.symbol)!);
            assert.equal(
              sleeve.cash + held,
              v.initialCapital + v.flows + v.realized + v.unrealized - v.fees + v.dividends,
            );
          }
        }
      }),
      runs,
    );
  });

  it('a duplicated fill (same execution id) changes nothing', () => {
    fc.assert(
      fc.property(journal, fc.array(fc.nat(), { maxLength: 10 }), (events, picks) => {
        // Insert copies of journaled events somewhere after their first occurrence.
        const withDuplicates: LedgerEvent[] = [...events];
        for (const pick of picks) {
          const original = events[pick % events.length]!;
          const first = withDuplicates.indexOf(original);
          withDuplicates.splice(first + 1 + (pick % (withDuplicates.length - first)), 0, original);
        }
        assert.deepEqual(snapshot(fold(withDuplicates)), snapshot(fold(events)));
      }),
      runs,
    );
  });

  it('folding the journal again from scratch gives the live state', () => {
    fc.assert(
      fc.property(journal, (events) => {
        const live = newLedger();
        const half = Math.floor(events.length / 2);
        for (const e of events.slice(0, half)) applyEvent(live, e);
        snapshot(live); // the live ledger is read between events, as the app does
        for (const e of events.slice(half)) applyEvent(live, e);
        assert.deepEqual(snapshot(fold(events)), snapshot(live));
      }),
      runs,
    );
  });

  it("the sleeves' quantities per symbol sum to the account's net quantity", () => {
    fc.assert(
      fc.property(journal, (events) => {
        const ledger = fold(events);
        // The account as the broker sees it: one net quantity per symbol.
        const net = new Map<string, bigint>();
        for (const e of events) {
          if (e.type === 'fill') {
            for (const leg of e.legs) {
              const units = leg.side === 'buy' ? leg.qty : -leg.qty;
              const fee = leg.feeCurrency === 'base' ? leg.fee : 0n;
              net.set(e.symbol, (net.get(e.symbol) ?? 0n) + units - fee);
            }
          } else if (e.type === 'split') {
            net.set(e.symbol, mul((net.get(e.symbol) ?? 0n) as Dec, e.ratio));
          }
        }
        for (const symbol of SYMBOLS) assert.equal(netQuantity(ledger, symbol), net.get(symbol) ?? 0n);
      }),
      runs,
    );
  });
});
