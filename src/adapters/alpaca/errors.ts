/**
 * What can go wrong talking to Alpaca, as values the adapter can act on: the broker answered with
 * an error (`AlpacaHttpError`: status, Alpaca's 8-digit code and its words), the request's outcome
 * is unknown (`AlpacaTransportError`: timeout, connection lost — the broker may or may not have
 * acted), or the answer does not have the shape the spec promises (`AlpacaProtocolError`).
 *
 * Entry points: the three classes, `isRetryableStatus` and `toPortError`.
 * Invariant: every error keeps its cause and says whether retrying may help.
 */
import { BrokerUnavailableError } from '../../app/ports/broker-port.js';

export class AlpacaHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: number | undefined,
    readonly brokerMessage: string,
    readonly request: string,
    /** From X-RateLimit-Reset / Retry-After, when the broker said when to come back. */
    readonly retryAfterMs?: number,
  ) {
    super(`Alpaca ${request} → ${status}${code !== undefined ? ` (${code})` : ''}: ${brokerMessage}`);
    this.name = 'AlpacaHttpError';
  }

  get retryable(): boolean {
    return isRetryableStatus(this.status);
  }
}

/** The request may or may not have reached Alpaca (timeout, reset, DNS…): the outcome is unknown. */
export class AlpacaTransportError extends Error {
  readonly retryable = true;
  constructor(
    readonly request: string,
    readonly timedOut: boolean,
    options: { cause: unknown },
  ) {
    super(
      `Alpaca ${request}: ${timedOut ? 'timed out' : `no answer (${String((options.cause as Error)?.message ?? options.cause)})`}`,
      options,
    );
    this.name = 'AlpacaTransportError';
  }
}

/** Alpaca answered, but not in the shape the spec describes (a field missing or malformed). */
export class AlpacaProtocolError extends Error {
  readonly retryable = false;
  constructor(message: string, options?: { cause: unknown }) {
    super(message, options);
    this.name = 'AlpacaProtocolError';
  }
}

/** 408, 425, 429 and 5xx may succeed later (the v4 SDK retries reads on the same set). */
export const isRetryableStatus = (status: number) =>
  status === 408 || status === 425 || status === 429 || status >= 500;

/**
 * What leaves the adapter through the broker port: Alpaca unreachable, timing out, or answering
 * 5xx/429 beyond the retries becomes the port's `BrokerUnavailableError` (503 BROKER_UNAVAILABLE
 * at the edges), keeping this error as its cause; anything else passes unchanged.
 */
export function toPortError(error: unknown): unknown {
  if (error instanceof BrokerUnavailableError) return error;
  if (error instanceof AlpacaTransportError || (error instanceof AlpacaHttpError && error.retryable))
    return new BrokerUnavailableError(error.message, { cause: error });
  return error;
}
