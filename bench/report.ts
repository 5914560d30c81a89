/** Timing and printing helpers shared by the benchmarks, and the closing summary table. */
import { performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import vm from 'node:vm';

export const now = (): number => performance.now();

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** 1234567 → "1,234,567". */
export const int = (n: number): string => Math.round(n).toLocaleString('en-US');

/** Events per second, humanly: "1.23 M/s", "45.6 k/s". */
export function rate(count: number, ms: number): string {
  const perSecond = (count * 1000) / ms;
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(2)} M`;
  if (perSecond >= 1e3) return `${(perSecond / 1e3).toFixed(1)} k`;
  return perSecond.toFixed(0);
}

export const ms = (value: number): string => `${int(value)} ms`;

export type Status = 'MET' | 'NOT MET' | 'SKIPPED' | 'INFO' | 'FAILED';

export interface SummaryRow {
  readonly bench: string;
  readonly figure: string;
  readonly baseline: string;
  readonly ratio: string;
  readonly target: string;
  readonly status: Status;
}

export function printSummary(rows: readonly SummaryRow[]): void {
  const header: SummaryRow = {
    bench: 'benchmark',
    figure: 'measured',
    baseline: 'baseline',
    ratio: 'ratio',
    target: 'target',
    status: 'INFO',
  };
  const cells = [header, ...rows].map((r) => [
    r.bench,
    r.figure,
    r.baseline,
    r.ratio,
    r.target,
    r === header ? 'result' : r.status,
  ]);
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => '| ' + c.map((v, i) => v.padEnd(widths[i]!)).join(' | ') + ' |';
  console.log('\nSummary');
  console.log(line(cells[0]!));
  console.log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
  for (const c of cells.slice(1)) console.log(line(c));
}

let gcFn: (() => void) | undefined;

/** A full garbage collection before a timed run, so no run pays for the previous one's garbage. */
export function collectGarbage(): void {
  if (!gcFn) {
    v8.setFlagsFromString('--expose-gc');
    gcFn = vm.runInNewContext('gc') as () => void;
  }
  gcFn();
}
