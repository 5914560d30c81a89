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
  CONFLICT: { status: 409, summary: 'The request conflicts with the current state (e.g. the deployment already exists).' },
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
