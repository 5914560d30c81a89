/**
 * The paper broker: the broker contract (twice: plain, and with partial fills, fees and
 * slippage), then what is particular to it — determinism, report delivery, bars replay, quotes.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  PaperBroker,
  type PaperBrokerOptions,
  barsMarketFromCsv,
  simulatedPaperBroker,
} from '../src/adapters/paper/index.js';
import { BrokerRejection, type ExecutionReport, type OrderRequest } from '../src/app/ports/broker-port.js';
import { dec, toPlain } from '../src/core/decimal.js';
import type { ClientOrderId, Symbol } from '../src/core/ids.js';
import { SimulatedMarket, demoSymbols } from '../src/sim/index.js';
import { type BrokerHarness, brokerContract } from './contracts/broker.contract.js';

const AAPL = 'AAPL' as Symbol;
const MSFT = 'MSFT' as Symbol;

function paperHarness(options: Omit<PaperBrokerOptions, 'market'> = {}) {
  return async (): Promise<BrokerHarness> => {
    const market = new SimulatedMarket({ seed: 7, symbols: demoSymbols(3) });
    const broker = new PaperBroker({ market, ...options });
    return {
      broker,
      symbol: AAPL,
      advance: async () => {
        await broker.step();
      },
      setPrice: async (symbol, price) => market.setPrice(symbol, price),
    };
  };
}

brokerContract('paper broker', paperHarness());
brokerContract(
  'paper broker with partial fills, fees and slippage',
  paperHarness({
    liquidity: { maxQtyPerStep: dec('70') },
    fees: { perShare: dec('0.0035'), bps: dec('0.5') },
    slippageBps: dec('3'),
  }),
);

let n = 0;
const request = (fields: Partial<OrderRequest> = {}): OrderRequest => ({
  clientOrderId: `t${++n}` as ClientOrderId,
  symbol: AAPL,
  side: 'buy',
  qty: dec('10'),
  type: 'market',
  timeInForce: 'gtc',
  ...fields,
});
const plain = (r: ExecutionReport) => JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? toPlain(v as never) : v));

describe('PaperBroker', () => {
  it('is deterministic: the same seed gives the same prices, fills and ids', async () => {
    const run = async (seed: number) => {
      const broker = simulatedPaperBroker({
        seed,
        symbols: 5,
        liquidity: { volumeShare: dec('0.005') },
        fees: { bps: dec('1') },
        slippageBps: dec('2'),
      });
      const log: string[] = [];
      broker.subscribe(async (r) => void log.push(plain(r)));
      for (let i = 0; i < 30; i++) {
        if (i % 5 === 0)
          await broker.submit(
            request({
              clientOrderId: `d${i}` as ClientOrderId,
              symbol: demoSymbols(5)[(i / 5) % 5]!.symbol as Symbol,
              qty: dec('60'),
            }),
          );
        await broker.step();
      }
      const quotes = await broker.latest(demoSymbols(5).map((s) => s.symbol as Symbol));
      return {
        log,
        quotes: [...quotes.values()].map(
          (q) => `${q.symbol} ${toPlain(q.bid!)} ${toPlain(q.ask!)} ${q.ts} ${q.source}`,
        ),
      };
    };
    const a = await run(42);
    assert.deepEqual(a, await run(42));
    assert.ok(a.log.filter((l) => l.includes('"partial_fill"')).length > 0, 'some orders filled in pieces');
    assert.notDeepEqual(a.quotes, (await run(43)).quotes);
  });

  it('awaits each handler in order and keeps delivering after a handler throws', async () => {
    const errors: string[] = [];
    const broker = simulatedPaperBroker({
      seed: 1,
      symbols: 1,
      onError: (e, r) => errors.push(`${(e as Error).message} on ${r.kind}`),
    });
    const seen: string[] = [];
    broker.subscribe(async (r) => {
      seen.push(`slow-start ${r.kind}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
      seen.push(`slow-end ${r.kind}`);
      if (r.kind === 'new') throw new Error('boom');
    });
    broker.subscribe(async (r) => void seen.push(`fast ${r.kind}`));
    await broker.submit(request());
    await broker.step();
    assert.deepEqual(seen, [
      'slow-start new',
      'slow-end new',
      'fast new',
      'slow-start fill',
      'slow-end fill',
      'fast fill',
    ]);
    assert.deepEqual(errors, ['boom on new']);
  });

  it('lets a handler submit from inside delivery; the order trades at the next step', async () => {
    const broker = simulatedPaperBroker({ seed: 1, symbols: 1 });
    const kinds: string[] = [];
    broker.subscribe(async (r) => {
      kinds.push(`${r.order.side} ${r.kind}`);
      if (r.kind === 'fill' && r.order.side === 'buy') await broker.submit(request({ side: 'sell' }));
    });
    await broker.submit(request());
    await broker.run(2);
    assert.deepEqual(kinds, ['buy new', 'buy fill', 'sell new', 'sell fill']);
    assert.deepEqual(await broker.positions(), []);
  });

  it("throws the engine's rejections as BrokerRejection with Alpaca's words", async () => {
    const broker = simulatedPaperBroker({ seed: 1, symbols: 1 });
    await broker.submit(request({ type: 'limit', side: 'sell', limitPrice: dec('500') }));
    await assert.rejects(broker.submit(request()), (e: unknown) => {
      assert.ok(e instanceof BrokerRejection);
      assert.deepEqual(
        [e.code, e.brokerMessage, e.retryable],
        ['wash_trade', 'potential wash trade detected. use complex orders', false],
      );
      return true;
    });
    const lax = simulatedPaperBroker({ seed: 1, symbols: 1, rules: { washTrade: false, noFlip: false } });
    await lax.submit(request({ type: 'limit', side: 'sell', limitPrice: dec('500') }));
    await lax.submit(request());
  });

  it('quotes with the source label and the simulation time, and shows that time as its clock', async () => {
    const broker = simulatedPaperBroker({ seed: 3, symbols: 2 });
    await broker.run(3);
    const quotes = await broker.latest([AAPL, MSFT, 'NOPE' as Symbol]);
    assert.deepEqual([...quotes.keys()], [AAPL, MSFT]);
    const q = quotes.get(AAPL)!;
    assert.deepEqual([q.source, q.ts], ['simulated', '2025-01-02T14:33:00.000Z']);
    assert.ok(q.bid! < q.last! && q.last! < q.ask!);
    assert.equal(broker.clock.now().toISOString(), '2025-01-02T14:33:00.000Z');
  });

  it('replays a bars CSV: fills at the next bar, labels quotes "bars:<file>", stops at the end', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'subledger-bars-'));
    try {
      const file = join(dir, 'prices.csv');
      writeFileSync(
        file,
        [
          'ts,symbol,open,high,low,close,volume',
          '2025-01-02,AAPL,190,192,189,191.25,50',
          '2025-01-03,AAPL,191,194,190,193.5,30',
          '2025-01-06,AAPL,193,195,192,194,100',
        ].join('\n'),
      );
      const broker = new PaperBroker({
        market: await barsMarketFromCsv(file),
        liquidity: { volumeShare: dec('0.5') },
        startingCash: dec('10000'),
      });
      const fills: string[] = [];
      broker.subscribe(
        async (r) =>
          void (
            r.execution && fills.push(`${r.kind} ${toPlain(r.execution.qty)}@${toPlain(r.execution.price)} ${r.ts}`)
          ),
      );
      assert.equal((await broker.latest([AAPL])).get(AAPL)!.source, 'bars:prices.csv');
      await broker.submit(request({ qty: dec('20') }));
      assert.equal(await broker.run(10), 2, 'two more bars, then the data ends');
      assert.equal(await broker.step(), false);
      assert.deepEqual(fills, [
        'partial_fill 15@193.5 2025-01-03T00:00:00.000Z',
        'fill 5@194 2025-01-06T00:00:00.000Z',
      ]);
      // 10000 − 15 × 193.5 − 5 × 194 = 6127.5
      assert.equal((await broker.account()).cash, dec('6127.5'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses calls after close', async () => {
    const broker = simulatedPaperBroker({ seed: 1, symbols: 1 });
    await broker.close();
    await assert.rejects(broker.submit(request()), /closed/);
  });
});
