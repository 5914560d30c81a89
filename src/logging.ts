/**
 * The logger of a running Subledger: pino, one JSON object per line on stderr (stdout stays for
 * what a command prints for people). Part of the composition root, which hands it to the HTTP
 * server (one line per request), the broker adapter (calls and outcomes, backfills) and its own
 * lease, recovery and scheduler events; the application sees only the `Logger` port
 * (src/app/ports/logger.ts).
 *
 * A line: `level` (label), `time` (ISO-8601), `pid`, `hostname`, `msg`, then the event's fields —
 * e.g. `req_id`, `method`, `route`, `url`, `status`, `duration_ms` for a request (README "Logs").
 * Secrets never reach a line: nothing logs tokens or keys on purpose, and these field names are
 * redacted wherever they appear (top level or one or two levels down) in case something does.
 */
import pino, { type DestinationStream, type Logger as PinoLogger } from 'pino';
import { LOG_LEVELS, type LogLevel } from './app/ports/logger.js';

export type { LogLevel };
export { LOG_LEVELS };

/** Field names whose values are secrets. */
const SECRET_FIELDS = [
  'authorization',
  'Authorization',
  'cookie',
  'password',
  'secret',
  'secretKey',
  'secret_key',
  'adminToken',
  'admin_token',
  'tokenSecret',
  'token_secret',
  'token',
  'APCA_API_SECRET_KEY',
  'SUBLEDGER_ADMIN_TOKEN',
  'SUBLEDGER_TOKEN_SECRET',
  '"apca-api-secret-key"',
  '"APCA-API-SECRET-KEY"',
];

export const REDACTED = '[redacted]';

/** Every secret field at the top level and one or two levels down (`headers.authorization`, `config.alpaca.secretKey`). */
export const REDACT_PATHS = SECRET_FIELDS.flatMap((field) => {
  const key = field.startsWith('"') ? `[${field}]` : `.${field}`;
  const top = field.startsWith('"') ? `[${field}]` : field;
  return [top, `*${key}`, `*.*${key}`];
});

export interface LoggerOptions {
  readonly level?: LogLevel;
  /** Where lines go. Default: stderr, written synchronously (nothing lost when the process exits). */
  readonly destination?: DestinationStream;
}

/** The pino logger every part of a running Subledger logs through. */
export function createLogger(options: LoggerOptions = {}): PinoLogger {
  return pino(
    {
      level: options.level ?? 'info',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACT_PATHS, censor: REDACTED },
      serializers: { err: pino.stdSerializers.err },
    },
    options.destination ?? pino.destination({ dest: 2, sync: true }),
  );
}

/** A store location fit for a log line: a postgres:// URL loses its password. */
export function safeLocation(db: string): string {
  if (!/^postgres(ql)?:\/\//.test(db)) return db;
  try {
    const url = new URL(db);
    if (url.password) url.password = REDACTED;
    return url.toString();
  } catch {
    return 'postgres://(unparsable URL)';
  }
}
