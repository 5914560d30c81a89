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
 * Standbys (docs/decisions/0006-standbys.md): on PostgreSQL, a process that finds the writer lease
 * held by a live writer runs as a hot standby instead of exiting: it follows the committed journal
 * (standby.ts), serves every read, refuses writes with 503 NOT_WRITER, and once the lease expires
 * claims it (epoch + 1), folds the rest of the journal, and starts as the writer does — booking the
 * broker's reports (the stream and its backfill), resolving in-flight orders, reconciling — before
 * it accepts a write. `--take-over` keeps its meaning (wait for the lease, never stand by); on
 * SQLite a held lease still ends the start.
 *
 * Checkpoints (checkpoint.ts): the writer writes one at the cadence of SUBLEDGER_CHECKPOINT_EVENTS /
 * SUBLEDGER_CHECKPOINT_SECONDS; every start loads the latest and folds only the journal after it.
 *
 * Logging: one pino logger (src/logging.ts; `config.logLevel`) for the HTTP requests, the broker
 * adapter's calls, and this file's events — lease taken / taken over / renewal failed / lost,
 * reconciliation and order-resolution outcomes, scheduler failures. A corrupt journal entry met
 * while serving is fatal (`onFatal`: logged, then the process exits 1), as it is at start-up.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Cron } from 'croner';
import { type Clock, systemClock } from './app/ports/clock-port.js';
import { Engine } from './engine/engine.js';
import { DEFAULT_SMART } from './engine/execution.js';
import type { RebalanceRun } from './engine/rebalance.js';
import { sampleStrategies } from './engine/strategies/index.js';
import type { FastifyInstance } from 'fastify';
import type { Logger as PinoLogger } from 'pino';
import { type RuntimeBroker, openBroker } from './runtime-broker.js';
import { LeaseHeldError, LeaseKeeper, acquireWriterLease, leaseSettingsFromEnv } from './app/cluster/writer-lease.js';
import { Checkpointer, checkpointSettingsFromEnv } from './app/journal/checkpoint.js';
import { JournalFollower, LeaseWatcher, standbySettings } from './app/cluster/standby.js';
import { type ClusterView, type Role, refuseWritesOnStandby } from './http/routes/health.js';
import { openStoreAt, thisProcess } from './main/adapters.js';
import { type AppError, journalCorruption } from './app/errors.js';
import type { Logger } from './app/ports/logger.js';
import { LedgerService, type LoadProgress } from './app/journal/ledger-service.js';
import type { HistoryKind } from './app/performance/history.js';
import { usEquityHours } from './app/marks/market-hours.js';
import { Performance } from './app/performance/performance.js';
import { Controls } from './app/risk/controls.js';
import { LossWatcher } from './app/risk/loss-watch.js';
import { mailBreaches } from './app/risk/breach-alert.js';
import { PriceFetchError } from './app/marks/price-updater.js';
import { Recorder } from './app/marks/recorder.js';
import { scheduleConfigFromEnv } from './app/marks/schedule-config.js';
import { MarkScheduler } from './app/marks/scheduler.js';
import type { StorePort, WriterLease } from './app/ports/store-port.js';
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
  /** The kill switch, loss-limit breaches and figures, and the wash-sale report (issue 19). */
  readonly controls: Controls;
  /** The gateway's base URL once `serve` started it (config `gatewayPort`), else undefined. */
  gatewayUrl(): string | undefined;
  /** Writer or standby, epoch, seq and lag (what /health and /ready report). */
  cluster(): Promise<ClusterView>;
  /** Starts the HTTP server, the market clock and the mark-to-market timer. Returns the base URL. */
  serve(): Promise<string>;
  close(): Promise<void>;
}

/** A secret the writer generated and keeps in the store, read by a standby (waits until it is there). */
async function storedSecret(
  store: StorePort,
  name: string,
  given: string | undefined,
  logger: Logger,
): Promise<string> {
  if (given) return given;
  for (let attempt = 0; ; attempt++) {
    const stored = await store.getCursor(name);
    if (stored) return stored;
    if (attempt === 0) logger.warn({ secret: name }, `waiting for the writer to generate ${name}`);
    await sleep(500);
  }
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
  const me = thisProcess(command);
  let keeper: LeaseKeeper | undefined;
  let follower: JournalFollower | undefined;
  try {
    // One writer per store: take the lease before reading the journal, so nothing else appends to
    // it. On PostgreSQL a live writer's lease makes this process a standby instead.
    let role: Role = 'writer';
    let heldBy: WriterLease | undefined;
    try {
      const taken = await acquireWriterLease(store, me, {
        takeOver: config.takeOver,
        settings,
        onNote: (message) => logger.warn({ lease: 'take-over' }, message),
      });
      logger.info(
        { lease: 'taken', epoch: taken.epoch, expires_at: new Date(taken.expiresAt).toISOString(), command },
        'writer lease taken',
      );
    } catch (error) {
      if (!(error instanceof LeaseHeldError) || store.kind !== 'postgres' || config.takeOver) throw error;
      role = 'standby';
      heldBy = error.lease;
      const h = error.lease.holder;
      logger.warn(
        { lease: 'held', role, epoch: error.lease.epoch, writer: { host: h.host, pid: h.pid } },
        `the writer lease is held by pid ${h.pid} on ${h.host}: running as a standby (reads served, writes refused with NOT_WRITER)`,
      );
    }
    // Execution ids must never repeat across runs (a repeat would be dropped as a duplicate fill),
    // so every process gets its own id prefix.
    const idPrefix = options.idPrefix ?? `p${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
    // The service needs a clock before the broker (whose clock it is) can be built: bind it late.
    const clockRef: { current: Clock } = { current: systemClock };
    const service = await LedgerService.load(store, {
      now: () => clockRef.current.now(),
      ...(options.onLoad ? { onProgress: options.onLoad } : {}),
      onNote: (message) => logger.warn({ checkpoint: 'not used' }, message),
    });
    logger.info({ checkpoint_seq: service.checkpointSeq, seq: service.lastSeq }, 'journal loaded');
    service.onFenced(options.onLeaseLost ?? ((error) => leaseLost(logger, error)));
    const checkpointer = new Checkpointer(
      store,
      service,
      checkpointSettingsFromEnv(),
      (error) => logger.warn({ checkpoint: 'failed', error: error.message }, 'checkpoint write failed; retried later'),
      Date.now,
      service.checkpointSeq,
    );
    const standby = standbySettings(settings);
    // `fatal` (below) needs the runtime; what runs before it exists reaches it through this.
    const fatalRef: { current: (error: Error) => void } = {
      current: (error) => {
        throw error;
      },
    };
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
    if (role === 'writer') lease.start();
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
    /** What a writer does before it takes a write: at start-up, or once a standby claimed the lease. */
    const startBooking = async (when: string) => {
      await app.start();
      await broker.ready();
      // Orders journaled but never acknowledged (a crash between the journal and the broker), and
      // orders that ended at the broker while we were down, take the broker's word before we serve.
      await resolveOrders(app, when, logger);
      await checkAccount(app, when, logger);
      checkpointer.start();
    };
    if (role === 'writer') await startBooking('at start-up');
    else {
      follower = new JournalFollower(service, store, standby, (error) => {
        const corrupt = journalCorruption(error);
        if (corrupt) fatalRef.current(corrupt);
        else
          logger.warn(
            { standby: 'follow failed', error: (error as Error).message },
            'reading the journal failed; retrying',
          );
      });
      await follower.start();
    }
    const recorder = new Recorder(service);
    // The kill switch and loss limits (issue 19): a breach journaled before a restart is carried out now.
    const controls = new Controls(app, broker.clock);
    const losses = new LossWatcher({
      app,
      flattener: controls.flattener,
      clock: broker.clock,
      log: logAs(logger, 'limits'),
      // Breaches are mailed through the report mailer when one is configured (SMTP_URL, …).
      alert: mailBreaches(loadReportConfig({}, process.env).mail, createSmtpMailer, (id) => app.getDeployment(id).name),
    });
    // Only a writer carries out breaches and flattens (a standby cannot journal): at start-up, or
    // once a standby took the lease over (promote, below).
    let controlsStarted = false;
    const startControls = async () => {
      if (controlsStarted) return;
      controlsStarted = true;
      service.subscribe(() => void controls.flattener.settle().catch(failedQuietly(logger)));
      losses.start();
      await losses.resume();
    };
    if (role === 'writer') await startControls();
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
    const keep = role === 'writer' ? secret : (s: StorePort, n: string, g?: string) => storedSecret(s, n, g, logger);
    const auth = {
      adminToken: await keep(store, 'auth.admin_token', config.adminToken),
      tokenSecret: await keep(store, 'auth.token_secret', config.tokenSecret),
    };
    const tokens = await DeploymentTokens.load(auth.tokenSecret, store);
    const gatewayKeys = await GatewayKeys.load(store);
    let http: FastifyInstance | undefined;
    let gateway: Gateway | undefined;
    let gatewayUrl: string | undefined;
    const timers: NodeJS.Timeout[] = [];
    const crons: Cron[] = [];
    // A standby reads the writer's key and token changes from the store every second: a revoked
    // gateway key or a re-issued deployment token is refused here too, a new one accepted.
    if (role === 'standby') {
      const refresh = setInterval(() => {
        if (role !== 'standby') return clearInterval(refresh);
        void Promise.all([tokens.reload(), gatewayKeys.reload()]).catch((error: unknown) =>
          logger.warn(
            { standby: 'credentials reload failed', error: (error as Error).message },
            'reading the gateway keys and token generations failed; retrying',
          ),
        );
      }, 1000);
      refresh.unref();
      timers.push(refresh);
    }
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
    fatalRef.current = fatal;
    /** A background failure: fatal when the journal is corrupt, else logged (and retried on the next run). */
    const failed = (what: string) => (error: unknown) => {
      const corrupt = journalCorruption(error);
      if (corrupt) fatal(corrupt);
      else logger.warn({ err: error }, `${what} failed`);
    };
    let watcher: LeaseWatcher | undefined;
    let started = false;
    /** The writer's periodic work: the scheduler, reports, the rebalance cron, checks and market steps. */
    const startWriting = async () => {
      // Missed day closes are recorded after this returns: start-up does not grow with them.
      await scheduler.startInBackground(failed('catching up missed day closes'));
      reports?.start();
      if (config.rebalanceCron) {
        crons.push(
          new Cron(config.rebalanceCron, { protect: true }, () => {
            rebalance().catch(failed('scheduled rebalance'));
          }),
        );
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
    };
    /**
     * The standby claimed the lease: nothing else can commit now, so the journal is folded to its
     * end, then the process starts as a writer does; writes are refused until it is done.
     */
    const promote = async (claimed: WriterLease) => {
      logger.warn(
        { lease: 'taken over', epoch: claimed.epoch, role: 'writer' },
        `the writer lease expired: this standby takes it over (epoch ${claimed.epoch})`,
      );
      try {
        await follower?.stop();
        await service.follow();
        lease.start();
        await startBooking('at take-over');
        await startControls();
        await startWriting();
        role = 'writer';
        logger.warn({ lease: 'writing', epoch: claimed.epoch, seq: service.lastSeq }, 'writing as the new writer');
      } catch (error) {
        fatal(error as Error); // exits; the lease is released for another standby
      }
    };
    /** Why a write is refused here (undefined: this process writes). */
    const refusal = () => {
      if (role === 'writer') return undefined;
      const h = (watcher?.current ?? heldBy)?.holder;
      return {
        message: `NOT_WRITER: this process is a standby; writes go to the writer${h ? ` (pid ${h.pid} on ${h.host})` : ''}. Retry there, or here once this process took over.`,
        details: { retryable: true, ...(h ? { writer: { host: h.host, pid: h.pid, command: h.command } } : {}) },
      };
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
      controls,
      gatewayUrl: () => gatewayUrl,
      performance,
      scheduler,
      engine,
      rebalance,
      appendHistory: (kind, ts) => recorder.appendHistory(kind, ts),
      cluster: async () => {
        const lastSeq = role === 'writer' ? service.lastSeq : (await store.journalStats()).lastSeq;
        const lease = role === 'writer' ? undefined : (watcher?.current ?? heldBy);
        return {
          role,
          epoch: role === 'writer' ? (store.writerEpoch ?? 0) : (lease?.epoch ?? 0),
          seq: service.lastSeq,
          lag: Math.max(0, lastSeq - service.lastSeq),
          followed_at:
            role === 'writer' || !follower?.lastCaughtUpAt ? null : new Date(follower.lastCaughtUpAt).toISOString(),
          writer: lease ? { host: lease.holder.host, pid: lease.holder.pid, command: lease.holder.command } : null,
          serving: started,
        };
      },
      async serve() {
        if (role === 'writer') await startWriting();
        else {
          watcher = new LeaseWatcher(
            store,
            me,
            settings,
            standby.leasePollMs,
            (claimed) => void promote(claimed),
            (error) =>
              logger.warn({ standby: 'lease poll failed', error: (error as Error).message }, 'lease poll failed'),
          );
          watcher.start();
        }
        http = buildServer({
          api: app,
          auth,
          tokens,
          gatewayKeys,
          logger,
          onFatal: fatal,
          performance,
          controls,
          web: { feed: journalFeed(service) },
          rebalances: {
            listRebalances: (n) => engine.listRebalances(n),
            getRebalance: (id) => engine.getRebalance(id),
            rebalance,
          },
          cluster: () => runtime.cluster(),
        });
        refuseWritesOnStandby(http, () => refusal(), 'api');
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
          refuseWritesOnStandby(gateway.fastify, () => refusal(), 'alpaca');
          gatewayUrl = await gateway.fastify.listen({ host: config.host, port: config.gatewayPort });
          logger.info({ url: gatewayUrl }, 'gateway listening');
        }
        started = true;
        return url;
      },
      async close() {
        watcher?.stop();
        await follower?.stop();
        await checkpointer.stop();
        await scheduler.stop();
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

/** Logs a background failure of the kill switch's bookkeeping (retried on the next commit). */
function failedQuietly(logger: PinoLogger): (error: unknown) => void {
  return (error) => logger.warn({ err: error }, 'flatten bookkeeping failed');
}
