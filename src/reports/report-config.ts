/**
 * Report settings from flags and the environment, validated at start with messages that name the
 * setting, what is wrong and an example. Flags win over the environment.
 *
 * SMTP_URL (or SUBLEDGER_SMTP_URL): smtp://user:pass@host:587 or smtps://…:465 (nodemailer's
 *   query options pass through, e.g. ?ignoreTLS=true);
 * SUBLEDGER_REPORT_FROM: the sender ("Subledger <reports@example.com>");
 * SUBLEDGER_REPORT_TO: recipients, separated by commas;
 * SUBLEDGER_REPORT_TZ: the account's time zone (default America/New_York);
 * SUBLEDGER_REPORT_ACCOUNT: the account's name in the report (default "Subledger");
 * SUBLEDGER_REPORT_CRON: when `serve` sends the daily report, a cron expression in that time
 *   zone (e.g. "5 17 * * 1-5": 17:05 on weekdays); unset = no daily send;
 * SUBLEDGER_REPORT_AFTER_REBALANCE: "1"/"true" sends a report after each rebalance run;
 * SUBLEDGER_REPORT_RETRIES (attempts in all, default 6), SUBLEDGER_REPORT_RETRY_MS (the first
 *   wait, default 10000, doubling up to 10 minutes).
 *
 * Entry points: `loadReportConfig(flags, env)` (throws an Error listing every bad setting),
 * `requireMail(config)` (throws when sending is asked for but not configured).
 */
import { Cron } from 'croner';
import type { RetryPolicy } from './retry.js';
import { timeZoneProblem } from './time-zone.js';

export interface MailSettings {
  readonly smtpUrl: string;
  readonly from: string;
  readonly to: readonly string[];
}

export interface ReportConfig {
  /** Complete mail settings, or undefined when none is set. */
  readonly mail: MailSettings | undefined;
  readonly timeZone: string;
  readonly accountName: string;
  readonly dailyCron: string | undefined;
  readonly afterRebalance: boolean;
  readonly retry: RetryPolicy;
  readonly chartDays: number;
  /** Closed positions listed in a report (its totals count all). */
  readonly maxTrips: number;
}

export interface ReportFlags {
  smtpUrl?: string;
  from?: string;
  to?: string;
  tz?: string;
  accountName?: string;
  cron?: string;
  afterRebalance?: boolean;
  chartDays?: string;
  maxTrips?: string;
}

const ADDRESS = /^[^\s@<>",;]+@[^\s@<>",;]+\.[^\s@<>",;]+$/;

/** Why `text` is not an address ("a@b.example" or "Name <a@b.example>"), or undefined. */
export function addressProblem(text: string): string | undefined {
  const match = /^\s*(?:[^<>]*<([^<>]+)>|([^<>]+))\s*$/.exec(text);
  const address = (match?.[1] ?? match?.[2] ?? '').trim();
  return ADDRESS.test(address)
    ? undefined
    : `"${text}" is not an email address (expected e.g. reports@example.com or "Subledger <reports@example.com>")`;
}

function smtpUrlProblem(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `SMTP_URL "${text}" is not a URL (expected e.g. smtp://user:password@smtp.example.com:587)`;
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:')
    return `SMTP_URL must start with smtp:// or smtps://, not ${url.protocol}//`;
  if (!url.hostname) return 'SMTP_URL has no host (expected e.g. smtp://user:password@smtp.example.com:587)';
  return undefined;
}

function wholeNumber(name: string, text: string, min: number, max: number, problems: string[]): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || n < min || n > max)
    problems.push(`${name} must be a whole number from ${min} to ${max}, not "${text}"`);
  return n;
}

export function loadReportConfig(flags: ReportFlags, env: NodeJS.ProcessEnv = process.env): ReportConfig {
  const problems: string[] = [];
  const smtpUrl = flags.smtpUrl ?? env.SUBLEDGER_SMTP_URL ?? env.SMTP_URL;
  const from = flags.from ?? env.SUBLEDGER_REPORT_FROM;
  const toText = flags.to ?? env.SUBLEDGER_REPORT_TO;
  const to = (toText ?? '')
    .split(/[,;]/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
  let mail: MailSettings | undefined;
  if (smtpUrl !== undefined || from !== undefined || toText !== undefined) {
    if (smtpUrl === undefined || smtpUrl.trim() === '')
      problems.push('SMTP_URL is not set (e.g. smtp://user:password@smtp.example.com:587)');
    else {
      const p = smtpUrlProblem(smtpUrl.trim());
      if (p) problems.push(p);
    }
    if (from === undefined || from.trim() === '')
      problems.push('the sender is not set: SUBLEDGER_REPORT_FROM or --from (e.g. "Subledger <reports@example.com>")');
    else {
      const p = addressProblem(from);
      if (p) problems.push(`from: ${p}`);
    }
    if (to.length === 0) problems.push('no recipient: set SUBLEDGER_REPORT_TO or --to (addresses separated by commas)');
    for (const address of to) {
      const p = addressProblem(address);
      if (p) problems.push(`to: ${p}`);
    }
    if (smtpUrl && from && to.length > 0) mail = { smtpUrl: smtpUrl.trim(), from: from.trim(), to };
  }
  const timeZone = flags.tz ?? env.SUBLEDGER_REPORT_TZ ?? 'America/New_York';
  const tzProblem = timeZoneProblem(timeZone);
  if (tzProblem) problems.push(`time zone: ${tzProblem}`);
  const dailyCron = flags.cron ?? env.SUBLEDGER_REPORT_CRON;
  if (dailyCron !== undefined) {
    try {
      new Cron(dailyCron, { paused: true, ...(tzProblem ? {} : { timezone: timeZone }) }).stop();
    } catch (error) {
      problems.push(
        `SUBLEDGER_REPORT_CRON "${dailyCron}" is not a cron expression (${(error as Error).message}); e.g. "5 17 * * 1-5" for 17:05 on weekdays`,
      );
    }
  }
  const afterText = env.SUBLEDGER_REPORT_AFTER_REBALANCE;
  if (afterText !== undefined && !/^(1|0|true|false|yes|no)$/i.test(afterText))
    problems.push(`SUBLEDGER_REPORT_AFTER_REBALANCE must be 1 or 0 (true or false), not "${afterText}"`);
  const afterRebalance = flags.afterRebalance ?? (afterText !== undefined && /^(1|true|yes)$/i.test(afterText));
  if (
    (dailyCron !== undefined || afterRebalance) &&
    smtpUrl === undefined &&
    from === undefined &&
    toText === undefined
  ) {
    problems.push('scheduled reports need email settings: SMTP_URL, SUBLEDGER_REPORT_FROM and SUBLEDGER_REPORT_TO');
  }
  const attempts = wholeNumber('SUBLEDGER_REPORT_RETRIES', env.SUBLEDGER_REPORT_RETRIES ?? '6', 1, 20, problems);
  const baseMs = wholeNumber(
    'SUBLEDGER_REPORT_RETRY_MS',
    env.SUBLEDGER_REPORT_RETRY_MS ?? '10000',
    1,
    3_600_000,
    problems,
  );
  const chartDays = wholeNumber('--chart-days', flags.chartDays ?? '30', 1, 3660, problems);
  const maxTrips = wholeNumber('--max-trips', flags.maxTrips ?? '25', 0, 1000, problems);
  if (problems.length > 0)
    throw new Error(`invalid report configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  return {
    mail,
    timeZone,
    accountName: flags.accountName ?? env.SUBLEDGER_REPORT_ACCOUNT ?? 'Subledger',
    dailyCron,
    afterRebalance,
    retry: { attempts, baseMs, maxMs: Math.max(baseMs, 600_000) },
    chartDays,
    maxTrips,
  };
}

/** The mail settings, or an Error saying which ones to set. */
export function requireMail(config: ReportConfig): MailSettings {
  if (config.mail) return config.mail;
  throw new Error(
    'email is not configured: set SMTP_URL (e.g. smtp://user:password@smtp.example.com:587), SUBLEDGER_REPORT_FROM and SUBLEDGER_REPORT_TO (or --smtp-url, --from, --to)',
  );
}
