/**
 * Loss-limit breaches as email, through the report mailer (mailer-port.ts): one message per breach
 * the watcher journals (src/app/risk/loss-watch.ts journals a limit once per deployment, limit and day),
 * the subject naming the deployment and the limit, the body the breach's exact figures — the
 * journal's, as `GET /deployments/{id}/loss-limits` shows them — and what was done.
 *
 * Entry points: `breachMessage` (the message, pure), `mailBreaches` (the watcher's `alert`, or
 * undefined when no mail is configured). A transient failure is retried twice (after 1 s, then
 * 4 s); a message that still fails is reported by the watcher's log, never thrown into trading.
 * An alert is sent at most once: a crash between the breach's journal entry and the send loses it
 * (the breach itself stays journaled and shown on the dashboard).
 */
import { type Dec, toPlain } from '../../core/decimal.js';
import type { DeploymentId } from '../../core/ids.js';
import { type LossFigures, drawdownPct } from '../../core/loss-limits.js';
import type { LimitBreached } from '../journal/journal-codec.js';
import { MailSendError, type MailMessage, type MailerPort } from '../ports/mailer-port.js';

export interface AlertMailSettings {
  readonly smtpUrl: string;
  readonly from: string;
  readonly to: readonly string[];
}

const ACTIONS = {
  pause: 'paused: the risk check lets it only reduce its positions until it is resumed',
  flatten: 'flattened: its working orders cancelled, its positions closed at market, the deployment stopped',
} as const;

/** The alert for `breach` of deployment `name` with the figures it was found at. */
export function breachMessage(
  breach: LimitBreached,
  figures: LossFigures,
  name: string,
  mail: Pick<AlertMailSettings, 'from' | 'to'>,
): MailMessage {
  const p = (d: Dec) => toPlain(d);
  const who = name === breach.deployment ? breach.deployment : `${name} (${breach.deployment})`;
  const measured = breach.limit === 'max_daily_loss' ? "today's loss" : 'drawdown from the peak (%)';
  const drawdown = drawdownPct(figures);
  const rows: [string, string][] = [
    ['Deployment', who],
    ['Limit', `${breach.limit} ${p(breach.threshold)}`],
    [`Reached (${measured})`, p(breach.value)],
    ['Action', ACTIONS[breach.action]],
    ['Total P&L now', p(figures.pnl)],
    ["Total P&L at the day's start", p(figures.dayStartPnl)],
    ["Today's loss", p((figures.dayStartPnl - figures.pnl) as Dec)],
    ['Peak total P&L', p(figures.peakPnl)],
    ['Capital', p(figures.capital)],
    ['Drawdown from the peak (%)', drawdown === undefined ? 'n/a (peak equity ≤ 0)' : p(drawdown)],
    ['Breach', `${breach.id} at ${breach.ts}`],
  ];
  const intro = `${who} reached its loss limit ${breach.limit} and was ${breach.action === 'pause' ? 'paused' : 'flattened'}.`;
  const note = 'Figures are exact (not rounded), from the journal. Subledger sends one alert per breach.';
  const width = Math.max(...rows.map(([k]) => k.length));
  const text = [intro, '', ...rows.map(([k, v]) => `${`${k}:`.padEnd(width + 2)}${v}`), '', note, ''].join('\n');
  const html = [
    '<!doctype html><html><body style="font-family:sans-serif">',
    `<p>${escapeHtml(intro)}</p>`,
    '<table cellpadding="4" style="border-collapse:collapse">',
    ...rows.map(
      ([k, v], i) => `<tr data-row="${i}"><th align="left">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`,
    ),
    '</table>',
    `<p style="color:#555">${escapeHtml(note)}</p>`,
    '</body></html>',
  ].join('\n');
  return {
    from: mail.from,
    to: mail.to,
    subject: `Subledger alert: ${breach.deployment} reached ${breach.limit} ${p(breach.threshold)} (${p(breach.value)}): ${breach.action === 'pause' ? 'paused' : 'flattened'}`,
    html,
    text,
    inline: [],
  };
}

/** Waits before the 2nd and 3rd attempt of a send that failed transiently (ms). */
const RETRY_WAITS = [1000, 4000];

/**
 * The watcher's `alert`: each breach mailed to `mail.to` through a mailer made for that message
 * (`createMailer`, closed after it: alerts are rare). Undefined when `mail` is.
 */
export function mailBreaches(
  mail: AlertMailSettings | undefined,
  createMailer: (smtpUrl: string) => MailerPort,
  nameOf: (deployment: DeploymentId) => string,
): ((breach: LimitBreached, figures: LossFigures) => Promise<void>) | undefined {
  if (!mail) return undefined;
  return async (breach, figures) => {
    const message = breachMessage(breach, figures, nameOf(breach.deployment), mail);
    const mailer = createMailer(mail.smtpUrl);
    try {
      for (let attempt = 0; ; attempt++) {
        try {
          await mailer.send(message);
          return;
        } catch (error) {
          const wait = RETRY_WAITS[attempt];
          if (!(error instanceof MailSendError && error.retryable) || wait === undefined)
            throw new Error(`the alert "${message.subject}" was not sent: ${(error as Error).message}`, {
              cause: error,
            });
          await new Promise((resolve) => setTimeout(resolve, wait));
        }
      }
    } finally {
      mailer.close();
    }
  };
}

function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}
