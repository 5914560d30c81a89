/**
 * JSON parsing that never turns a number into a binary float. Alpaca's trading API sends numbers
 * as strings already, but its market-data API sends JSON numbers (`"p": 150.25`, sometimes in
 * exponent form from its encoder), and a price must reach `Dec` from its decimal text.
 *
 * Entry points: `parseJsonKeepingNumbers(text)`, `plainNumberText(text)`.
 * Invariant: every number token becomes a string of plain decimal digits with the same value
 * (exponents expanded exactly); strings, booleans and null are untouched.
 * Kept in sync with src/emulator/json.ts (the emulator may not import adapters).
 */

/** Parses JSON; each number becomes its exact decimal text. Throws SyntaxError when malformed. */
export function parseJsonKeepingNumbers(text: string): unknown {
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
      out += `"${plainNumberText(text.slice(start, i))}"`;
    } else {
      out += c;
      i++;
    }
  }
  return JSON.parse(out);
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
