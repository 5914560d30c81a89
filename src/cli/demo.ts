/**
 * `subledger demo`: the README's main job. On the default store (./subledger.db — the one every
 * command reads without --db, so `books`, `history`, `report` … after it show the demo) and the
 * paper broker, it creates deployments (seed 000's A and B with $10,000 each trading AAPL, and
 * seed 003's three strategies), trades one simulated session from the open to the day's close
 * (21:00 UTC) with a progress bar, prints each sleeve and the account reconciliation, then serves
 * the API until Ctrl-C (`--no-serve` to exit at the end).
 *
 * The simulated market has trading minutes only, so nothing is traded or marked after the close
 * and every snapshot replays from the journal (`history --verify`). With `--prices bars.csv` the
 * session runs through the bars and stops when they run out, saying so; `--steps N` stops sooner.
 *
 * Each run starts afresh (`--keep` continues the last one) by deleting the SQLite file — only a
 * store the demo made itself, or an empty one: a store that holds anything else is refused, with
 * the way out (--db), and one a running process writes is refused too. A PostgreSQL store is never
 * emptied: the demo needs an empty one there (a fresh `?schema=`), or --keep.
 */
import { existsSync, rmSync } from 'node:fs';
import type { Command } from 'commander';
import { type ConfigFlags, loadConfig } from '../config.js';
import { DEMO_STORE_CURSOR, action, progressBar } from './context.js';
import { addRuntimeOptions } from './serve-options.js';

/** The value of DEMO_STORE_CURSOR on a store that holds only what the demo wrote. */
const DEMO_MARK = 'demo';
const DAY_MS = 86_400_000;
/** Steps of a market that neither keeps hours nor ends (Alpaca, the emulator): one session's minutes. */
const SESSION_MINUTES = 390;

export function registerDemo(program: Command): void {
  addRuntimeOptions(
    program
      .command('demo')
      .description(
        'run one simulated multi-bot trading session on the paper broker (open to close), print every sleeve and the reconciliation, then serve the API',
      ),
  )
    .option(
      '--steps <n>',
      'trade at most this many simulated minutes (default: until the close, 21:00 UTC, or until the bars of --prices run out)',
    )
    .option('--no-serve', 'exit after printing instead of serving the API')
    .option(
      '--keep',
      "continue on the existing store instead of starting fresh (the demo's deployments are added if missing)",
    )
    .action(
      action(async (opts: ConfigFlags & { steps?: string; serve: boolean; keep?: boolean }) => {
        const steps = opts.steps === undefined ? undefined : Number(opts.steps);
        if (steps !== undefined && (!Number.isInteger(steps) || steps < 1 || steps > 100_000))
          throw new Error(`--steps must be a whole number from 1 to 100000, not "${opts.steps}"`);
        const config = loadConfig(opts);
        const fresh = await makeWay(config.db, Boolean(opts.keep), config.takeOver);
        const [{ createRuntime }, { runDemoSession }, { summaryText }, { sleeveView }, print, serve] =
          await Promise.all([
            import('../server.js'),
            import('../engine/demo-session.js'),
            import('../engine/summary-text.js'),
            import('../app/performance/views.js'),
            import('./print.js'),
            import('./serve.js'),
          ]);
        const runtime = await createRuntime(config, { command: 'demo', idPrefix: `demo${Date.now().toString(36)}` });
        try {
          if (fresh) await runtime.store.setCursor(DEMO_STORE_CURSOR, DEMO_MARK);
          console.log(
            `demo: ${config.broker} broker, prices: ${runtime.broker.source} (seed ${config.seed}), store ${runtime.store.location}`,
          );
          const { clock, hours } = runtime.broker;
          const start = clock.now();
          const minutesSince = (from: Date) => Math.round((clock.now().getTime() - from.getTime()) / 60_000);
          // The session: up to the trading day's close on a market that keeps hours, through the
          // bars on one that ends, else one session's minutes; --steps stops it sooner.
          const until = hours?.closesBetween(start, new Date(start.getTime() + 8 * DAY_MS))[0];
          const toClose = until === undefined ? undefined : Math.round((Date.parse(until) - start.getTime()) / 60_000);
          const remaining = runtime.broker.remaining?.();
          const budget = steps ?? toClose ?? (remaining !== undefined ? remaining + 1 : SESSION_MINUTES);
          const expected = Math.min(budget, toClose ?? remaining ?? budget);
          const bar = progressBar(`trading ${expected} simulated minutes`, false, true);
          const result = await runDemoSession(
            {
              app: runtime.app,
              broker: runtime.broker,
              market: runtime.broker,
              universe: runtime.broker.symbols,
              rebalance: () => runtime.rebalance(),
              afterStep: async () => void (await runtime.scheduler.tick()),
              clock,
              ...(until !== undefined ? { until } : {}),
            },
            budget,
            // On a market with hours the bar shows the minutes of the session gone (a rebalance's
            // waits move the market too), else the steps taken.
            (done) => bar.update(until !== undefined ? minutesSince(start) : done, expected),
          );
          if (result.stopped === 'close') bar.update(expected, expected);
          bar.stop();
          const at = clock.now().toISOString();
          console.log(
            result.stopped === 'close'
              ? `stopped at the close (${at}): one session traded, from ${start.toISOString()}, in market hours only`
              : result.stopped === 'bars'
                ? `the bars ran out at ${at} after ${result.steps} step(s): ${runtime.broker.source} has no more prices; stopped`
                : `stopped after ${result.steps} simulated minute(s), at ${at}${steps !== undefined ? ' (--steps)' : ''}`,
          );
          console.log(
            `${result.orders} bot orders sent (${result.rejections.length} refused by the risk check or the broker); ${result.rebalances.length} multi-strategy rebalances`,
          );
          for (const r of result.rejections.slice(0, 5)) console.log(`  refused: ${r}`);
          const last = result.rebalances.at(-1);
          if (last) console.log(`\nlast ${summaryText(last.summary)}`);
          const service = runtime.app.service;
          for (const id of service.deploymentIds())
            print.printSleeve(sleeveView(service.ledger, id, service.deploymentInfo(id)!));
          print.printAccount(await runtime.app.account());
          if (!opts.serve) return;
          const url = await runtime.serve();
          serve.printAccess(runtime, url);
          await serve.untilSignal(runtime);
        } finally {
          if (!opts.serve) await runtime.close();
        }
      }),
    );
}

/**
 * Makes way for a fresh demo on `db` unless `keep`; returns whether the store the demo then runs
 * on is fresh (it marks it as its own). Deletes only a SQLite store the demo made, or an empty one,
 * and none a live process writes; refuses anything else with the way out.
 */
async function makeWay(db: string, keep: boolean, takeOver: boolean): Promise<boolean> {
  const { openStoreAt, storeTarget, thisProcess } = await import('../main/adapters.js');
  const { postgres, shown } = await storeTarget(db);
  if (!postgres && !existsSync(db)) return true;
  const { LeaseHeldError, decideClaim } = await import('../app/cluster/writer-lease.js');
  const store = await openStoreAt(db, false);
  let entries: number;
  let ours: boolean;
  try {
    const lease = await store.readLease();
    // A store a live process writes is never deleted under it (--take-over: unless that one is gone).
    if (!decideClaim(lease, thisProcess('demo'), Date.now(), takeOver).claim)
      throw new LeaseHeldError(lease!, takeOver);
    entries = (await store.journalStats()).count;
    ours = (await store.getCursor(DEMO_STORE_CURSOR)) === DEMO_MARK;
  } finally {
    await store.close();
  }
  if (keep) return entries === 0;
  const where = shown;
  if (entries > 0 && !ours)
    throw new Error(
      `${where} holds books the demo did not make (${entries} journal entries), and the demo deletes nothing but its own store: run it on another one (--db demo.db), or add the demo's deployments to these books with --keep`,
    );
  if (postgres) {
    if (entries > 0)
      throw new Error(
        `${where} holds the last demo (${entries} journal entries), and the demo never empties a PostgreSQL store: give it a fresh schema (?schema=demo2), or continue it with --keep`,
      );
    return true;
  }
  for (const suffix of ['', '-wal', '-shm']) rmSync(db + suffix, { force: true });
  return true;
}
