/**
 * Replay: rebuilds every projection from the journal alone, compares it with what the store
 * holds, reports each difference (table, key, stored vs rebuilt) and, unless `dryRun`, replaces
 * the stored projections with the rebuilt ones in one transaction (which also sets the
 * projections' seq to the journal seq they were folded through: `books` may read them again).
 */
import type { DeploymentId } from '../../core/ids.js';
import { foldJournal, type LoadProgress } from './ledger-service.js';
import { balanceRow, deploymentRow, markRow, orderRow, positionRow, roundTripRow, tradeRow } from './projections.js';
import type { Projections, StorePort, TradeRow, RoundTripRow } from '../ports/store-port.js';

export interface Difference {
  readonly table: string;
  readonly key: string;
  readonly stored: unknown;
  readonly rebuilt: unknown;
}

export interface ReplayReport {
  readonly events: number;
  readonly differences: readonly Difference[];
  readonly replaced: boolean;
}

/** Builds the full projections from the journal. */
export async function rebuildProjections(
  store: StorePort,
  onProgress?: LoadProgress,
): Promise<{ projections: Projections; events: number }> {
  const trades: TradeRow[] = [];
  const roundTrips: RoundTripRow[] = [];
  const { state, lastSeq } = await foldJournal(store, onProgress, (effects, seq) => {
    if (!effects.applied) return;
    for (const t of effects.applied.trades) trades.push(tradeRow(t, seq));
    effects.applied.roundTrips.forEach((trip, idx) => roundTrips.push(roundTripRow(trip, seq, idx)));
  });
  const { ledger, infos } = state;
  const sleeves = [...ledger.sleeves.values()];
  return {
    events: lastSeq,
    projections: {
      deployments: sleeves.map((s) => deploymentRow(s, infos.get(s.deployment as DeploymentId)!)),
      balances: sleeves.map(balanceRow),
      positions: sleeves.flatMap((s) => [...s.positions.values()].map((p) => positionRow(s.deployment, p))),
      trades,
      marks: [...ledger.marks.keys()].map((symbol) => markRow(ledger, symbol)),
      roundTrips,
      metrics: [],
      orders: [...state.orders.values()].map(orderRow),
    },
  };
}

async function storedProjections(store: StorePort): Promise<Projections> {
  const trades: TradeRow[] = [];
  let after: { seq: number; leg: number } | undefined;
  for (;;) {
    const page = await store.trades({ limit: 10000, ...(after ? { after } : {}) });
    trades.push(...page);
    if (page.length < 10000) break;
    const last = page[page.length - 1]!;
    after = { seq: last.seq, leg: last.leg };
  }
  return {
    deployments: await store.deployments(),
    balances: await store.balances(),
    positions: await store.positions(),
    trades,
    marks: await store.marks(),
    roundTrips: await store.roundTrips(),
    metrics: [],
    orders: await store.orders(),
  };
}

const KEYS: Record<Exclude<keyof Projections, 'metrics'>, (row: never) => string> = {
  deployments: (r: { id: string }) => r.id,
  balances: (r: { deploymentId: string }) => r.deploymentId,
  positions: (r: { deploymentId: string; symbol: string }) => `${r.deploymentId}/${r.symbol}`,
  trades: (r: { fillId: string; leg: number }) => `${r.fillId}#${r.leg}`,
  marks: (r: { symbol: string }) => r.symbol,
  roundTrips: (r: { seq: number; idx: number }) => `${r.seq}#${r.idx}`,
  orders: (r: { id: string }) => r.id,
};

/** Every row that differs between two projection sets, keyed per table. */
export function diffProjections(stored: Projections, rebuilt: Projections): Difference[] {
  const out: Difference[] = [];
  for (const table of Object.keys(KEYS) as (keyof typeof KEYS)[]) {
    const keyOf = KEYS[table] as (row: unknown) => string;
    const a = new Map((stored[table] as unknown[]).map((r) => [keyOf(r), r]));
    const b = new Map((rebuilt[table] as unknown[]).map((r) => [keyOf(r), r]));
    for (const [key, row] of b) {
      const old = a.get(key);
      if (old === undefined || JSON.stringify(old) !== JSON.stringify(row))
        out.push({ table, key, stored: old ?? null, rebuilt: row });
    }
    for (const [key, row] of a) if (!b.has(key)) out.push({ table, key, stored: row, rebuilt: null });
  }
  return out;
}

/**
 * Rebuilds the projections and compares them with the stored ones. A dry run on a store that a
 * writer is appending to reads the journal and the projections at different moments: when the
 * journal grew during the comparison and differences were found, it compares again (up to 5
 * times), so commits landing mid-read are not reported as differences.
 */
export async function replay(
  store: StorePort,
  options: { dryRun?: boolean; onProgress?: LoadProgress } = {},
): Promise<ReplayReport> {
  for (let attempt = 1; ; attempt++) {
    const { projections, events } = await rebuildProjections(store, attempt === 1 ? options.onProgress : undefined);
    const differences = diffProjections(await storedProjections(store), projections);
    const grew = (await store.journalStats()).lastSeq !== events;
    if (options.dryRun && differences.length > 0 && grew && attempt < 5) continue;
    if (!options.dryRun) await store.replaceProjections(projections, events);
    return { events, differences, replaced: !options.dryRun };
  }
}
