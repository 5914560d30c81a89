/**
 * The demo's session: seed 000's example (deployments A and B, $10,000 each, both trading AAPL,
 * each a scripted bot sending its own orders) next to seed 003's multi-strategy engine running
 * three sample strategies (fixed weights, momentum rotation, mean reversion) on their own sleeves,
 * rebalanced together every 30 simulated minutes with internal crossing and block orders.
 * Every order goes through the real router (risk check, journal, broker) and every fill through
 * the real fill path; refusals are counted and shown, not hidden.
 *
 * The session ends at `until` (the trading day's close: nothing is traded or marked after it),
 * when the market has no more data (the bars ran out), or after `steps` market steps, whichever
 * comes first; the result says which. At each market time the prices are journaled first, then
 * the bots and the engine trade, then the scheduler ticks: every snapshot it writes at a time
 * holds everything journaled at that time, so a replay of the journal gives the same snapshot
 * (`history --verify`).
 */
import { dec } from '../core/decimal.js';
import type { DeploymentId, Symbol } from '../core/ids.js';
import type { SubmitOrderInput } from '../app/api.js';
import type { MarketDataPort } from '../app/ports/broker-port.js';
import type { Clock } from '../app/ports/clock-port.js';
import { AppError } from '../app/errors.js';
import type { DemoPort } from '../app/ports/engine-port.js';
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

/** Why a session ended: the day's close, the end of the market's data (bars), or the step budget. */
export type DemoStop = 'close' | 'bars' | 'steps';

export interface DemoResult {
  orders: number;
  rejections: string[];
  rebalances: RebalanceRun[];
  /** Market steps taken by the session's loop (a rebalance's waits not counted). */
  steps: number;
  stopped: DemoStop;
}

/** The engine rebalances every 30 market steps (simulated minutes)... */
const REBALANCE_EVERY = 30;
/** ...but starts none in the last 15 minutes before `until`, so its orders fill before the close. */
const NO_REBALANCE_BEFORE_CLOSE_MS = 15 * 60_000;

export interface DemoDeps {
  readonly app: DemoPort;
  readonly broker: { step(): Promise<boolean> };
  readonly market: MarketDataPort;
  readonly universe: readonly Symbol[];
  readonly rebalance: () => Promise<RebalanceRun>;
  /**
   * Called at every market time once the session has done what it does at that time (the serve
   * scheduler's tick: marks, snapshots, closes), and once more where the session ends.
   */
  readonly afterStep?: () => Promise<void>;
  /** The market's clock, to stop at `until`. */
  readonly clock?: Clock;
  /** Stop once the clock reaches this time (ISO-8601; the trading day's close). */
  readonly until?: string;
}

export async function runDemoSession(
  deps: DemoDeps,
  steps: number,
  onStep?: (done: number, total: number) => void,
): Promise<DemoResult> {
  const { app } = deps;
  for (const d of DEMO_DEPLOYMENTS) {
    if (!app.engine.ledger.sleeves.has(d.id))
      await app.createDeployment({ id: d.id, name: d.name, strategy: d.strategy, initialCapital: dec(d.capital) });
  }
  const result: Pick<DemoResult, 'orders' | 'rejections' | 'rebalances'> = {
    orders: 0,
    rejections: [],
    rebalances: [],
  };
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
  const until = deps.until === undefined ? undefined : Date.parse(deps.until);
  const now = () => deps.clock?.now().getTime();
  let stopped: DemoStop;
  let step = 0;
  await recordPrices(app.engine, deps.market, deps.universe);
  for (;;) {
    const t = now();
    const closed = until !== undefined && t !== undefined && t >= until;
    const done = closed || step >= steps;
    if (!done) {
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
      const closing = until !== undefined && t !== undefined && until - t < NO_REBALANCE_BEFORE_CLOSE_MS;
      if (step > 0 && step % REBALANCE_EVERY === 0 && !closing) result.rebalances.push(await deps.rebalance());
    }
    // The tick at this time (marks, snapshot, the close) comes after everything done at it.
    await deps.afterStep?.();
    if (done) {
      stopped = closed ? 'close' : 'steps';
      break;
    }
    if (!(await deps.broker.step())) {
      stopped = 'bars';
      break;
    }
    step++;
    await recordPrices(app.engine, deps.market, deps.universe);
    onStep?.(step, steps);
  }
  await app.markToMarket();
  return { ...result, steps: step, stopped };
}
