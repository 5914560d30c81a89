/**
 * The adapter's REST transport: Alpaca's key headers, a timeout per attempt, the shared request
 * budget, lossless JSON, zod parsing of the answer, and retries — for reads only.
 *
 * Entry points: `AlpacaHttp` — `get(url, schema)`, `send(method, url, schema, body)`.
 * Invariants: a read (GET) is retried on 408/425/429/5xx and on transport errors with exponential
 * backoff (a 429 waits until the broker's reset time and pauses the whole budget); a write (POST,
 * DELETE) is never retried here — its failure is an `AlpacaHttpError` (the broker answered) or an
 * `AlpacaTransportError` (outcome unknown: the caller must look the order up before anything
 * else). Every number in an answer reaches the schema as decimal text.
 */
import type { z } from 'zod';
import { AlpacaHttpError, AlpacaProtocolError, AlpacaTransportError } from './errors.js';
import { parseJsonKeepingNumbers } from '../../core/exact-json.js';
import { type RequestBudget, type Timers, realTimers } from './request-budget.js';
import { ErrorBodySchema } from './wire.js';

export interface HttpOptions {
  readonly keyId: string;
  readonly secretKey: string;
  readonly budget: RequestBudget;
  /** Per attempt. Default 10 s. */
  readonly timeoutMs?: number;
  /** Retries of a read after the first attempt. Default 4. */
  readonly readRetries?: number;
  /** First backoff of a read retry; doubles each time (± 20 % jitter), capped at 10 s. Default 250 ms. */
  readonly backoffMs?: number;
  readonly fetch?: typeof fetch;
  readonly timers?: Timers;
}

export class AlpacaHttp {
  private readonly fetchFn: typeof fetch;
  private readonly timers: Timers;

  constructor(private readonly options: HttpOptions) {
    this.fetchFn = options.fetch ?? fetch;
    this.timers = options.timers ?? realTimers;
  }

  /** GET with retries; 404 resolves undefined when `allow404`. */
  async get<S extends z.ZodType>(url: string, schema: S, allow404 = false): Promise<z.infer<S> | undefined> {
    const retries = this.options.readRetries ?? 4;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.once('GET', url, schema, undefined);
      } catch (error) {
        if (allow404 && error instanceof AlpacaHttpError && error.status === 404) return undefined;
        const retryable =
          error instanceof AlpacaTransportError || (error instanceof AlpacaHttpError && error.retryable);
        if (!retryable || attempt >= retries) throw error;
        const wait =
          error instanceof AlpacaHttpError && error.retryAfterMs !== undefined
            ? error.retryAfterMs
            : this.backoff(attempt);
        await this.timers.sleep(wait);
      }
    }
  }

  /** One POST or DELETE attempt, never retried. */
  send<S extends z.ZodType>(method: 'POST' | 'DELETE', url: string, schema: S, body?: unknown): Promise<z.infer<S>> {
    return this.once(method, url, schema, body);
  }

  private backoff(attempt: number): number {
    const base = Math.min(10_000, (this.options.backoffMs ?? 250) * 2 ** attempt);
    return Math.round(base * (0.8 + 0.4 * Math.random()));
  }

  private async once<S extends z.ZodType>(method: string, url: string, schema: S, body: unknown): Promise<z.infer<S>> {
    const label = `${method} ${new URL(url).pathname}`;
    await this.options.budget.take();
    let response: Response;
    let text: string;
    const timeoutMs = this.options.timeoutMs ?? 10_000;
    try {
      response = await this.fetchFn(url, {
        method,
        headers: {
          'APCA-API-KEY-ID': this.options.keyId,
          'APCA-API-SECRET-KEY': this.options.secretKey,
          accept: 'application/json',
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(timeoutMs),
        redirect: 'error',
      });
      text = await response.text();
    } catch (cause) {
      const timedOut = (cause as Error)?.name === 'TimeoutError' || (cause as Error)?.name === 'AbortError';
      throw new AlpacaTransportError(label, timedOut, { cause });
    }
    if (!response.ok) throw this.httpError(label, response, text);
    if (response.status === 204 || text.trim() === '') return schema.parse(undefined);
    let json: unknown;
    try {
      json = parseJsonKeepingNumbers(text, { plain: true });
    } catch (cause) {
      throw new AlpacaProtocolError(`${label}: the answer is not JSON: ${text.slice(0, 200)}`, { cause });
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new AlpacaProtocolError(
        `${label}: unexpected answer at ${issue.path.join('.') || '(root)'}: ${issue.message}`,
        {
          cause: parsed.error,
        },
      );
    }
    return parsed.data;
  }

  private httpError(label: string, response: Response, text: string): AlpacaHttpError {
    let code: number | undefined;
    let message = text.trim() || response.statusText || `HTTP ${response.status}`;
    try {
      const body = ErrorBodySchema.parse(parseJsonKeepingNumbers(text, { plain: true }));
      if (body.code != null && Number.isFinite(Number(body.code))) code = Number(body.code);
      if (body.message) message = body.message;
    } catch {
      // Not Alpaca's error shape (a proxy's page, say): keep the text.
    }
    let retryAfterMs: number | undefined;
    if (response.status === 429) {
      const reset = Number(response.headers.get('x-ratelimit-reset'));
      const after = Number(response.headers.get('retry-after'));
      const now = this.timers.now();
      if (Number.isFinite(after) && after > 0) retryAfterMs = after * 1000;
      else if (Number.isFinite(reset) && reset > 0) retryAfterMs = Math.max(0, reset * 1000 - now);
      if (retryAfterMs !== undefined) this.options.budget.pauseUntil(now + retryAfterMs);
    }
    return new AlpacaHttpError(response.status, code, message, label, retryAfterMs);
  }
}
