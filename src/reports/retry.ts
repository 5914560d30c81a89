/**
 * Retrying a failed send with exponential backoff: attempt 1, wait `baseMs`, attempt 2, wait
 * 2 × `baseMs`, … (each wait capped at `maxMs`), at most `attempts` attempts in all. Only errors
 * `retryable` accepts are retried; an aborted wait ends the retries at once.
 *
 * Entry points: `withRetry`, `backoffDelay`, `abortableSleep`. Never throws: the outcome says
 * how it ended, with the last error.
 */

export interface RetryPolicy {
  /** Attempts in all (≥ 1). */
  readonly attempts: number;
  /** The first wait, ms. */
  readonly baseMs: number;
  /** No wait is longer. */
  readonly maxMs: number;
}

export type RetryOutcome<T> =
  | { readonly ok: true; readonly value: T; readonly attempts: number }
  | { readonly ok: false; readonly error: unknown; readonly attempts: number };

/** The wait after failed attempt `attempt` (1-based). */
export function backoffDelay(policy: RetryPolicy, attempt: number): number {
  return Math.min(policy.maxMs, policy.baseMs * 2 ** (attempt - 1));
}

/** Resolves after `ms`, or at once (false) when `signal` aborts. True when the full time passed. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export interface RetryOptions {
  readonly retryable: (error: unknown) => boolean;
  /** Default: `abortableSleep`. */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<boolean>;
  readonly signal?: AbortSignal;
  /** Told before each wait. */
  readonly onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
}

export async function withRetry<T>(
  work: (attempt: number) => Promise<T>,
  policy: RetryPolicy,
  options: RetryOptions,
): Promise<RetryOutcome<T>> {
  const sleep = options.sleep ?? abortableSleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return { ok: true, value: await work(attempt), attempts: attempt };
    } catch (error) {
      if (attempt >= policy.attempts || !options.retryable(error) || options.signal?.aborted)
        return { ok: false, error, attempts: attempt };
      const delay = backoffDelay(policy, attempt);
      options.onRetry?.(error, attempt, delay);
      if (!(await sleep(delay, options.signal))) return { ok: false, error, attempts: attempt };
    }
  }
}
