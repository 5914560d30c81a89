/** The bars CSV format of docs/prices-csv.md: what parses, and errors that name line and column. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dec } from '../../core/decimal.js';
import { BarsCsvError, parseBarsCsv, parseTimestamp } from './bars-csv.js';

const HEADER = 'ts,symbol,open,high,low,close,volume';
const csv = (...rows: string[]) => [HEADER, ...rows].join('\n');
const problem = (text: string) => {
  try {
    parseBarsCsv(text, 'prices.csv');
  } catch (error) {
    assert.ok(error instanceof BarsCsvError);
    return `line ${error.line}, ${error.column}: ${error.problem}`;
  }
  assert.fail('expected a BarsCsvError');
};

describe('parseBarsCsv', () => {
  it('reads bars as exact decimals with normalized UTC timestamps', () => {
    const bars = parseBarsCsv(
      csv(
        '2025-01-02T09:30:00-05:00,AAPL,190.10,191,189.5,190.75,12000',
        '2025-01-02T14:30:00Z,MSFT,420,421,419,420.5,800',
        '',
        '2025-01-03,AAPL,0.1234,0.2,0.1,0.15,0',
      ) + '\r\n',
      'prices.csv',
    );
    assert.deepEqual(bars[0], {
      ts: '2025-01-02T14:30:00.000Z',
      symbol: 'AAPL',
      open: dec('190.10'),
      high: dec('191'),
      low: dec('189.5'),
      close: dec('190.75'),
      volume: dec('12000'),
    });
    assert.deepEqual(
      bars.map((b) => b.ts),
      ['2025-01-02T14:30:00.000Z', '2025-01-02T14:30:00.000Z', '2025-01-03T00:00:00.000Z'],
    );
  });

  it('accepts the columns in any order and ignores extra columns', () => {
    const bars = parseBarsCsv(
      'symbol,ts,close,open,high,low,volume,vwap\nKO,2025-01-02,62,61,63,60,100,61.7\n',
      'p.csv',
    );
    assert.equal(bars[0]!.close, dec('62'));
  });

  it('names the line and the column of every problem', () => {
    const ok = '2025-01-02T14:30:00Z,AAPL,190,191,189,190.5,100';
    assert.equal(
      problem(csv(ok, '2025-01-02T14:31:00Z,AAPL,190,191,189,abc,100')),
      'line 3, close: "abc" is not a decimal number (expected digits with an optional sign and fraction, e.g. "150.25")',
    );
    assert.equal(
      problem('ts,symbol,open,high,low,volume\n'),
      'line 1, close: the header lacks this column (expected ts,symbol,open,high,low,close,volume)',
    );
    assert.equal(
      problem(''),
      'line 1, ts: the file is empty; expected the header ts,symbol,open,high,low,close,volume',
    );
    assert.equal(problem(HEADER + '\n\n'), 'line 2, ts: no bars after the header');
    assert.equal(
      problem(csv(ok, 'yesterday,AAPL,1,1,1,1,1')),
      'line 3, ts: "yesterday" is not an ISO-8601 date or date-time with an offset (e.g. 2025-01-02T14:30:00Z)',
    );
    assert.match(problem(csv('2025-01-02T14:30:00,AAPL,1,1,1,1,1')), /^line 2, ts: /, 'a date-time needs an offset');
    assert.match(problem(csv('2025-02-30,AAPL,1,1,1,1,1')), /^line 2, ts: /);
    assert.equal(
      problem(csv(ok, '2025-01-02T14:29:00Z,AAPL,1,1,1,1,1')),
      'line 3, ts: 2025-01-02T14:29:00.000Z is earlier than line 2 (2025-01-02T14:30:00.000Z); rows must be in time order',
    );
    assert.equal(
      problem(csv(ok, ok)),
      'line 3, symbol: a second bar for AAPL at 2025-01-02T14:30:00.000Z (the first is on line 2)',
    );
    assert.match(problem(csv('2025-01-02,aapl,1,1,1,1,1')), /^line 2, symbol: "aapl" is not a valid symbol/);
    assert.equal(problem(csv('2025-01-02,AAPL,1,1,1,0,1')), 'line 2, close: 0 must be > 0');
    assert.equal(problem(csv('2025-01-02,AAPL,1,1,1,1,-5')), 'line 2, volume: -5 must be ≥ 0');
    assert.equal(problem(csv('2025-01-02,AAPL,1,0.9,0.8,1,1')), 'line 2, high: high 0.9 is below open, low or close');
    assert.equal(problem(csv('2025-01-02,AAPL,1,2,1.5,1.8,1')), 'line 2, low: low 1.5 is above open or close');
    assert.equal(problem(csv('2025-01-02,AAPL,1,1,1')), 'line 2, close: missing: expected 7 fields, found 5');
    assert.equal(problem(csv('2025-01-02,AAPL,1,1,1,1,1,9')), 'line 2, #8: extra field: expected 7 fields, found 8');
    assert.equal(
      problem('ts,symbol,open,high,low,close,volume,ts\n'),
      'line 1, ts: the column appears twice in the header',
    );
  });

  it('puts file, line and column in the message', () => {
    assert.throws(() => parseBarsCsv(csv('2025-01-02,AAPL,1,1,1,x,1'), 'prices.csv'), {
      message: /^prices\.csv line 2, column "close": /,
    });
  });
});

describe('parseTimestamp', () => {
  it('normalizes offsets and cuts sub-millisecond digits', () => {
    assert.equal(parseTimestamp('2025-01-02T09:30-05:00'), '2025-01-02T14:30:00.000Z');
    assert.equal(parseTimestamp('2025-01-02T14:30:00.123456789Z'), '2025-01-02T14:30:00.123Z');
    assert.equal(parseTimestamp('2025-01-02T24:00:00Z'), undefined);
  });
});
