/**
 * Subledger's error catalog: every expected rejection has a stable code, an HTTP status and a
 * message a person can act on. `docs/errors.md` lists every code (a test keeps them in sync).
 */

export const ERROR_CODES = {
  VALIDATION_FAILED: { status: 400, summary: 'The input is malformed; `details` names each field and why.' },
  UNAUTHORIZED: { status: 401, summary: 'No valid API token was given.' },
  FORBIDDEN: { status: 403, summary: 'The token may not read or act on this deployment.' },
  NOT_FOUND: { status: 404, summary: 'No such deployment, order or route.' },
  JOURNAL_CONFLICT: { status: 409, summary: 'An event with this id is already journaled with different content.' },
  CONFLICT: {
    status: 409,
    summary: 'The request conflicts with the current state (e.g. the deployment already exists).',
  },
  ORDER_NOT_CANCELABLE: { status: 409, summary: 'The order is already filled, canceled, rejected or expired.' },
  IDEMPOTENCY_CONFLICT: { status: 409, summary: 'The idempotency key was used before for a different request.' },
  INSUFFICIENT_BUYING_POWER: {
    status: 422,
    summary:
      "The order needs more than the deployment's buying power (cash − reservations of its open orders − what its shorts hold back; a short sale needs its value plus the short margin).",
  },
  INSUFFICIENT_POSITION: {
    status: 422,
    summary: 'The sell exceeds the quantity held minus shares reserved by open sells, and shorting is not allowed.',
  },
  SHORTING_NOT_ALLOWED: {
    status: 422,
    summary: 'The order would open or increase a short position; the deployment does not allow shorting.',
  },
  SYMBOL_NOT_ALLOWED: { status: 422, summary: "The symbol is not in the deployment's allowed symbols." },
  UNKNOWN_SYMBOL: { status: 422, summary: 'No market data for the symbol: it cannot be priced or traded.' },
  MAX_ORDER_NOTIONAL_EXCEEDED: {
    status: 422,
    summary: "The order's notional exceeds the deployment's max order notional.",
  },
  MAX_POSITION_EXCEEDED: {
    status: 422,
    summary: "The position after the order would exceed the deployment's max position value (absolute or % of equity).",
  },
  MAX_LEVERAGE_EXCEEDED: {
    status: 422,
    summary:
      "The order would take the deployment's gross exposure (the absolute values of its positions plus what its open orders would add) beyond its equity × max_leverage.",
  },
  DEPLOYMENT_NOT_ACTIVE: {
    status: 422,
    summary: 'The deployment is paused or stopped: it may only reduce or close positions.',
  },
  INSUFFICIENT_FREE_CASH: {
    status: 422,
    summary: 'A capital withdrawal exceeds the free cash (cash − reservations) of the deployment.',
  },
  WASH_TRADE: {
    status: 422,
    summary:
      "The order could trade against the deployment's own open opposite order in the same symbol (the broker's wash-trade rule); `details.order_id` names it. Other deployments' orders never cause this: the internal book handles them.",
  },
  BROKER_REJECTED: {
    status: 422,
    summary: "The broker refused the order; `details.broker_message` keeps the broker's words.",
  },
  WRITER_FENCED: {
    status: 503,
    summary:
      'Another process took over the writer lease of this store; this one writes no more. `details.writer` names the current writer: retry there.',
  },
  NOT_WRITER: {
    status: 503,
    summary:
      'This process is a standby (several processes on one PostgreSQL store): it serves reads and refuses writes. Retryable: `details.writer` names the writer to send it to; a standby that takes over accepts writes.',
  },
  BROKER_UNAVAILABLE: {
    status: 503,
    summary: 'The broker could not be reached; the outcome is being resolved, retry later.',
  },
} as const satisfies Record<string, { status: number; summary: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'AppError';
  }

  get status(): number {
    return ERROR_CODES[this.code].status;
  }
}

/**
 * A journal entry that cannot be read back (its payload, a field of it, or its place in the
 * journal): fatal — nothing folded past it would be right, so every command stops with this
 * message (`corrupt journal entry seq N: field: reason`) and a non-zero exit.
 */
export class JournalCorruptError extends Error {
  constructor(
    /** Where the entry is, e.g. `seq 42`. */
    readonly where: string,
    /** Each field that cannot be read, and why. */
    readonly problems: readonly { readonly field: string; readonly message: string }[],
  ) {
    super(`corrupt journal entry ${where}: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`);
    this.name = 'JournalCorruptError';
  }
}

/** The first `JournalCorruptError` in `error` or its chain of causes. */
export function journalCorruption(error: unknown): JournalCorruptError | undefined {
  for (let e = error, depth = 0; e instanceof Error && depth < 10; e = e.cause, depth++)
    if (e instanceof JournalCorruptError) return e;
  return undefined;
}
