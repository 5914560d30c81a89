/**
 * The ledger `books` values, rebuilt from the stored projections (store-port.ts `StoredBooks`)
 * instead of folded from the journal: each sleeve's capital, cash and flows, each position with its
 * lots and round trip, each symbol's mark, every deployment's settings and status — all that the
 * fold keeps and the views read, parsed back from the exact decimal strings `projections.ts`
 * wrote (`toPlain` ∘ `parseDec` is the identity), so `sleeveView` gives the same figures either way.
 *
 * Entry point: `ledgerFromStored`. It refuses (returns the reason; the caller then folds the
 * journal) anything the fold could not have written: a deployment the journal did not create or
 * one without its rows, a row of an unknown deployment, a value that is not an exact decimal, a
 * cost method or status that does not exist, lots that do not add up to the position. Nothing is
 * repaired or guessed.
 */
import { ZERO, parseDec } from '../../core/decimal.js';
import type { CostMethod } from '../../core/events.js';
import type { DeploymentId, Symbol } from '../../core/ids.js';
import type { Ledger, Mark, Sleeve } from '../../core/ledger.js';
import type { Lot, PositionState } from '../../core/position.js';
import type { DeploymentInfo, DeploymentStatus } from './projections.js';
import type { PositionRow, StoredBooks } from '../ports/store-port.js';

export interface LedgerFromStored {
  readonly ledger: Ledger;
  /** Deployment ids in the journal's order (the fold's `ledger.sleeves` order). */
  readonly ids: readonly DeploymentId[];
  readonly infos: ReadonlyMap<DeploymentId, DeploymentInfo>;
}

const COST_METHODS: readonly string[] = ['average', 'fifo'] satisfies CostMethod[];
const STATUSES: readonly string[] = ['active', 'paused', 'stopped'] satisfies DeploymentStatus[];

class Refused extends Error {}

/** The ledger the projections describe, or why they cannot stand for the journal's fold. */
export function ledgerFromStored(stored: StoredBooks): LedgerFromStored | { readonly reason: string } {
  try {
    return rebuild(stored);
  } catch (error) {
    if (error instanceof Refused || error instanceof RangeError || error instanceof SyntaxError)
      return { reason: error.message };
    throw error;
  }
}

function rebuild(stored: StoredBooks): LedgerFromStored {
  const ids = stored.deploymentIds as DeploymentId[];
  const wanted = new Set(ids);
  const rows = new Map(stored.deployments.map((r) => [r.id as DeploymentId, r]));
  const balances = new Map(stored.balances.map((r) => [r.deploymentId as DeploymentId, r]));
  if (wanted.size !== ids.length) throw new Refused('a deployment created twice in the journal');
  if (rows.size !== ids.length || balances.size !== ids.length)
    throw new Refused(
      `${ids.length} deployment(s) in the journal, ${rows.size} deployment and ${balances.size} balance row(s)`,
    );
  const sleeves = new Map<DeploymentId, Sleeve>();
  const infos = new Map<DeploymentId, DeploymentInfo>();
  for (const id of ids) {
    const row = rows.get(id);
    const balance = balances.get(id);
    if (!row || !balance) throw new Refused(`deployment '${id}' has no stored row`);
    if (!COST_METHODS.includes(row.costMethod)) throw new Refused(`'${id}': cost method '${row.costMethod}'`);
    if (!STATUSES.includes(row.status)) throw new Refused(`'${id}': status '${row.status}'`);
    const limits: unknown = JSON.parse(row.limits);
    if (typeof limits !== 'object' || limits === null || Array.isArray(limits))
      throw new Refused(`'${id}': limits ${row.limits}`);
    sleeves.set(id, {
      deployment: id,
      initialCapital: parseDec(row.initialCapital),
      costMethod: row.costMethod as CostMethod,
      openedAt: row.createdAt,
      flows: parseDec(balance.capitalFlows),
      cash: parseDec(balance.cash),
      positions: new Map(),
    });
    infos.set(id, {
      name: row.name,
      strategy: row.strategy,
      limits: limits as Readonly<Record<string, unknown>>,
      status: row.status as DeploymentStatus,
      createdAt: row.createdAt,
      updatedAt: row.updatedAt,
    });
  }
  for (const row of stored.positions) {
    const sleeve = sleeves.get(row.deploymentId as DeploymentId);
    if (!sleeve) throw new Refused(`a position of unknown deployment '${row.deploymentId}'`);
    sleeve.positions.set(row.symbol as Symbol, position(row));
  }
  const marks = new Map<Symbol, Mark>();
  for (const row of stored.marks) {
    const mark: Mark = { price: parseDec(row.price), ts: row.ts, source: row.source };
    marks.set(
      row.symbol as Symbol,
      row.splitDivisor === null ? mark : { ...mark, splitDivisor: parseDec(row.splitDivisor) },
    );
  }
  return { ledger: { sleeves, marks, applied: new Set(), fills: new Set() }, ids, infos };
}

function position(row: PositionRow): PositionState {
  const where = `position ${row.deploymentId}/${row.symbol}`;
  const qty = parseDec(row.qty);
  const cost = parseDec(row.costBasis);
  const lots: Lot[] = [];
  let lotsQty = 0n;
  for (const lot of JSON.parse(row.lots) as unknown[]) {
    if (!Array.isArray(lot) || lot.length !== 3 || typeof lot[2] !== 'string')
      throw new Refused(`${where}: lot ${JSON.stringify(lot)}`);
    const lotQty = parseDec(lot[0] as string);
    if (lotQty === 0n || lotQty > 0n !== qty > 0n) throw new Refused(`${where}: a lot of ${lot[0]} against ${row.qty}`);
    lotsQty += lotQty;
    lots.push({ qty: lotQty, cost: parseDec(lot[1] as string), ts: lot[2] });
  }
  if (lotsQty !== qty) throw new Refused(`${where}: lots add up to another quantity than ${row.qty}`);
  if (qty === 0n && cost !== 0n) throw new Refused(`${where}: a cost basis of ${row.costBasis} when flat`);
  const trip = (row.trip === 'null' ? null : JSON.parse(row.trip)) as {
    openedAt?: unknown;
    realized?: unknown;
    fees?: unknown;
  } | null;
  if (trip !== null && (typeof trip.openedAt !== 'string' || typeof trip.realized !== 'string'))
    throw new Refused(`${where}: round trip ${row.trip}`);
  return {
    symbol: row.symbol as Symbol,
    qty,
    cost,
    lots,
    realizedAverage: parseDec(row.realizedPnlAverage),
    realizedFifo: parseDec(row.realizedPnlFifo),
    fees: parseDec(row.fees),
    dividends: parseDec(row.dividends),
    tripOpenedAt: trip === null ? null : (trip.openedAt as string),
    tripRealized: trip === null ? ZERO : parseDec(trip.realized as string),
    tripFees: trip === null ? ZERO : parseDec(trip.fees as string),
  };
}
