/**
 * The account's wash-sale report for a tax year (src/core/wash-sales.ts does the matching): read
 * the journal's fills and splits of every sleeve from the store, match, keep the sales of that year
 * and turn them into JSON-ready rows (exact decimal strings), with totals, or CSV.
 *
 * An account-level tax view: each sleeve's own P&L is unchanged by it. Not tax advice.
 * Entry points: `washSaleReport(store, year)`, `washSaleCsv(report)`, `yearProblem(text)`.
 */
import { type Dec, toPlain } from '../../core/decimal.js';
import { type WashSale, findWashSales, washSalesIn } from '../../core/wash-sales.js';
import { toCsv } from './csv.js';
import { decodeRecord } from '../journal/journal-read.js';
import type { StorePort } from '../ports/store-port.js';

export interface WashSaleRow {
  symbol: string;
  sale_fill_id: string;
  sale_date: string;
  sold_by: string[];
  sold_lot_fill_id: string;
  sold_held_from: string;
  qty: string;
  proceeds: string;
  basis: string;
  loss: string;
  disallowed: string;
  replacement_fill_id: string;
  replacement_date: string;
  replaced_by: string[];
  replacement_basis: string;
  replacement_adjusted_basis: string;
  carried_days: number;
  replacement_held_from: string;
}

export interface WashSaleReport {
  year: number;
  /** One row per sold slice matched with one replacement lot, in the order of the sales. */
  wash_sales: WashSaleRow[];
  totals: { disallowed: string; by_symbol: { symbol: string; disallowed: string }[] };
  note: string;
}

export const WASH_SALE_NOTE =
  "Account-level tax view (one taxpayer, every sleeve's fills, FIFO lots as the broker reports them); each sleeve's P&L is unchanged. Not tax advice: see docs/wash-sales.md.";

const MIN_YEAR = 1970;
const MAX_YEAR = 2100;

/** Why `text` is not a tax year (four digits, 1970–2100, the journal's bounds), or undefined. */
export function yearProblem(text: string): string | undefined {
  if (!/^\d{4}$/.test(text)) return 'must be a year of four digits, e.g. 2025';
  const year = Number(text);
  return year < MIN_YEAR || year > MAX_YEAR ? `must be between ${MIN_YEAR} and ${MAX_YEAR}` : undefined;
}

const PAGE = 5000;

/** The wash sales whose sale falls in `year`. Earlier years' adjustments carry in (the whole journal is read). */
export async function washSaleReport(store: StorePort, year: number): Promise<WashSaleReport> {
  const events = [];
  for (let after = 0; ;) {
    const page = await store.readJournal(after, PAGE);
    for (const record of page) {
      const event = decodeRecord(record);
      if (event.type === 'fill' || event.type === 'split') events.push(event);
    }
    if (page.length < PAGE) break;
    after = page.at(-1)!.seq;
  }
  const sales = washSalesIn(findWashSales(events), year);
  const bySymbol = new Map<string, bigint>();
  for (const s of sales) bySymbol.set(s.symbol, (bySymbol.get(s.symbol) ?? 0n) + s.disallowed);
  return {
    year,
    wash_sales: sales.map(rowOf),
    totals: {
      disallowed: toPlain(sales.reduce((sum, s) => sum + s.disallowed, 0n) as Dec),
      by_symbol: [...bySymbol]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([symbol, d]) => ({ symbol, disallowed: toPlain(d as Dec) })),
    },
    note: WASH_SALE_NOTE,
  };
}

function rowOf(s: WashSale): WashSaleRow {
  return {
    symbol: s.symbol,
    sale_fill_id: s.sale.fillId,
    sale_date: s.sale.date,
    sold_by: [...s.sale.sleeves],
    sold_lot_fill_id: s.sale.lotFillId,
    sold_held_from: s.sale.heldFrom,
    qty: toPlain(s.qty),
    proceeds: toPlain(s.proceeds),
    basis: toPlain(s.basis),
    loss: toPlain(s.loss),
    disallowed: toPlain(s.disallowed),
    replacement_fill_id: s.replacement.fillId,
    replacement_date: s.replacement.date,
    replaced_by: [...s.replacement.sleeves],
    replacement_basis: toPlain(s.replacement.basis),
    replacement_adjusted_basis: toPlain(s.replacement.adjustedBasis),
    carried_days: s.replacement.carriedDays,
    replacement_held_from: s.replacement.heldFrom,
  };
}

const COLUMNS = [
  'symbol',
  'sale_date',
  'sale_fill_id',
  'sold_by',
  'qty',
  'proceeds',
  'basis',
  'loss',
  'disallowed',
  'replacement_date',
  'replacement_fill_id',
  'replaced_by',
  'replacement_basis',
  'replacement_adjusted_basis',
  'carried_days',
  'replacement_held_from',
] as const;

/** The report's rows as CSV (sleeve lists joined with spaces). */
export function washSaleCsv(report: WashSaleReport): string {
  return toCsv(
    COLUMNS,
    report.wash_sales.map((r) => {
      const cells: Record<(typeof COLUMNS)[number], string | number> = {
        ...r,
        sold_by: r.sold_by.join(' '),
        replaced_by: r.replaced_by.join(' '),
      };
      return cells;
    }),
  );
}
