/**
 * The mailer port: the smallest thing the reports need to send one message — HTML with a
 * plain-text alternative and inline images referenced by `cid:` from the HTML.
 * Implemented by src/adapters/smtp (nodemailer over SMTP).
 *
 * `send` resolves when the server accepted the message for at least one recipient and throws
 * `MailSendError` otherwise; the error says whether a retry can help (a 4xx reply, a dropped or
 * refused connection, a timeout) or not (a 5xx reply, bad credentials, every recipient refused).
 */

export interface InlineImage {
  /** Referenced from the HTML as `cid:<cid>`. */
  readonly cid: string;
  readonly filename: string;
  readonly contentType: string;
  readonly content: Uint8Array;
}

export interface MailMessage {
  readonly from: string;
  readonly to: readonly string[];
  readonly subject: string;
  readonly html: string;
  readonly text: string;
  readonly inline: readonly InlineImage[];
}

export interface MailReceipt {
  readonly messageId: string;
  readonly accepted: readonly string[];
  readonly rejected: readonly string[];
}

export interface MailerPort {
  /** Throws MailSendError. */
  send(message: MailMessage): Promise<MailReceipt>;
  /** Releases connections (idempotent). */
  close(): void;
}

export class MailSendError extends Error {
  constructor(
    message: string,
    /** True when the same message may succeed later (transient failure). */
    readonly retryable: boolean,
    options: { cause?: unknown } = {},
  ) {
    super(message, options);
    this.name = 'MailSendError';
  }
}
