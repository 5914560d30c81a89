/**
 * `ReportService`: builds, renders and emails the report — now (`send`), every day on a cron
 * schedule in the account's time zone (`start`), and after each rebalance run (`afterRebalance`).
 *
 * Guarantees: sending never blocks trading and never throws into its caller — `afterRebalance`
 * returns at once (it captures the books synchronously, so the mail shows exactly that run's
 * numbers, and does the rest in the background); a failed send is retried with exponential
 * backoff when the failure is transient (src/reports/retry.ts), then reported through `log` and
 * `status()`. Sends run one at a time; after-rebalance reports waiting behind a slow send are
 * coalesced into the latest one. `stop` ends the schedule, cuts any backoff wait short and waits
 * for the send in progress.
 */
import { Cron } from 'croner';
import type { AccountView } from '../app/api.js';
import type { Clock } from '../app/ports/clock-port.js';
import type { LedgerService } from '../app/journal/ledger-service.js';
import { MailSendError, type MailerPort } from '../app/ports/mailer-port.js';
import { buildReport } from './build-report.js';
import { type ReportSources, gatherReportInput } from './gather-report.js';
import { type MailSettings, type ReportConfig, requireMail } from './report-config.js';
import type { ReportInput, ReportModel, ReportPeriodKind } from './report-model.js';
import { renderReport, reportMessage } from './render-report.js';
import { abortableSleep, withRetry } from './retry.js';

export type ReportTrigger = 'manual' | 'daily' | 'rebalance';

export interface SendOutcome {
  readonly ok: boolean;
  readonly trigger: ReportTrigger;
  readonly attempts: number;
  readonly subject: string | null;
  readonly messageId: string | null;
  readonly error: string | null;
}

export interface ReportStatus {
  readonly last_sent_at: string | null;
  readonly last_subject: string | null;
  readonly last_error: string | null;
  readonly last_error_at: string | null;
  /** Sends that failed (after their retries) since the last success. */
  readonly failures_in_a_row: number;
  readonly sending: boolean;
}

export interface ReportServiceDeps {
  readonly service: LedgerService;
  /** Checks the books against the broker now (`Subledger#account`); optional. */
  readonly account?: () => Promise<AccountView>;
  /** The books' clock (the broker's): the report is valued "as of" its now. */
  readonly clock: Clock;
  readonly mailer: MailerPort;
  readonly config: ReportConfig;
  readonly log?: (level: 'error' | 'info', message: string) => void;
  /** For tests: replaces the backoff wait. */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<boolean>;
}

const defaultLog = (level: 'error' | 'info', message: string) =>
  (level === 'error' ? console.error : console.log)(`reports: ${message}`);

export class ReportService {
  private readonly mail: MailSettings;
  private readonly log: (level: 'error' | 'info', message: string) => void;
  private readonly abort = new AbortController();
  private cron: Cron | undefined;
  private tail: Promise<unknown> = Promise.resolve();
  private pendingRebalance: { input: Promise<ReportInput> } | null = null;
  private state: ReportStatus = {
    last_sent_at: null,
    last_subject: null,
    last_error: null,
    last_error_at: null,
    failures_in_a_row: 0,
    sending: false,
  };

  /** Throws when the config has no mail settings. */
  constructor(private readonly deps: ReportServiceDeps) {
    this.mail = requireMail(deps.config);
    this.log = deps.log ?? defaultLog;
  }

  /**
   * The service the composition root wires, or undefined when no report is scheduled (no daily
   * cron and no after-rebalance send): then nothing is sent and no mailer is created.
   */
  static fromConfig(
    deps: Omit<ReportServiceDeps, 'mailer' | 'config'>,
    config: ReportConfig,
    createMailer: (smtpUrl: string) => MailerPort,
  ): ReportService | undefined {
    if (!config.dailyCron && !config.afterRebalance) return undefined;
    return new ReportService({ ...deps, config, mailer: createMailer(requireMail(config).smtpUrl) });
  }

  private sources(): ReportSources {
    return { service: this.deps.service, ...(this.deps.account ? { account: this.deps.account } : {}) };
  }

  /** Reads the books now; the in-memory part synchronously, before this returns. */
  private gather(period: ReportPeriodKind, asOf: string): Promise<ReportInput> {
    const c = this.deps.config;
    return gatherReportInput(this.sources(), {
      accountName: c.accountName,
      timeZone: c.timeZone,
      period,
      asOf,
      chartDays: c.chartDays,
      maxTrips: c.maxTrips,
    });
  }

  /** The report model of the books now. */
  async build(
    period: ReportPeriodKind = 'day',
    asOf: string = this.deps.clock.now().toISOString(),
  ): Promise<ReportModel> {
    return buildReport(await this.gather(period, asOf));
  }

  status(): ReportStatus {
    return { ...this.state };
  }

  /** Sends the report now (after any send in progress), retrying; resolves with the outcome, never rejects. */
  send(trigger: ReportTrigger = 'manual', period: ReportPeriodKind = 'day'): Promise<SendOutcome> {
    return this.enqueue(() => this.deliver(trigger, this.gather(period, this.deps.clock.now().toISOString())));
  }

  sendDaily(): Promise<SendOutcome> {
    return this.send('daily', 'day');
  }

  /** Queues the report of the books as they are now; returns at once. No-op unless configured. */
  afterRebalance(): void {
    if (!this.deps.config.afterRebalance || this.abort.signal.aborted) return;
    const input = this.gather('day', this.deps.clock.now().toISOString());
    input.catch(() => undefined); // reported when delivered
    if (this.pendingRebalance) {
      this.pendingRebalance.input = input; // a newer run replaces the one still waiting
      return;
    }
    const slot = { input };
    this.pendingRebalance = slot;
    void this.enqueue(() => {
      this.pendingRebalance = null;
      return this.deliver('rebalance', slot.input);
    });
  }

  /** Starts the daily schedule (when configured). */
  start(): void {
    const { dailyCron, timeZone } = this.deps.config;
    if (!dailyCron || this.cron || this.abort.signal.aborted) return;
    this.cron = new Cron(dailyCron, { timezone: timeZone, protect: true }, () => {
      void this.sendDaily();
    });
  }

  /** When the daily report is next due (null when there is no schedule, or it is stopped). */
  nextDailyRun(): Date | null {
    return this.cron?.nextRun() ?? null;
  }

  /** Resolves when no send is in progress or queued. */
  async idle(): Promise<void> {
    let seen: Promise<unknown> | undefined;
    while (seen !== this.tail) {
      seen = this.tail;
      await seen;
    }
  }

  async stop(): Promise<void> {
    this.cron?.stop();
    this.abort.abort();
    await this.idle();
    this.deps.mailer.close();
  }

  private enqueue(job: () => Promise<SendOutcome>): Promise<SendOutcome> {
    const run = this.tail.then(job, job);
    this.tail = run.catch(() => undefined);
    return run;
  }

  private async deliver(trigger: ReportTrigger, input: Promise<ReportInput>): Promise<SendOutcome> {
    this.state = { ...this.state, sending: true };
    let subject: string | null = null;
    try {
      const rendered = await renderReport(buildReport(await input));
      subject = rendered.subject;
      const message = reportMessage(rendered, this.mail.from, this.mail.to);
      const outcome = await withRetry(() => this.deps.mailer.send(message), this.deps.config.retry, {
        retryable: (e) => e instanceof MailSendError && e.retryable,
        signal: this.abort.signal,
        sleep: this.deps.sleep ?? abortableSleep,
        onRetry: (e, attempt, delay) =>
          this.log(
            'error',
            `${trigger} report, attempt ${attempt} failed: ${(e as Error).message}; retrying in ${Math.round(delay / 1000)} s`,
          ),
      });
      if (outcome.ok) {
        this.state = {
          ...this.state,
          last_sent_at: new Date().toISOString(),
          last_subject: subject,
          failures_in_a_row: 0,
        };
        this.log('info', `${trigger} report sent to ${this.mail.to.join(', ')}: ${subject}`);
        return {
          ok: true,
          trigger,
          attempts: outcome.attempts,
          subject,
          messageId: outcome.value.messageId,
          error: null,
        };
      }
      return this.failed(trigger, subject, outcome.attempts, outcome.error);
    } catch (error) {
      return this.failed(trigger, subject, 0, error);
    } finally {
      this.state = { ...this.state, sending: false };
    }
  }

  private failed(trigger: ReportTrigger, subject: string | null, attempts: number, error: unknown): SendOutcome {
    const message = (error as Error)?.message ?? String(error);
    this.state = {
      ...this.state,
      last_error: message,
      last_error_at: new Date().toISOString(),
      failures_in_a_row: this.state.failures_in_a_row + 1,
    };
    this.log(
      'error',
      `${trigger} report NOT sent${attempts > 0 ? ` after ${attempts} attempt${attempts === 1 ? '' : 's'}` : ''}: ${message}`,
    );
    return { ok: false, trigger, attempts, subject, messageId: null, error: message };
  }
}
