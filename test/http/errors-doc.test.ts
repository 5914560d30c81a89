// docs/errors.md lists every code of the catalog (src/app/errors.ts) with its HTTP status, plus
// INTERNAL, and nothing else.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ERROR_CODES } from '../../src/app/errors.js';
import { INTERNAL } from '../../src/http/error-handler.js';

const rows = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8')
  .split('\n')
  .map((line) => /^\|\s*`([A-Z_]+)`\s*\|\s*(\d{3})\s*\|\s*(.+?)\s*\|$/.exec(line))
  .filter((m) => m !== null)
  .map((m) => ({ code: m[1]!, status: Number(m[2]), summary: m[3]! }));

test('docs/errors.md lists every catalog code with its status, and INTERNAL', () => {
  const expected = [
    ...Object.entries(ERROR_CODES).map(([code, { status }]) => ({ code, status })),
    { code: INTERNAL.code, status: INTERNAL.status },
  ];
  assert.deepEqual(
    rows.map(({ code, status }) => ({ code, status })).sort((a, b) => a.code.localeCompare(b.code)),
    expected.sort((a, b) => a.code.localeCompare(b.code)),
  );
});

test('every documented code has a summary', () => {
  for (const row of rows) assert.ok(row.summary.trim().length > 10, row.code);
});
