/**
 * `subledger import`: loads a JSON-lines journal. Every line is checked in ONE pass — its form
 * and bounds (the journal's own schema, journal-codec.ts), the import's own rules, and its meaning
 * against the journal and the lines before it — and if any line is bad, every problem of every
 * line is reported (line number, field, reason) and nothing is written. Otherwise all new events
 * are journaled in ONE transaction; lines already journaled with the same content are counted as
 * duplicates, so importing the same file twice adds nothing.
 *
 * The import's own rules (on top of what the journal accepts; docs/journal-format.md):
 * - only ledger facts are imported (deployment, fill, capital_flow, split, dividend, mark): the
 *   app's internal event types (`INTERNAL_TYPES`: orders, order updates, blocks, rebalance runs,
 *   status changes) are refused, and a fill may not name (`order_id`) an order of this journal;
 * - no event time more than a day ahead of this machine's clock (`MAX_FUTURE_MS`);
 * - initial capital and capital flows in whole cents, a dividend per share to 6 decimal places;
 * - after each line, every figure of every sleeve it touches (cash, quantities, values, P&L, fees,
 *   dividends) stays within `MAX_BOOK_VALUE`, so `books`, `history` and the API can show it.
 */
import { type Dec, ZERO, toPlain } from '../../core/decimal.js';
import { type DeploymentId, deploymentIdProblem } from '../../core/ids.js';
import { type Ledger, type Sleeve, isApplied } from '../../core/ledger.js';
import { sleeveTotals } from '../../core/valuation.js';
import { type AccountState, applyJournalEvent } from './account-state.js';
import {
  DIVIDEND_PLACES,
  FIRST_TIME,
  MAX_BOOK_VALUE,
  MAX_FUTURE_MS,
  MONEY_PLACES,
  placesProblem,
} from './journal-bounds.js';
import {
  type FieldProblem,
  INTERNAL_TYPES,
  type JournalEvent,
  journalKey,
  parseJournalObject,
} from './journal-codec.js';
import { type LedgerService, cloneState } from './ledger-service.js';

export interface LineProblem {
  readonly line: number;
  readonly field: string;
  readonly message: string;
}

export type ImportResult =
  | { readonly ok: true; readonly appended: number; readonly duplicates: number; readonly lines: number }
  | { readonly ok: false; readonly problems: readonly LineProblem[] };

export interface ImportOptions {
  /** Time of the metrics snapshot written with the import (default: the latest event time). */
  readonly snapshotAt?: string;
  /** The machine's clock, for the "not more than a day ahead" rule (default: `new Date()`). */
  readonly now?: () => Date;
}

const IMPORTED_TYPES = ['deployment', 'fill', 'capital_flow', 'split', 'dividend', 'mark'];

export async function importJournal(
  service: LedgerService,
  text: string,
  options: ImportOptions = {},
): Promise<ImportResult> {
  const latestAllowed = (options.now ?? (() => new Date()))().getTime() + MAX_FUTURE_MS;
  const problems: LineProblem[] = [];
  // Every line that parses goes to the meaning check, in file order; so does a stand-in for a
  // deployment line that did not parse, so its fills are not reported as "unknown deployment" too.
  const checked: { event: JournalEvent; line: number | null }[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const report = (list: readonly FieldProblem[]) => {
      for (const p of list) problems.push({ line: i + 1, field: p.field, message: p.message });
    };
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      return report([{ field: '(line)', message: `not valid JSON (${(error as Error).message})` }]);
    }
    const type = (value as { type?: unknown } | null)?.type;
    if (typeof type === 'string' && INTERNAL_TYPES.has(type)) {
      return report([
        {
          field: 'type',
          message: `"${type}" is journaled by Subledger itself and cannot be imported (import ${IMPORTED_TYPES.map((t) => `"${t}"`).join(', ')})`,
        },
      ]);
    }
    const parsed = parseJournalObject(value);
    if ('problems' in parsed) {
      report(parsed.problems);
      const named = (value as { deployment?: unknown }).deployment;
      if (type === 'deployment' && typeof named === 'string' && deploymentIdProblem(named) === undefined)
        checked.push({ event: standIn(named as DeploymentId), line: null });
      return;
    }
    report(importProblems(service, parsed.event, latestAllowed));
    checked.push({ event: parsed.event, line: i + 1 });
  });
  // A stand-in gives way to a line that declares the same deployment properly.
  const declared = new Set(
    checked.flatMap((c) => (c.line !== null && c.event.type === 'deployment' ? [c.event.deployment] : [])),
  );
  const meant = checked.filter(
    (c) => c.line !== null || (c.event.type === 'deployment' && !declared.has(c.event.deployment)),
  );
  const events = meant.map((c) => c.event);
  for (const p of await service.check(events)) {
    const line = meant[p.index]!.line;
    if (line !== null) problems.push({ line, field: p.field, message: p.message });
  }
  problems.push(...booksProblems(service.state, meant));
  if (problems.length > 0) return { ok: false, problems: problems.sort((a, b) => a.line - b.line) };
  const lastTs = events.reduce((max, e) => (e.ts > max ? e.ts : max), '');
  const result = await service.append(events, { snapshotAt: options.snapshotAt ?? (lastTs || undefined) });
  return { ok: true, appended: result.appended, duplicates: result.duplicates, lines: events.length };
}

/**
 * Folds the lines into a copy of the books and reports each line after which a sleeve holds a
 * figure beyond `MAX_BOOK_VALUE` (each line's own bounds cannot see what several add up to, e.g.
 * two large splits): the first such line per sleeve. Lines that cannot apply (their problems are
 * reported elsewhere) are skipped.
 */
function booksProblems(
  committed: AccountState,
  checked: readonly { event: JournalEvent; line: number | null }[],
): LineProblem[] {
  const out: LineProblem[] = [];
  const state = cloneState(committed);
  const reported = new Set<DeploymentId>();
  const { sleeves, marks } = state.ledger;
  for (const { event, line } of checked) {
    if (line === null) continue;
    try {
      applyJournalEvent(state, event);
    } catch {
      continue;
    }
    let touched: DeploymentId[];
    let field: string;
    switch (event.type) {
      case 'deployment':
        [touched, field] = [[event.deployment], 'initial_capital'];
        break;
      case 'capital_flow':
        [touched, field] = [[event.deployment], 'amount'];
        break;
      case 'fill':
        [touched, field] = [event.legs.map((l) => l.deployment), event.legs.length === 1 ? 'qty' : 'legs'];
        break;
      default: {
        const symbol = event.type === 'deployment_status' || !('symbol' in event) ? undefined : event.symbol;
        touched = [...sleeves.values()].filter((s) => symbol && s.positions.has(symbol)).map((s) => s.deployment);
        field = event.type === 'split' ? 'ratio' : event.type === 'dividend' ? 'amount_per_share' : 'price';
      }
    }
    for (const deployment of new Set(touched)) {
      if (reported.has(deployment)) continue; // once beyond, later lines only repeat it
      const beyond = beyondBooks(sleeves.get(deployment)!, marks);
      if (beyond) {
        reported.add(deployment);
        out.push({
          line,
          field,
          message: `takes deployment '${deployment}' beyond what the books carry: its ${beyond.what} would be ${toPlain(beyond.value)} (at most ${toPlain(MAX_BOOK_VALUE)} in size)`,
        });
        break;
      }
    }
  }
  return out;
}

/** The first figure of `sleeve` beyond `MAX_BOOK_VALUE` in size, if any. */
function beyondBooks(sleeve: Sleeve, marks: Ledger['marks']): { what: string; value: Dec } | undefined {
  const big = (value: Dec) => value > MAX_BOOK_VALUE || value < -MAX_BOOK_VALUE;
  for (const p of sleeve.positions.values()) {
    if (big(p.qty)) return { what: `${p.symbol} quantity`, value: p.qty };
    if (big(p.cost)) return { what: `${p.symbol} cost`, value: p.cost };
  }
  for (const method of ['average', 'fifo'] as const) {
    const totals = sleeveTotals(sleeve, marks, method);
    for (const what of ['cash', 'positionsValue', 'equity', 'realized', 'unrealized', 'fees', 'dividends'] as const) {
      if (big(totals[what])) return { what: FIGURE_NAMES[what], value: totals[what] };
    }
  }
  return undefined;
}

const FIGURE_NAMES = {
  cash: 'cash',
  positionsValue: 'positions value',
  equity: 'equity',
  realized: 'realized P&L',
  unrealized: 'unrealized P&L',
  fees: 'fees',
  dividends: 'dividends',
} as const;

/** A placeholder for a deployment whose line has problems of its own (never journaled). */
function standIn(deployment: DeploymentId): JournalEvent {
  return {
    type: 'deployment',
    deployment,
    initialCapital: ZERO,
    costMethod: 'average',
    name: deployment,
    strategy: deployment,
    limits: {},
    ts: FIRST_TIME,
  };
}

/** The import's own rules for one parsed event (see the module comment). */
function importProblems(service: LedgerService, event: JournalEvent, latestAllowed: number): FieldProblem[] {
  const out: FieldProblem[] = [];
  if (Date.parse(event.ts) > latestAllowed)
    out.push({ field: 'ts', message: "is more than a day ahead of this machine's clock" });
  const places = (field: string, value: Dec, count: number, unit?: string) => {
    const problem = placesProblem(value, count, unit);
    if (problem) out.push({ field, message: problem });
  };
  switch (event.type) {
    case 'deployment':
      places('initial_capital', event.initialCapital, MONEY_PLACES, 'whole cents');
      break;
    case 'capital_flow':
      places('amount', event.amount, MONEY_PLACES, 'whole cents');
      break;
    case 'dividend':
      places('amount_per_share', event.amountPerShare, DIVIDEND_PLACES);
      break;
    case 'fill': {
      const order = event.orderId;
      const known = order !== undefined && (service.state.orders.has(order) || service.state.blocks.has(order));
      // An already journaled fill is a duplicate (or a conflict the meaning check reports).
      if (known && !isApplied(service.ledger, journalKey(event)))
        out.push({
          field: 'order_id',
          message: `'${order}' is an order of this journal; only Subledger books fills to its own orders`,
        });
      break;
    }
  }
  return out;
}
