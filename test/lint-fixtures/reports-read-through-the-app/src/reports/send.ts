// Breaks reports-read-through-the-app: a report sends mail through the SMTP adapter, not the port.
import { createSmtpMailer } from '../adapters/smtp/smtp-mailer.js';

export const mailer = createSmtpMailer('smtp://localhost:25');
