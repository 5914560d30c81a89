/**
 * The demo's session: seed 000's example (deployments A and B, $10,000 each, both trading AAPL,
 * each a scripted bot sending its own orders) next to seed 003's multi-strategy engine running
 * three sample strategies (fixed weights, momentum rotation, mean reversion) on their own sleeves,
 * rebalanced together every 30 simulated minutes with internal crossing and block orders.
 * Every order goes through the real router (risk check, journal, broker) and every fill through
 * the real fill path; refusals are counted and shown, not hidden.
 */
import { dec } from '../core/decimal.js';
import type { DeploymentId, Symbol } from '../core/ids.js';
import type { SubmitOrderInput } from '../app/api.js';
import type { MarketDataPort } from '../app/broker-port.js';
import { AppError } from '../app/errors.js';
import type { Subledger } from '../app/subledger.js';
import { recordPrices } from './prices.js';
import type { RebalanceRun } from './rebalance.js';

export interface DemoDeployment {
  readonly id: DeploymentId;
  readonly name: string;
  readonly strategy: string;
  readonly capital: string;
}

export const DEMO_DEPLOYMENTS: readonly DemoDeployment[] = [
  { id: 'a' as DeploymentId, name: 'Deployment A', strategy: 'seed-000-a', capital: '10000' },
  { id: 'b' as DeploymentId, name: 'Deployment B', strategy: 'seed-000-b', capital: '10000' },
  { id: 'fixed' as DeploymentId, name: 'Fixed 60/40', strategy: 'fixed-weight', capital: '25000' },
  { id: 'trend' as DeploymentId, name: 'Trend follower', strategy: 'momentum', capital: '25000' },
  { id: 'dip' as DeploymentId, name: 'Dip buyer', strategy: 'mean-reversion', capital: '20000' },
];

export interface DemoResult {
  orders: number;
  rejections: string[];
  rebalances: RebalanceRun[];
}

export interface DemoDeps {
  readonly app: Subledger;
  readonly broker: { step(): Promise<boolean> };
  readonly market: MarketDataPort;
  readonly universe: readonly Symbol[];
  readonly rebalance: () => Promise<RebalanceRun>;
  /** Called after every market step (the serve scheduler's tick: marks, snapshots, closes). */
  readonly afterStep?: () => Promise<void>;
}

export async function runDemoSession(
  deps: DemoDeps,
  steps: number,
  onStep?: (done: number, total: number) => void,
): Promise<DemoResult> {
  const { app } = deps;
  for (const d of DEMO_DEPLOYMENTS) {
    if (!app.service.ledger.sleeves.has(d.id))
      await app.createDeployment({ id: d.id, name: d.name, strategy: d.strategy, initialCapital: dec(d.capital) });
  }
  const result: DemoResult = { orders: 0, rejections: [], rebalances: [] };
  const submit = async (id: string, input: SubmitOrderInput) => {
    try {
      await app.submitOrder(id as DeploymentId, input);
      result.orders++;
    } catch (error) {
      if (error instanceof AppError) result.rejections.push(`${id}: ${error.message}`);
      else throw error;
    }
  };
  const market = (symbol: string, side: 'buy' | 'sell', qty: string): SubmitOrderInput => ({
    symbol,
    side,
    qty: dec(qty),
    type: 'market',
    timeInForce: 'day',
  });
  for (let step = 0; step < steps; step++) {
    await recordPrices(app.service, deps.market, deps.universe);
    // Seed 000: A buys 10 AAPL and B buys 5; later A trims 4 and B adds 5 at a limit on the bid.
    if (step === 0) {
      await submit('a', market('AAPL', 'buy', '10'));
      await submit('b', market('AAPL', 'buy', '5'));
    }
    if (step === Math.floor(steps / 2)) await submit('a', market('AAPL', 'sell', '4'));
    if (step === Math.floor(steps / 3)) {
      const bid = (await deps.market.latest(['AAPL' as Symbol])).get('AAPL' as Symbol)?.bid;
      if (bid !== undefined)
        await submit('b', {
          symbol: 'AAPL',
          side: 'buy',
          qty: dec('5'),
          type: 'limit',
          limitPrice: bid,
          timeInForce: 'day',
        });
    }
    // Seed 003: the engine rebalances its strategies together every 30 minutes.
    if (step > 0 && step % 30 === 0) result.rebalances.push(await deps.rebalance());
    await deps.broker.step();
    await deps.afterStep?.();
    onStep?.(step + 1, steps);
  }
  await app.markToMarket();
  return result;
}
