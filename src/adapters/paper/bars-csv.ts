/**
 * Reads the bars CSV users supply for the paper broker (format: docs/prices-csv.md) and turns it
 * into typed bars for the simulation's `BarsMarket`. Parsing happens here, at the edge; src/sim
 * only ever sees valid `Bar`s.
 *
 * Entry points: `parseBarsCsv(text, fileName)`, `loadBarsCsv(path)`, `barsMarketFromCsv(path)`,
 * `BarsCsvError`.
 * Invariants: every error names the file, the 1-based line and the column; the result is in time
 * order with at most one bar per symbol and timestamp; prices and volumes are exact `Dec`;
 * timestamps are normalized to ISO-8601 UTC with milliseconds.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { type Dec, decimalProblem, parseDec } from '../../core/decimal.js';
import { type Symbol, symbolProblem } from '../../core/ids.js';
import { type Bar, BarsMarket } from '../../sim/index.js';

export const BAR_COLUMNS = ['ts', 'symbol', 'open', 'high', 'low', 'close', 'volume'] as const;
type Column = (typeof BAR_COLUMNS)[number];

/** A problem in a bars file, at a line (1-based) and a column (its header name). */
export class BarsCsvError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: string,
    readonly problem: string,
  ) {
    super(`${file} line ${line}, column "${column}": ${problem}`);
    this.name = 'BarsCsvError';
  }
}

export interface BarsFile {
  readonly bars: Bar[];
  /** "bars:<file name>", the label shown wherever these prices appear. */
  readonly source: string;
}

/** Parses bars CSV text. Throws `BarsCsvError` at the first problem. */
export function parseBarsCsv(text: string, fileName: string): Bar[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const header = lines[0]!.split(',').map((h) => h.trim());
  const fail = (line: number, column: string, problem: string): never => {
    throw new BarsCsvError(fileName, line, column, problem);
  };
  if (header.length === 1 && header[0] === '')
    fail(1, BAR_COLUMNS[0], `the file is empty; expected the header ${BAR_COLUMNS.join(',')}`);
  const position = new Map<string, number>();
  header.forEach((name, i) => {
    if (position.has(name)) fail(1, name, 'the column appears twice in the header');
    position.set(name, i);
  });
  for (const column of BAR_COLUMNS) {
    if (!position.has(column)) fail(1, column, `the header lacks this column (expected ${BAR_COLUMNS.join(',')})`);
  }

  const bars: Bar[] = [];
  const seen = new Map<string, number>();
  let previous: { ts: string; line: number } | undefined;
  for (let i = 1; i < lines.length; i++) {
    const lineNo = i + 1;
    if (lines[i]!.trim() === '') continue;
    const fields = lines[i]!.split(',').map((f) => f.trim());
    if (fields.length < header.length)
      fail(lineNo, header[fields.length]!, `missing: expected ${header.length} fields, found ${fields.length}`);
    if (fields.length > header.length)
      fail(lineNo, `#${header.length + 1}`, `extra field: expected ${header.length} fields, found ${fields.length}`);
    const field = (column: Column) => fields[position.get(column)!]!;

    const ts =
      parseTimestamp(field('ts')) ??
      fail(
        lineNo,
        'ts',
        `"${field('ts')}" is not an ISO-8601 date or date-time with an offset (e.g. 2025-01-02T14:30:00Z)`,
      );
    const symbolProblemText = symbolProblem(field('symbol'));
    if (symbolProblemText) fail(lineNo, 'symbol', symbolProblemText);
    const symbol = field('symbol') as Symbol;
    const number = (column: Column, positive: boolean): Dec => {
      const problem = decimalProblem(field(column));
      if (problem) fail(lineNo, column, problem);
      const value = parseDec(field(column));
      if (positive ? value <= 0n : value < 0n)
        fail(lineNo, column, `${field(column)} must be ${positive ? '> 0' : '≥ 0'}`);
      return value;
    };
    const open = number('open', true);
    const high = number('high', true);
    const low = number('low', true);
    const close = number('close', true);
    const volume = number('volume', false);
    if (high < open || high < close || high < low)
      fail(lineNo, 'high', `high ${field('high')} is below open, low or close`);
    if (low > open || low > close) fail(lineNo, 'low', `low ${field('low')} is above open or close`);

    if (previous && ts < previous.ts) {
      fail(lineNo, 'ts', `${ts} is earlier than line ${previous.line} (${previous.ts}); rows must be in time order`);
    }
    const key = `${ts} ${symbol}`;
    if (seen.has(key))
      fail(lineNo, 'symbol', `a second bar for ${symbol} at ${ts} (the first is on line ${seen.get(key)})`);
    seen.set(key, lineNo);
    previous = { ts, line: lineNo };
    bars.push({ ts, symbol, open, high, low, close, volume });
  }
  if (bars.length === 0) fail(2, BAR_COLUMNS[0], 'no bars after the header');
  return bars;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** A date ("2025-01-02", midnight UTC) or a date-time with an offset, as ISO UTC; undefined if invalid. */
export function parseTimestamp(text: string): string | undefined {
  const m = DATE.exec(text) ?? DATE_TIME.exec(text);
  if (!m) return undefined;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const calendar = new Date(Date.UTC(year, month - 1, day));
  if (calendar.getUTCFullYear() !== year || calendar.getUTCMonth() !== month - 1 || calendar.getUTCDate() !== day)
    return undefined;
  if (m[4] !== undefined && (Number(m[4]) > 23 || Number(m[5]) > 59 || Number(m[6] ?? 0) > 59)) return undefined;
  // Sub-millisecond digits are cut to milliseconds; Date.parse understands the rest exactly.
  const ms = Date.parse(m[4] === undefined ? `${text}T00:00:00Z` : text.replace(/(\.\d{3})\d+/, '$1'));
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

/** Reads and parses a bars file. Throws `BarsCsvError`, or the file system's error (with its cause). */
export async function loadBarsCsv(path: string): Promise<BarsFile> {
  const name = basename(path);
  const text = await readFile(path, 'utf8');
  return { bars: parseBarsCsv(text, name), source: `bars:${name}` };
}

/** A `BarsMarket` replaying a bars file. */
export async function barsMarketFromCsv(path: string, options: { spreadBps?: number } = {}): Promise<BarsMarket> {
  const file = await loadBarsCsv(path);
  return new BarsMarket({ bars: file.bars, source: file.source, ...options });
}
