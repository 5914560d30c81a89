/**
 * Input building blocks shared by the route schemas: decimal strings (checked with the core's
 * `decimalProblem`, then parsed to `Dec`), deployment ids and symbols (the core's rules), ISO
 * times, page limits and the `Idempotency-Key` header. Every message is phrased to follow
 * `<field>: ` (see validation.ts), e.g. `qty: must be greater than 0`.
 */
import { z } from 'zod';
import { doc } from './registry.js';
import { type Dec, decimalProblem, parseDec, toPlain } from '../../core/decimal.js';
import { type DeploymentId, deploymentIdProblem, symbolProblem } from '../../core/ids.js';
import {
  MAX_IDEMPOTENCY_KEY_CHARS,
  idempotencyKeyText,
  magnitudeProblem,
  placesProblem,
} from '../../app/journal/journal-bounds.js';

export const DECIMAL_HINT = 'must be a decimal string, e.g. "150.25"';
/** Longer than any decimal the core accepts (20 integer + 18 fractional digits, sign, point). */
const MAX_DECIMAL_CHARS = 60;

type SignRule = 'positive' | 'non-negative' | 'non-zero' | 'any';
const SIGN_RULES: Record<SignRule, { ok: (d: Dec) => boolean; message: string }> = {
  positive: { ok: (d) => d > 0n, message: 'must be greater than 0' },
  'non-negative': { ok: (d) => d >= 0n, message: 'must not be negative' },
  'non-zero': { ok: (d) => d !== 0n, message: 'must not be zero' },
  any: { ok: () => true, message: '' },
};

const SIGN_WORDS: Record<SignRule, string> = {
  positive: '> 0',
  'non-negative': '≥ 0',
  'non-zero': 'signed, not 0',
  any: 'signed',
};

/** The journal's bounds on a decimal input (journal-bounds.ts): its size, and for money its places. */
export interface DecimalBounds {
  /** Largest size, either sign. */
  readonly max: Dec;
  /** Most decimal places (e.g. 2: whole cents), with the unit named in the message. */
  readonly places?: { readonly count: number; readonly unit?: string };
}

/** A decimal string parsed to `Dec` (exact; never a JS number), within `bounds`. */
export function decimalInput(rule: SignRule, description: string, bounds: DecimalBounds) {
  const text = z
    .string({ error: (issue) => (issue.input === undefined ? undefined : DECIMAL_HINT) })
    .max(MAX_DECIMAL_CHARS, {
      error: `is too long (a decimal has at most 20 integer and 18 fractional digits)`,
      abort: true,
    })
    .superRefine((text, ctx) => {
      const problem = decimalProblem(text);
      if (problem) return void ctx.addIssue({ code: 'custom', message: problem });
      const value = parseDec(text);
      const sign = SIGN_RULES[rule];
      if (!sign.ok(value)) return void ctx.addIssue({ code: 'custom', message: sign.message });
      const beyond =
        magnitudeProblem(value, bounds.max) ??
        (bounds.places ? placesProblem(value, bounds.places.count, bounds.places.unit) : undefined);
      if (beyond) ctx.addIssue({ code: 'custom', message: beyond });
    });
  const places = bounds.places ? `, at most ${bounds.places.count} decimal places` : '';
  return doc(text, {
    description: `${description} A decimal string (${SIGN_WORDS[rule]}, at most ${toPlain(bounds.max)} in size${places}).`,
    examples: ['150.25'],
  }).transform((t) => parseDec(t));
}

export const deploymentIdInput = doc(
  z
    .string({ error: (issue) => (issue.input === undefined ? undefined : 'must be a string') })
    .superRefine((text, ctx) => {
      const problem = deploymentIdProblem(text);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
  { description: 'Deployment id: 1–32 chars, lowercase letters, digits, "-" or "_".', examples: ['alpha'] },
).transform((text) => text as DeploymentId);

export const symbolInput = doc(
  z
    .string({ error: (issue) => (issue.input === undefined ? undefined : 'must be a string') })
    .superRefine((text, ctx) => {
      const problem = symbolProblem(text);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
  { description: 'Symbol as the broker spells it.', examples: ['AAPL'] },
);

const ISO_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;

/** An ISO-8601 date or date-time ("2025-01-02" or "2025-01-02T15:00:00Z"). */
export const isoTimeInput = z.string().refine((text) => ISO_TIME.test(text) && !Number.isNaN(Date.parse(text)), {
  error: 'must be an ISO-8601 date or time, e.g. "2025-01-02" or "2025-01-02T15:00:00Z"',
});

/** A page size from the query string: digits only, 1..max. */
export function limitInput(max: number, fallback: number) {
  const message = `must be an integer from 1 to ${max}`;
  return doc(z.string().regex(/^\d{1,7}$/, { error: message }), {
    description: `Page size, 1..${max} (default ${fallback}).`,
    examples: [String(fallback)],
  })
    .transform((text) => Number(text))
    .refine((n) => n >= 1 && n <= max, { error: message })
    .optional()
    .transform((n) => n ?? fallback);
}

/** Optional `Idempotency-Key` header: a retried request with the same key has one effect. */
export const idempotencyHeaders = z.looseObject({
  'idempotency-key': doc(idempotencyKeyText(), {
    description: `A retried request with the same key returns the original result (1–${MAX_IDEMPOTENCY_KEY_CHARS} visible ASCII characters).`,
  }).optional(),
});

export const deploymentParams = z.strictObject({ id: deploymentIdInput });

export const orderParams = z.strictObject({
  id: deploymentIdInput,
  orderId: doc(z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/, { error: 'is not a valid order id' }), {
    description: 'The order id returned when it was submitted.',
  }),
});
