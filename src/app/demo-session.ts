/**
 * The demo's bots: a short, deterministic trading session on the paper broker that exercises
 * seed 000's example (A and B with $10,000 each, both trading AAPL) next to two small rule-based
 * bots. Every order goes through the real router (risk check, journal, broker) and every fill
 * through the real fill path. Risk rejections are counted and shown, not hidden.
 */
import { type Dec, dec, floorToIncrement, mul } from '../core/decimal.js';
import type { DeploymentId, Symbol } from '../core/ids.js';
import type { SubmitOrderInput } from './api.js';
import type { MarketDataPort } from './broker-port.js';
import { AppError } from './errors.js';
import type { Subledger } from './subledger.js';

export interface DemoDeployment {
  readonly id: DeploymentId;
  readonly name: string;
  readonly strategy: string;
  readonly capital: string;
}

export const DEMO_DEPLOYMENTS: readonly DemoDeployment[] = [
  { id: 'a' as DeploymentId, name: 'Deployment A', strategy: 'seed-000-a', capital: '10000' },
  { id: 'b' as DeploymentId, name: 'Deployment B', strategy: 'seed-000-b', capital: '10000' },
  { id: 'trend' as DeploymentId, name: 'Trend follower', strategy: 'momentum', capital: '25000' },
  { id: 'dip' as DeploymentId, name: 'Dip buyer', strategy: 'mean-reversion', capital: '25000' },
];

export interface DemoResult {
  orders: number;
  rejections: string[];
}

type Stepper = { step(): Promise<boolean> };

export async function runDemoSession(
  app: Subledger,
  broker: Stepper,
  market: MarketDataPort,
  symbols: readonly Symbol[],
  steps: number,
  onStep?: (done: number, total: number) => void,
): Promise<DemoResult> {
  for (const d of DEMO_DEPLOYMENTS) {
    if (!app.service.ledger.sleeves.has(d.id)) await app.createDeployment({ id: d.id, name: d.name, strategy: d.strategy, initialCapital: dec(d.capital) });
  }
  const result: DemoResult = { orders: 0, rejections: [] };
  const submit = async (id: DeploymentId, input: SubmitOrderInput) => {
    try {
      await app.submitOrder(id, input);
      result.orders++;
    } catch (error) {
      if (error instanceof AppError) result.rejections.push(`${id}: ${error.message}`);
      else throw error;
    }
  };
  const market1 = (symbol: string, side: 'buy' | 'sell', qty: string): SubmitOrderInput => ({ symbol, side, qty: dec(qty), type: 'market', timeInForce: 'day' });
  const history = new Map<Symbol, Dec[]>();
  const others = symbols.filter((s) => s !== 'AAPL');
  for (let step = 0; step < steps; step++) {
    const quotes = await market.latest(symbols);
    for (const [s, q] of quotes) if (q.last !== undefined) history.set(s, [...(history.get(s) ?? []), q.last].slice(-31));
    const last = (s: Symbol) => quotes.get(s)?.last;
    // Seed 000: A buys 10 AAPL, B buys 5 AAPL; later A trims and B adds at a limit below the bid.
    if (step === 0) {
      await submit('a' as DeploymentId, market1('AAPL', 'buy', '10'));
      await submit('b' as DeploymentId, market1('AAPL', 'buy', '5'));
    }
    if (step === Math.floor(steps / 2)) await submit('a' as DeploymentId, market1('AAPL', 'sell', '4'));
    const bid = quotes.get('AAPL' as Symbol)?.bid;
    if (step === Math.floor(steps / 3) && bid !== undefined) {
      await submit('b' as DeploymentId, { symbol: 'AAPL', side: 'buy', qty: dec('5'), type: 'limit', limitPrice: bid, timeInForce: 'day' });
    }
    // Trend follower: every 30 steps hold the best 30-step performer among the other symbols.
    if (step > 0 && step % 30 === 0 && others.length > 0) {
      const perf = others.map((s) => ({ s, h: history.get(s) ?? [] })).filter((x) => x.h.length > 1);
      perf.sort((x, y) => (mul(x.h.at(-1)!, y.h[0]!) > mul(y.h.at(-1)!, x.h[0]!) ? -1 : 1));
      const best = perf[0]?.s;
      for (const p of app.positions('trend' as DeploymentId)) {
        if (p.symbol !== best) await submit('trend' as DeploymentId, market1(p.symbol, 'sell', p.qty));
      }
      const price = best ? last(best) : undefined;
      if (best && price && !app.positions('trend' as DeploymentId).some((p) => p.symbol === best)) {
        const qty = dec(app.metrics('trend' as DeploymentId).buying_power) / price / 2n; // whole shares, half the buying power
        if (qty > 0n) await submit('trend' as DeploymentId, market1(best, 'buy', qty.toString()));
      }
    }
    // Dip buyer: a resting limit 1% under the last price of the second symbol; sells 1% above cost.
    const target = others[1] ?? others[0];
    if (target && step % 20 === 10) {
      const price = last(target);
      const held = app.positions('dip' as DeploymentId).find((p) => p.symbol === target);
      if (price && !held && app.listOrders('dip' as DeploymentId, { status: 'open', limit: 5 }).length === 0) {
        const limit = floorToIncrement(mul(price, dec('0.99')), dec('0.01'));
        await submit('dip' as DeploymentId, { symbol: target, side: 'buy', qty: dec('20'), type: 'limit', limitPrice: limit, timeInForce: 'gtc' });
      } else if (held && price && dec(held.market_value) > dec(held.cost_basis)) {
        await submit('dip' as DeploymentId, market1(target, 'sell', held.qty));
      }
    }
    await broker.step();
    onStep?.(step + 1, steps);
  }
  await app.markToMarket();
  return result;
}

