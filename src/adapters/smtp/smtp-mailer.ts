/**
 * The SMTP mailer (implements `MailerPort` with nodemailer): one transport per mailer, built from
 * an `smtp://` or `smtps://` URL (user and password in the URL; nodemailer's query options such
 * as `?ignoreTLS=true` or `?tls.rejectUnauthorized=false` pass through).
 *
 * Entry point: `createSmtpMailer(url, options)`. Translates nodemailer's failures into
 * `MailSendError` in one place: a 4xx reply or a connection / socket / DNS / timeout failure is
 * retryable; a 5xx reply, an authentication failure or a malformed message is not.
 */
import { createRequire } from 'node:module';
import type Nodemailer from 'nodemailer';
import { MailSendError, type MailMessage, type MailReceipt, type MailerPort } from '../../app/ports/mailer-port.js';

export interface SmtpMailerOptions {
  /** Connection and greeting timeouts, ms (default 30 s). */
  readonly timeoutMs?: number;
}

const TRANSIENT_CODES = new Set([
  'ECONNECTION',
  'ETIMEDOUT',
  'ESOCKET',
  'EDNS',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'EMAXLIMIT',
]);

/** Whether a nodemailer error may go away on a retry. */
export function isTransientSmtpError(error: unknown): boolean {
  const e = error as { responseCode?: number; code?: string };
  if (typeof e.responseCode === 'number') return e.responseCode >= 400 && e.responseCode < 500;
  return e.code !== undefined && TRANSIENT_CODES.has(e.code);
}

/** Where the mail goes, for messages: the URL without its password. */
export function redactSmtpUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable SMTP URL)';
  }
}

export function createSmtpMailer(url: string, options: SmtpMailerOptions = {}): MailerPort {
  const timeout = options.timeoutMs ?? 30_000;
  // Loaded with the first mailer, not with every command that could make one (start-up time).
  const nodemailer = createRequire(import.meta.url)('nodemailer') as typeof Nodemailer;
  const transport = nodemailer.createTransport({
    url,
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
  });
  const where = redactSmtpUrl(url);
  return {
    async send(message: MailMessage): Promise<MailReceipt> {
      try {
        const info = await transport.sendMail({
          from: message.from,
          to: [...message.to],
          subject: message.subject,
          text: message.text,
          html: message.html,
          attachments: message.inline.map((image) => ({
            cid: image.cid,
            filename: image.filename,
            contentType: image.contentType,
            content: Buffer.from(image.content),
            contentDisposition: 'inline' as const,
          })),
        });
        const accepted = (info.accepted ?? []).map(String);
        const rejected = (info.rejected ?? []).map(String);
        return { messageId: String(info.messageId ?? ''), accepted, rejected };
      } catch (error) {
        const e = error as Error & { response?: string; code?: string };
        const detail = e.response ?? e.message;
        throw new MailSendError(
          `sending the report through ${where} failed${e.code ? ` (${e.code})` : ''}: ${detail}`,
          isTransientSmtpError(error),
          { cause: error },
        );
      }
    },
    close() {
      transport.close();
    },
  };
}
