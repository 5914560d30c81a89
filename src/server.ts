/**
 * The composition root: config → store → broker → application → HTTP (+ the market clock and the
 * mark-to-market scheduler). The only place that chooses adapters.
 *
 * Scheduling while serving: every `stepMs` the paper market steps one (simulated) minute, then
 * the scheduler ticks on the broker's clock: prices every `markSeconds`, snapshots every
 * SUBLEDGER_SNAPSHOT_SECONDS, each trading day's close (snapshots + history). Step and tick never
 * overlap. Missed closes are caught up from the journal on start.
 */
import { randomBytes } from 'node:crypto';
import { Cron } from 'croner';
import { type Clock, systemClock } from './app/clock-port.js';
import { Engine } from './engine/engine.js';
import { DEFAULT_SMART } from './engine/execution.js';
import type { RebalanceRun } from './engine/rebalance.js';
import { sampleStrategies } from './engine/strategies/index.js';
import type { FastifyInstance } from 'fastify';
import { type RuntimeBroker, openBroker } from './runtime-broker.js';
import { openStore } from './adapters/sql/open-store.js';
import { LeaseKeeper, acquireWriterLease, leaseSettingsFromEnv, thisProcess } from './app/writer-lease.js';
import type { AppError } from './app/errors.js';
import { LedgerService, type LoadProgress } from './app/ledger-service.js';
import type { HistoryKind } from './app/history.js';
import { usEquityHours } from './app/market-hours.js';
import { Performance } from './app/performance.js';
import { Recorder } from './app/recorder.js';
import { scheduleConfigFromEnv } from './app/schedule-config.js';
import { MarkScheduler } from './app/scheduler.js';
import type { StorePort } from './app/store-port.js';
import { Subledger } from './app/subledger.js';
import type { RuntimeConfig } from './config.js';
import { type AuthConfig, deploymentToken } from './http/auth.js';
import { buildServer } from './http/server.js';
import { journalFeed } from './http/routes/web.js';
import { createSmtpMailer } from './adapters/smtp/smtp-mailer.js';
import { loadReportConfig } from './reports/report-config.js';
import { ReportService } from './reports/report-service.js';

export interface Runtime {
  readonly app: Subledger;
  readonly broker: RuntimeBroker;
  readonly store: StorePort;
  readonly auth: AuthConfig;
  readonly tokenFor: (deployment: string) => string;
  /** Statistics, history and series (the read side of issue 6). */
  readonly performance: Performance;
  readonly scheduler: MarkScheduler;
  /** Appends every deployment's and strategy's cumulative P&L to the history log as of `ts` (the engine calls it after each rebalance run). */
  readonly appendHistory: (kind: HistoryKind, ts: string) => Promise<void>;
  /** The multi-strategy engine (issue 5). */
  readonly engine: Engine;
  /** Runs one rebalance now and appends the P&L history for it. */
  readonly rebalance: (dryRun?: boolean) => Promise<RebalanceRun>;
  /** Starts the HTTP server, the market clock and the mark-to-market timer. Returns the base URL. */
  serve(): Promise<string>;
  close(): Promise<void>;
}

/** Keeps generated secrets in the store, so tokens survive restarts. */
async function secret(store: StorePort, name: string, given: string | undefined): Promise<string> {
  if (given) return given;
  const stored = await store.getCursor(name);
  if (stored) return stored;
  const fresh = randomBytes(24).toString('base64url');
  await store.setCursor(name, fresh);
  return fresh;
}

export interface RuntimeOptions {
  idPrefix?: string;
  onLoad?: LoadProgress;
  /** The command that holds the writer lease, for messages (default 'serve'). */
  command?: string;
  /**
   * Called once if this process loses the writer lease (another process took it over): by then
   * nothing more is written. Default: say why on stderr and exit with code 3.
   */
  onLeaseLost?: (error: AppError) => void;
}

export async function createRuntime(config: RuntimeConfig, options: RuntimeOptions = {}): Promise<Runtime> {
  const store = await openStore(config.db);
  const settings = leaseSettingsFromEnv();
  let keeper: LeaseKeeper | undefined;
  try {
    // One writer per store: take the lease before reading the journal, so nothing else appends to it.
    await acquireWriterLease(store, thisProcess(options.command ?? 'serve'), {
      takeOver: config.takeOver,
      settings,
      onNote: (message) => console.error(message),
    });
    // Execution ids must never repeat across runs (a repeat would be dropped as a duplicate fill),
    // so every process gets its own id prefix.
    const idPrefix = options.idPrefix ?? `p${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
    // The service needs a clock before the broker (whose clock it is) can be built: bind it late.
    const clockRef: { current: Clock } = { current: systemClock };
    const service = await LedgerService.load(store, {
      now: () => clockRef.current.now(),
      ...(options.onLoad ? { onProgress: options.onLoad } : {}),
    });
    service.onFenced(options.onLeaseLost ?? leaseLost);
    const lease = new LeaseKeeper(store, settings, (error) => service.lostLease(error));
    keeper = lease;
    lease.start();
    const broker = await openBroker(config, service, store, idPrefix);
    clockRef.current = broker.clock;
    const schedule = scheduleConfigFromEnv(process.env, config.markSeconds);
    const app = new Subledger({
      service,
      broker,
      market: broker,
      clock: broker.clock,
      hours: usEquityHours,
      staleMarkSeconds: schedule.staleAfterSeconds,
    });
    await app.start();
    await broker.ready();
    await checkAccount(app, 'at start-up');
    const recorder = new Recorder(service);
    const performance = new Performance(store);
    const scheduler = new MarkScheduler({
      prices: app.prices,
      recorder,
      hours: usEquityHours,
      clock: broker.clock,
      store,
      options: schedule,
    });
    const engine = new Engine(
      {
        app,
        market: broker,
        clock: broker.clock,
        registry: sampleStrategies(),
        wait: async () => void (await broker.step()),
      },
      { universe: broker.symbols, policy: config.execution === 'smart' ? DEFAULT_SMART : { kind: 'market' } },
    );
    const reports = ReportService.fromConfig(
      { service, account: () => app.account(), clock: broker.clock },
      loadReportConfig({}, process.env),
      createSmtpMailer,
    );
    const rebalance = async (dryRun = false) => {
      const run = await engine.rebalance(dryRun);
      if (!dryRun) {
        await recorder.appendHistory('rebalance', run.summary.finished_at);
        reports?.afterRebalance();
      }
      return run;
    };
    const auth = {
      adminToken: await secret(store, 'auth.admin_token', config.adminToken),
      tokenSecret: await secret(store, 'auth.token_secret', config.tokenSecret),
    };
    let http: FastifyInstance | undefined;
    const timers: NodeJS.Timeout[] = [];
    const crons: Cron[] = [];
    return {
      app,
      broker,
      store,
      auth,
      tokenFor: (deployment) => deploymentToken(auth.tokenSecret, deployment),
      performance,
      scheduler,
      engine,
      rebalance,
      appendHistory: (kind, ts) => recorder.appendHistory(kind, ts),
      async serve() {
        await scheduler.start();
        reports?.start();
        http = buildServer({
          api: app,
          auth,
          performance,
          web: { feed: journalFeed(service) },
          rebalances: {
            listRebalances: (n) => engine.listRebalances(n),
            getRebalance: (id) => engine.getRebalance(id),
            rebalance,
          },
        });
        if (config.rebalanceCron) {
          crons.push(
            new Cron(config.rebalanceCron, { protect: true }, () => {
              rebalance().catch((e) => console.error('scheduled rebalance failed:', (e as Error).message));
            }),
          );
        }
        const url = await http.listen({ host: config.host, port: config.port });
        timers.push(setInterval(() => void checkAccount(app, 'scheduled check'), RECONCILE_EVERY_MS));
        let stepping = false;
        timers.push(
          setInterval(() => {
            if (stepping) return;
            stepping = true;
            broker
              .step()
              .then(() => scheduler.tick())
              .catch((e) => console.error('market step / scheduler failed:', (e as Error).message))
              .finally(() => (stepping = false));
          }, config.stepMs),
        );
        return url;
      },
      async close() {
        await reports?.stop();
        for (const t of timers) clearInterval(t);
        for (const c of crons) c.stop();
        await http?.close();
        await app.stop();
        await broker.close();
        await lease.release();
        await store.close();
      },
    };
  } catch (error) {
    await keeper?.release();
    await store.releaseLease().catch(() => undefined);
    await store.close();
    throw error;
  }
}

/** The default when the lease is lost: nothing more is written; say so and stop the process. */
function leaseLost(error: AppError): void {
  console.error(`error: ${error.message}; stopping`);
  process.exit(3);
}

const RECONCILE_EVERY_MS = 5 * 60_000;

/** Books the broker's corporate actions, then reports any drift between broker and books (never absorbs it). */
async function checkAccount(app: Subledger, when: string): Promise<void> {
  try {
    await app.syncCorporateActions();
    const account = await app.account();
    if (!account.reconciled) {
      const drift = account.differences
        .filter((d) => d.difference !== '0')
        .map((d) => `${d.item} ${d.difference} (${d.likely_cause})`);
      console.error(`reconciliation ${when}: the books do not equal the broker: ${drift.join('; ')}`);
    }
  } catch (error) {
    console.error(`reconciliation ${when} failed: ${(error as Error).message}`);
  }
}
