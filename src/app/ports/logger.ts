/**
 * The logging port: what the application and the adapters log through — structured fields plus a
 * short message, one JSON line each once it reaches the pino adapter (src/logging.ts, chosen by
 * the composition root). Library use and tests get `silentLogger`.
 *
 * Rules: fields are facts (ids, statuses, durations, counts, `err`), never secrets — no token, API
 * key or Authorization header goes into a field (the adapter also redacts such names, as a second
 * line of defence). Levels: `debug` routine reads, `info` what changed (a request answered, an
 * order sent, a lease taken), `warn` a failure that is retried or tolerated, `error` a failure
 * that needs a person, `fatal` the process is stopping.
 */

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(fields: LogFields, message: string): void;
  info(fields: LogFields, message: string): void;
  warn(fields: LogFields, message: string): void;
  error(fields: LogFields, message: string): void;
  fatal(fields: LogFields, message: string): void;
  /** A logger that adds `bindings` to every line. */
  child(bindings: LogFields): Logger;
}

/** The levels `--log-level` and `SUBLEDGER_LOG_LEVEL` accept (`silent`: nothing at all). */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const nothing = () => undefined;

/** Logs nothing. */
export const silentLogger: Logger = {
  debug: nothing,
  info: nothing,
  warn: nothing,
  error: nothing,
  fatal: nothing,
  child: () => silentLogger,
};
