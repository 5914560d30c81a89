/**
 * The composition root: config → store → broker → application → HTTP (+ the market clock and the
 * mark-to-market scheduler). The only place that chooses adapters (with src/runtime-broker.ts, the
 * broker, and src/read-only-runtime.ts, the read-only mode of `rebalance --dry-run` and `reconcile`,
 * which never claims the writer lease). `createRuntime` is the writer: it always takes the lease.
 *
 * Scheduling while serving: every `stepMs` the paper market steps one (simulated) minute, then
 * the scheduler ticks on the broker's clock: prices every `markSeconds`, snapshots every
 * SUBLEDGER_SNAPSHOT_SECONDS, each trading day's close (snapshots + history). Step and tick never
 * overlap. Missed closes are caught up from the journal on start.
 *
 * Logging: one pino logger (src/logging.ts; `config.logLevel`) for the HTTP requests, the broker
 * adapter's calls, and this file's events — lease taken / taken over / renewal failed / lost,
 * reconciliation and order-resolution outcomes, scheduler failures. A corrupt journal entry met
 * while serving is fatal (`onFatal`: logged, then the process exits 1), as it is at start-up.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Cron } from 'croner';
import { type Clock, systemClock } from './app/clock-port.js';
import { Engine } from './engine/engine.js';
import { DEFAULT_SMART } from './engine/execution.js';
import type { RebalanceRun } from './engine/rebalance.js';
import { sampleStrategies } from './engine/strategies/index.js';
import type { FastifyInstance } from 'fastify';
import type { Logger as PinoLogger } from 'pino';
import { type RuntimeBroker, openBroker } from './runtime-broker.js';
import { LeaseKeeper, acquireWriterLease, leaseSettingsFromEnv } from './app/writer-lease.js';
import { openStoreAt, thisProcess } from './main/adapters.js';
import { type AppError, journalCorruption } from './app/errors.js';
import type { Logger } from './app/logger.js';
import { LedgerService, type LoadProgress } from './app/ledger-service.js';
import type { HistoryKind } from './app/history.js';
import { usEquityHours } from './app/market-hours.js';
import { Performance } from './app/performance.js';
import { PriceFetchError } from './app/price-updater.js';
import { Recorder } from './app/recorder.js';
import { scheduleConfigFromEnv } from './app/schedule-config.js';
import { MarkScheduler } from './app/scheduler.js';
import type { StorePort } from './app/store-port.js';
import { Subledger } from './app/subledger.js';
import type { RuntimeConfig } from './config.js';
import type { AuthConfig } from './http/auth.js';
import { DeploymentTokens, type TokenIssuer } from './http/tokens.js';
import { buildServer } from './http/server.js';
import { type Gateway, buildGateway } from './gateway/server.js';
import { GatewayKeys } from './gateway/keys.js';
import { journalFeed } from './http/routes/web.js';
import { createSmtpMailer } from './adapters/smtp/smtp-mailer.js';
import { createLogger, safeLocation } from './logging.js';
import { loadReportConfig } from './reports/report-config.js';
import { ReportService } from './reports/report-service.js';

export interface Runtime {
  readonly app: Subledger;
  /** Where this runtime logs (JSON lines on stderr by default). */
  readonly logger: Logger;
  readonly broker: RuntimeBroker;
  readonly store: StorePort;
  readonly auth: AuthConfig;
  /** A deployment's current API token. */
  readonly tokenFor: (deployment: string) => string;
  /** Deployment tokens: issued at creation, re-issued by the admin (kept in the store). */
  readonly tokens: TokenIssuer;
  /** Statistics, history and series (the read side of issue 6). */
  readonly performance: Performance;
  readonly scheduler: MarkScheduler;
  /** Appends every deployment's and strategy's cumulative P&L to the history log as of `ts` (the engine calls it after each rebalance run). */
  readonly appendHistory: (kind: HistoryKind, ts: string) => Promise<void>;
  /** The multi-strategy engine (issue 5). */
  readonly engine: Engine;
  /** Runs one rebalance now and appends the P&L history for it. */
  readonly rebalance: (dryRun?: boolean) => Promise<RebalanceRun>;
  /** The deployments' gateway key pairs (kept hashed in the store). */
  readonly gatewayKeys: GatewayKeys;
  /** The gateway's base URL once `serve` started it (config `gatewayPort`), else undefined. */
  gatewayUrl(): string | undefined;
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
  /** The logger (default: pino on stderr at `config.logLevel`). */
  logger?: PinoLogger;
  /**
   * Called once when serving meets an error the process must not survive (a corrupt journal
   * entry). Default: log it (fatal), close what can be closed within 3 s, exit with code 1.
   */
  onFatal?: (error: Error) => void;
}

export async function createRuntime(config: RuntimeConfig, options: RuntimeOptions = {}): Promise<Runtime> {
  const logger = options.logger ?? createLogger({ level: config.logLevel });
  const command = options.command ?? 'serve';
  logger.info({ command, store: safeLocation(config.db), broker: config.broker }, 'starting');
  const store = await openStoreAt(config.db, false);
  const settings = leaseSettingsFromEnv();
  let keeper: LeaseKeeper | undefined;
  try {
    // One writer per store: take the lease before reading the journal, so nothing else appends to it.
    const taken = await acquireWriterLease(store, thisProcess(command), {
      takeOver: config.takeOver,
      settings,
      onNote: (message) => logger.warn({ lease: 'take-over' }, message),
    });
    logger.info(
      { lease: 'taken', epoch: taken.epoch, expires_at: new Date(taken.expiresAt).toISOString(), command },
      'writer lease taken',
    );
    // Execution ids must never repeat across runs (a repeat would be dropped as a duplicate fill),
    // so every process gets its own id prefix.
    const idPrefix = options.idPrefix ?? `p${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
    // The service needs a clock before the broker (whose clock it is) can be built: bind it late.
    const clockRef: { current: Clock } = { current: systemClock };
    const service = await LedgerService.load(store, {
      now: () => clockRef.current.now(),
      ...(options.onLoad ? { onProgress: options.onLoad } : {}),
    });
    service.onFenced(options.onLeaseLost ?? ((error) => leaseLost(logger, error)));
    const lease = new LeaseKeeper(
      store,
      settings,
      (error) => {
        logger.error({ lease: 'lost', error: error.message }, 'writer lease lost: this process writes no more');
        service.lostLease(error);
      },
      Date.now,
      (error) =>
        logger.warn({ lease: 'renewal failed', error: error.message }, 'writer lease renewal failed; retrying'),
    );
    keeper = lease;
    lease.start();
    const broker = await openBroker(config, service, store, idPrefix, logger);
    clockRef.current = broker.clock;
    const schedule = scheduleConfigFromEnv(process.env, config.markSeconds);
    const app = new Subledger({
      service,
      broker,
      market: broker,
      clock: broker.clock,
      hours: usEquityHours,
      staleMarkSeconds: schedule.staleAfterSeconds,
      log: logAs(logger, 'prices'),
      onError: (error) => logger.error({ err: error }, 'could not book a broker report (it is delivered again)'),
    });
    await app.start();
    await broker.ready();
    // Orders journaled but never acknowledged (a crash between the journal and the broker), and
    // orders that ended at the broker while we were down, take the broker's word before we serve.
    await resolveOrders(app, 'at start-up', logger);
    await checkAccount(app, 'at start-up', logger);
    const recorder = new Recorder(service);
    const performance = new Performance(store);
    const scheduler = new MarkScheduler({
      prices: app.prices,
      recorder,
      hours: usEquityHours,
      clock: broker.clock,
      store,
      options: schedule,
      log: logAs(logger, 'scheduler'),
    });
    const engine = new Engine(
      {
        app: app.engine,
        market: broker,
        clock: broker.clock,
        registry: sampleStrategies(),
        wait: async () => void (await broker.step()),
      },
      { universe: broker.symbols, policy: config.execution === 'smart' ? DEFAULT_SMART : { kind: 'market' } },
    );
    const reports = ReportService.fromConfig(
      { service, account: () => app.account(), clock: broker.clock, log: logAs(logger, 'reports') },
      loadReportConfig({}, process.env),
      createSmtpMailer,
    );
    const rebalance = async (dryRun = false) => {
      const run = await engine.rebalance(dryRun);
      if (!dryRun) {
        // The run's history row holds the prices of the minute it ended: the held symbols are
        // marked first, so nothing of that minute is journaled after the row (a replay agrees).
        await app.markToMarket().catch((error: unknown) => {
          if (!(error instanceof PriceFetchError)) throw error; // logged by the price updater; the row keeps the last marks
        });
        await recorder.appendHistory('rebalance', run.summary.finished_at);
        reports?.afterRebalance();
      }
      return run;
    };
    const auth = {
      adminToken: await secret(store, 'auth.admin_token', config.adminToken),
      tokenSecret: await secret(store, 'auth.token_secret', config.tokenSecret),
    };
    const tokens = await DeploymentTokens.load(auth.tokenSecret, store);
    const gatewayKeys = await GatewayKeys.load(store);
    let http: FastifyInstance | undefined;
    let gateway: Gateway | undefined;
    let gatewayUrl: string | undefined;
    const timers: NodeJS.Timeout[] = [];
    const crons: Cron[] = [];
    // Periodic work still running (a market step and its tick, an order sweep, a check): close()
    // waits for it before the store closes, so nothing is cut off mid-write.
    const inFlight = new Set<Promise<unknown>>();
    const track = (work: Promise<unknown>) => {
      inFlight.add(work);
      void work.finally(() => inFlight.delete(work));
    };
    let stopping = false;
    const fatal =
      options.onFatal ??
      ((error: Error) => {
        if (stopping) return;
        stopping = true;
        logger.fatal(errorFields(error), `${error.message}; stopping`);
        void Promise.race([runtime.close(), sleep(3000)])
          .catch(() => undefined)
          .finally(() => process.exit(1));
      });
    /** A background failure: fatal when the journal is corrupt, else logged (and retried on the next run). */
    const failed = (what: string) => (error: unknown) => {
      const corrupt = journalCorruption(error);
      if (corrupt) fatal(corrupt);
      else logger.warn({ err: error }, `${what} failed`);
    };
    const runtime: Runtime = {
      app,
      logger,
      broker,
      store,
      auth,
      tokenFor: (deployment) => tokens.token(deployment),
      tokens,
      gatewayKeys,
      gatewayUrl: () => gatewayUrl,
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
          tokens,
          gatewayKeys,
          logger,
          onFatal: fatal,
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
              rebalance().catch(failed('scheduled rebalance'));
            }),
          );
        }
        const url = await http.listen({ host: config.host, port: config.port });
        logger.info({ url, broker: broker.source }, 'listening');
        if (config.gatewayPort !== undefined) {
          gateway = await buildGateway({
            app,
            keys: gatewayKeys,
            market: broker,
            clock: broker.clock,
            hours: usEquityHours,
            logger,
            brokerRequestsPerMinute: config.alpaca.rateLimit,
            performance,
            symbols: () => broker.symbols,
            ...(broker.dataStream ? { dataStream: broker.dataStream } : {}),
            ...(broker.marketInfo ? { marketInfo: broker.marketInfo } : {}),
          });
          gatewayUrl = await gateway.fastify.listen({ host: config.host, port: config.gatewayPort });
          logger.info({ url: gatewayUrl }, 'gateway listening');
        }
        timers.push(setInterval(() => track(checkAccount(app, 'scheduled check', logger)), RECONCILE_EVERY_MS));
        timers.push(setInterval(() => track(resolveOrders(app, 'scheduled', logger)), RESOLVE_ORDERS_EVERY_MS));
        let stepping = false;
        timers.push(
          setInterval(() => {
            if (stepping) return;
            stepping = true;
            track(
              broker
                .step()
                .then(() => scheduler.tick())
                .catch(failed('market step / scheduler'))
                .finally(() => (stepping = false)),
            );
          }, config.stepMs),
        );
        return url;
      },
      async close() {
        await reports?.stop();
        for (const t of timers) clearInterval(t);
        for (const c of crons) c.stop();
        await Promise.allSettled([...inFlight]);
        await gateway?.close();
        await http?.close();
        await app.stop();
        await broker.close();
        await lease.release();
        await store.close();
        logger.info({ lease: 'released' }, 'stopped; writer lease released');
      },
    };
    return runtime;
  } catch (error) {
    logger.fatal(errorFields(error), `start-up failed: ${(error as Error)?.message ?? String(error)}`);
    keeper?.stop(); // store.close() below frees the lease
    await store.close();
    throw error;
  }
}

/** The `(level, message)` hook the app's services report through, as log lines of `component`. */
function logAs(logger: Logger, component: string): (level: 'error' | 'info', message: string) => void {
  return (level, message) => logger[level]({ component }, message);
}

/** What a log line says about an error: a corrupt entry's seq and fields, an AppError's code, else the error with its stack. */
function errorFields(error: unknown): Record<string, unknown> {
  const corrupt = journalCorruption(error);
  if (corrupt) return { journal: { entry: corrupt.where, problems: corrupt.problems } };
  if (error instanceof Error && 'code' in error && typeof error.code === 'string') return { code: error.code };
  if (error instanceof Error && error.name === 'LeaseHeldError') return { lease: 'held' };
  return { err: error };
}

/** The default when the lease is lost: nothing more is written; say so and stop the process. */
function leaseLost(logger: Logger, error: AppError): void {
  logger.fatal({ lease: 'lost', code: error.code, details: error.details }, `${error.message}; stopping`);
  process.exit(3);
}

const RECONCILE_EVERY_MS = 5 * 60_000;
const RESOLVE_ORDERS_EVERY_MS = 30_000;

/** Sweeps orders not acknowledged by the broker (or ended there unseen); never throws. */
async function resolveOrders(app: Subledger, when: string, logger: Logger): Promise<void> {
  const result = await app.resolveAllOrders();
  const { adopted, sent, expired, canceled, failed } = result;
  if (adopted + sent + expired + canceled + failed > 0)
    logger[failed > 0 ? 'warn' : 'info'](
      { recovery: 'order resolution', when, adopted, sent, expired, canceled, failed },
      `order resolution ${when}: ${adopted} taken from the broker, ${sent} sent (the broker never had them), ${expired} expired unsent, ${canceled} cancel(s) carried out, ${failed} not reachable (retried in 30 s)`,
    );
}

/** Books the broker's corporate actions, then reports any drift between broker and books (never absorbs it). */
async function checkAccount(app: Subledger, when: string, logger: Logger): Promise<void> {
  try {
    await app.syncCorporateActions();
    const account = await app.account();
    if (!account.reconciled) {
      const drift = account.differences
        .filter((d) => d.difference !== '0')
        .map((d) => `${d.item} ${d.difference} (${d.likely_cause})`);
      logger.error({ reconciliation: when, drift }, `reconciliation ${when}: the books do not equal the broker`);
    } else logger.debug({ reconciliation: when }, `reconciliation ${when}: balanced`);
  } catch (error) {
    logger.warn({ reconciliation: when, error: (error as Error).message }, `reconciliation ${when} failed`);
  }
}
