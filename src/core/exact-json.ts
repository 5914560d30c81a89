/**
 * JSON with exact numbers (the emulator's and the gateway's wire): Alpaca's trading API sends every number as a string, but its
 * market-data API sends JSON numbers (`"p": 150.25`), and bots may send numbers in order bodies.
 * Neither direction may pass a price through a binary float, so numbers are written from and read
 * into their decimal text.
 *
 * Entry points: `rawNumber(dec)` + `stringifyJson(value)` (numbers written verbatim),
 * `parseJsonKeepingNumbers(text)` (every number token becomes its decimal string).
 * Invariant: the text of a number is never re-formatted: what goes in is what comes out.
 */
import { type Dec, toPlain } from './decimal.js';

const MARK = '@@raw-number@@';

/** A JSON number written exactly as `toPlain(value)`. */
export interface RawNumber {
  readonly [MARK]: string;
}

export const rawNumber = (value: Dec | bigint | number): RawNumber => ({
  [MARK]: typeof value === 'number' ? String(value) : toPlain(value as Dec),
});

/** JSON.stringify that writes `RawNumber`s as bare numbers. */
export function stringifyJson(value: unknown): string {
  const text = JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && MARK in v ? `${MARK}${(v as RawNumber)[MARK]}` : v,
  );
  return text.replace(new RegExp(`"${MARK}(-?[0-9.eE+-]+)"`, 'g'), '$1');
}

/**
 * Parses JSON with every number token turned into a string holding its exact text
 * (`{"qty": 1.50}` → `{ qty: "1.50" }`); `plain: true` also writes exponent forms out as plain
 * digits of the same value (`1.5e-3` → `"0.0015"`, what a market-data feed may send). Throws
 * SyntaxError on malformed JSON.
 */
export function parseJsonKeepingNumbers(text: string, options: { plain?: boolean } = {}): unknown {
  const numberText = options.plain ? plainNumberText : (t: string) => t;
  return JSON.parse(mapNumberTokens(text, (token) => `"${numberText(token)}"`));
}

/**
 * `text` (JSON) with every number token replaced by `replace(token)`, strings left as they are: the
 * one scanner behind every reader here that must not let a number pass through a float.
 */
export function mapNumberTokens(text: string, replace: (token: string) => string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"') {
      const start = i++;
      while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
      out += text.slice(start, ++i);
    } else if (c === '-' || (c >= '0' && c <= '9')) {
      const start = i;
      while (i < text.length && /[0-9eE.+-]/.test(text[i]!)) i++;
      out += replace(text.slice(start, i));
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** "1.5e-3" → "0.0015", "2E+2" → "200"; plain numbers are returned as they are. */
export function plainNumberText(text: string): string {
  const m = /^(-?)(\d+)(?:\.(\d+))?[eE]([+-]?\d+)$/.exec(text);
  if (!m) return text;
  const [, sign, whole, fraction = '', exponent] = m;
  const digits = whole! + fraction;
  const point = whole!.length + Number(exponent);
  const body =
    point <= 0
      ? `0.${'0'.repeat(-point)}${digits}`
      : point >= digits.length
        ? digits + '0'.repeat(point - digits.length)
        : `${digits.slice(0, point)}.${digits.slice(point)}`;
  const trimmed = body.replace(/^0+(?=\d)/, '');
  return sign + (trimmed.includes('.') ? trimmed.replace(/0+$/, '').replace(/\.$/, '') : trimmed);
}
