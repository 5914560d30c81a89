/**
 * Alpaca's DIV and SPLIT account activities as corporate actions (FACTS §6).
 * A DIV row carries `per_share_amount`; a split comes as two rows sharing a `group_id` — the old
 * shares removed (negative qty) and the new ones added — so the ratio is added ÷ removed.
 * Canceled rows are ignored; a split whose legs are incomplete is left for a later call.
 */
import { type Dec, abs, div } from '../../core/decimal.js';
import type { Symbol } from '../../core/ids.js';
import type { CorporateAction } from '../../app/ports/broker-port.js';
import type { Activity } from './trading-api.js';
import type { NonTradeActivity } from './wire.js';

const isNonTrade = (row: Activity): row is NonTradeActivity => row.activity_type !== 'FILL';

export function corporateActionsOf(rows: readonly Activity[]): CorporateAction[] {
  const out: CorporateAction[] = [];
  const legs = new Map<string, { removed?: Dec; added?: Dec; symbol: string; ts: string; id: string }>();
  for (const row of rows) {
    if (!isNonTrade(row) || row.status === 'canceled' || !row.symbol) continue;
    const ts = row.created_at ?? (row.date ? `${row.date}T00:00:00Z` : undefined);
    if (!ts) continue;
    if (row.activity_type === 'DIV' && row.per_share_amount) {
      out.push({
        kind: 'dividend',
        id: row.id,
        symbol: row.symbol as Symbol,
        amountPerShare: row.per_share_amount,
        ts,
      });
    } else if (row.activity_type === 'SPLIT' && row.qty) {
      const key = row.group_id ?? `${row.symbol}:${row.date ?? ts}`;
      const leg = legs.get(key) ?? { symbol: row.symbol, ts, id: key };
      if (row.qty < 0n) leg.removed = abs(row.qty);
      else leg.added = row.qty;
      legs.set(key, leg);
    }
  }
  for (const leg of legs.values()) {
    if (leg.removed === undefined || leg.added === undefined || leg.removed === 0n) continue;
    out.push({
      kind: 'split',
      id: leg.id,
      symbol: leg.symbol as Symbol,
      ratio: div(leg.added, leg.removed),
      ts: leg.ts,
    });
  }
  return out.sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0));
}
