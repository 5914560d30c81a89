/**
 * The journal's bounds: the one list of limits that the journal reader (journal-codec.ts), every
 * writer (`LedgerService.append` checks each event against the reader's schema) and every edge
 * (the REST API's input schemas, `subledger import`, the broker adapters through the fill path)
 * apply, so that whatever an edge accepts can always be read back. docs/journal-format.md gives
 * the reason for each number.
 *
 * Two kinds of rules:
 * - journal rules (the `*_CHARS`, `MAX_*`, time range): part of each event type's schema, checked
 *   when a line is read and before an event is written;
 * - edge rules (`MONEY_PLACES`, `DIVIDEND_PLACES`, `MAX_FUTURE_MS`): what people may type (HTTP
 *   bodies, imported lines). The journal itself accepts more precision, because the app's own
 *   writers need it (the house sleeve's opening capital is cash + Σ qty × average price).
 */
import { z } from 'zod';
import { type Dec, SCALE_DIGITS, dec, toPlain } from '../../core/decimal.js';

/** A deployment's display name and its strategy label (free text). */
export const MAX_NAME_CHARS = 100;
export const MAX_STRATEGY_CHARS = 100;
/**
 * Fill ids (the broker's execution id), order ids (ours are ≤ 48 chars, but an order placed at
 * Alpaca by someone else can carry any `client_order_id` up to Alpaca's 128), broker order ids,
 * status-change and rebalance-run ids.
 */
export const MAX_ID_CHARS = 128;
/** `Idempotency-Key` header of POST …/orders and POST …/capital-flows: 1–128 visible ASCII characters. */
export const MAX_IDEMPOTENCY_KEY_CHARS = 128;
/** Capital-flow ids: room for `<deployment id>:<idempotency key>:house` (32 + 1 + 128 + 6 = 167). */
export const MAX_FLOW_ID_CHARS = 200;
/** An order's status reason (the broker's words): longer text is cut to this on the way in. */
export const MAX_REASON_CHARS = 2000;
/** A mark's source label ("import", "alpaca:trade", …). */
export const MAX_SOURCE_CHARS = 64;
/** A deployment's `allowed_symbols` list. */
export const MAX_ALLOWED_SYMBOLS = 1000;

/** Largest quantity of one fill leg, order or block participant (shares or units): 10^12. */
export const MAX_QTY = dec('1000000000000');
/** Largest price (fill, mark, limit, reservation): 10^9. */
export const MAX_PRICE = dec('1000000000');
/**
 * Largest amount of money in one event — a fill leg's qty × price, a fee, an initial capital, a
 * capital flow (either sign), a risk limit: 10^15. Projections store values of at most 20 integer
 * digits, so 100,000 such events at the limit still fit in a sleeve's cash.
 */
export const MAX_AMOUNT = dec('1000000000000000');
/**
 * Largest size of any figure of a sleeve an import may leave behind after any of its lines: cash,
 * a position's quantity, market value and cost, equity, realized and unrealized P&L, fees,
 * dividends (each by average cost and by FIFO). Stored figures have at most 20 integer digits, so
 * the account's totals still fit with 100 sleeves at this size: 10^18.
 */
export const MAX_BOOK_VALUE = dec('1000000000000000000');
/** Largest cash dividend per share: 10^6 (× at most 10^12 shares stays within 10^18). */
export const MAX_DIVIDEND_PER_SHARE = dec('1000000');
/** Split ratio (new shares per old share), from a 1-for-1,000,000 reverse split to 1,000,000-for-1. */
export const MIN_SPLIT_RATIO = dec('0.000001');
export const MAX_SPLIT_RATIO = dec('1000000');

/** Edge rule: initial capital and capital flows are whole cents. */
export const MONEY_PLACES = 2;
/** Edge rule: an imported dividend per share has at most 6 decimal places (declared rates are quoted so). */
export const DIVIDEND_PLACES = 6;

/** Event times lie in the years 1970–2100 (UTC), inclusive. */
export const FIRST_TIME = '1970-01-01T00:00:00.000Z';
export const LAST_TIME = '2100-12-31T23:59:59.999Z';
const FIRST_MS = Date.parse(FIRST_TIME);
const LAST_MS = Date.parse(LAST_TIME);
/** Edge rule: an imported event may be at most a day ahead of the machine's clock. */
export const MAX_FUTURE_MS = 86_400_000;

/** Why `value` is beyond `max` in size (either sign), or undefined. */
export function magnitudeProblem(value: Dec, max: Dec): string | undefined {
  if (value > max) return `must be at most ${toPlain(max)}`;
  if (value < -max) return `must be at least -${toPlain(max)}`;
  return undefined;
}

/** Why `value` has more than `places` decimal places, or undefined. */
export function placesProblem(value: Dec, places: number, unit?: string): string | undefined {
  const step = 10n ** BigInt(SCALE_DIGITS - places);
  if (value % step === 0n) return undefined;
  return `must have at most ${places} decimal places${unit ? ` (${unit})` : ''}`;
}

/** Why an ISO time (already checked for form) is outside 1970–2100, or undefined. */
export function timeRangeProblem(text: string): string | undefined {
  // The years 1971–2099 are within the range whatever the zone (±24 h): no need to parse.
  const year = text.slice(0, 4);
  if (year >= '1971' && year <= '2099' && text.length > 4) return undefined;
  const ms = Date.parse(text);
  return ms >= FIRST_MS && ms <= LAST_MS ? undefined : 'must be in the years 1970–2100 (UTC)';
}

/**
 * True when `text` holds a control character (U+0000–U+001F, U+007F–U+009F) or half of a
 * surrogate pair: neither survives every store and terminal, so no journaled text has one.
 */
export function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return true;
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return true;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) return true;
  }
  return false;
}

const stringError = (issue: { input?: unknown }) => (issue.input === undefined ? 'is required' : 'must be a string');

/** Text of 1..`max` characters without control characters (names, ids, labels). A new schema per call. */
export function boundedText(max: number) {
  return z
    .string({ error: stringError })
    .min(1, { error: 'must not be empty' })
    .max(max, { error: `must be at most ${max} characters` })
    .refine((text) => !hasControlCharacter(text), { error: 'must not contain control characters' });
}

const IDEMPOTENCY_KEY = new RegExp(`^[\\x21-\\x7e]{1,${MAX_IDEMPOTENCY_KEY_CHARS}}$`);

/** An idempotency key: 1–128 visible ASCII characters. A new schema per call. */
export function idempotencyKeyText() {
  return z
    .string({ error: stringError })
    .regex(IDEMPOTENCY_KEY, { error: `must be 1–${MAX_IDEMPOTENCY_KEY_CHARS} visible ASCII characters` });
}

/** Why `key` is not a valid idempotency key, or undefined. */
export function idempotencyKeyProblem(key: string): string | undefined {
  return IDEMPOTENCY_KEY.test(key) ? undefined : `must be 1–${MAX_IDEMPOTENCY_KEY_CHARS} visible ASCII characters`;
}

/** Cuts a free-text reason to `MAX_REASON_CHARS` (never leaving half a surrogate pair) and drops NULs. */
export function clampReason(text: string): string {
  let out = text.includes('\u0000') ? text.replaceAll('\u0000', '') : text;
  if (out.length > MAX_REASON_CHARS) {
    out = out.slice(0, MAX_REASON_CHARS);
    const last = out.charCodeAt(out.length - 1);
    if (last >= 0xd800 && last <= 0xdbff) out = out.slice(0, -1);
  }
  return out;
}
