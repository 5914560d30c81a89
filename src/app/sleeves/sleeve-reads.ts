/**
 * The seed's read views of one deployment's sleeve: its metrics (the virtual account, with the
 * risk check's buying power), its open positions (with `mark_stale`), its trades (paged by
 * cursor from the store), and what a cached view is keyed by (the journal's seq, the app clock).
 */
import { toPlain } from '../../core/decimal.js';
import type { DeploymentId } from '../../core/ids.js';
import { buyingPower, sleeveHoldings } from '../../core/risk.js';
import type { MetricsView, TradePage, TradeQueryInput } from '../api.js';
import { AppError } from '../errors.js';
import { openOrdersOf } from '../journal/account-state.js';
import type { LedgerService } from '../journal/ledger-service.js';
import type { PriceUpdater } from '../marks/price-updater.js';
import { type PositionView, sleeveSummaryView, sleeveView } from '../performance/views.js';
import type { Clock } from '../ports/clock-port.js';
import { requireDeployment } from './deployments.js';

export class SleeveReads {
  constructor(
    private readonly service: LedgerService,
    private readonly clock: Clock,
    /** Whether a mark is stale now. */
    private readonly prices: Pick<PriceUpdater, 'isStale'>,
  ) {}

  metrics(id: DeploymentId): MetricsView {
    const info = requireDeployment(this.service, id);
    const view = sleeveSummaryView(this.service.ledger, id, info);
    // The risk check's own rule (src/core/risk.ts): cash − reservations − what shorts hold back.
    const { ledger } = this.service;
    const sleeve = ledger.sleeves.get(id)!;
    const open = openOrdersOf(this.service.state, id);
    const power = buyingPower(sleeve.cash, sleeveHoldings(sleeve, ledger.marks), open);
    return {
      ...view,
      buying_power: toPlain(power.available),
      reserved_cash: toPlain(power.reserved),
      open_orders: open.length,
      as_of: this.asOf(),
    };
  }

  positions(id: DeploymentId): PositionView[] {
    const info = requireDeployment(this.service, id);
    return sleeveView(this.service.ledger, id, info)
      .positions.filter((p) => p.qty !== '0')
      .map((p) => ({ ...p, mark_stale: this.prices.isStale(p.mark_ts) }));
  }

  journalSeq(): number {
    return this.service.lastSeq;
  }

  asOf(): string {
    return this.clock.now().toISOString();
  }

  isMarkStale(markTs: string | null): boolean {
    return this.prices.isStale(markTs);
  }

  async trades(id: DeploymentId, query: TradeQueryInput): Promise<TradePage> {
    requireDeployment(this.service, id);
    let after: { seq: number; leg: number } | undefined;
    if (query.cursor !== undefined) {
      const match = /^(\d+)\.(\d+)$/.exec(query.cursor);
      if (!match)
        throw new AppError('VALIDATION_FAILED', 'cursor: not a cursor returned by this API', {
          fields: [{ field: 'cursor', message: 'invalid' }],
        });
      after = { seq: Number(match[1]), leg: Number(match[2]) };
    }
    const rows = await this.service.store.trades({
      deploymentId: id,
      ...(query.symbol !== undefined ? { symbol: query.symbol } : {}),
      // The store compares times as text; its rows hold them as toISOString() writes them
      // ("…14:31:00.000Z"), so the bounds are written the same way ("…14:31:00Z" sorted after it).
      ...(query.from !== undefined ? { from: canonicalTime(query.from) } : {}),
      ...(query.to !== undefined ? { to: canonicalTime(query.to) } : {}),
      ...(after ? { after } : {}),
      limit: query.limit,
    });
    const last = rows.at(-1);
    return {
      trades: rows.map((r) => ({
        fill_id: r.fillId,
        order_id: r.orderId,
        symbol: r.symbol,
        side: r.side as 'buy' | 'sell',
        qty: r.qty,
        price: r.price,
        fee: r.feeExpense,
        realized_pnl: r.realizedPnl,
        ts: r.ts,
      })),
      next_cursor: rows.length === query.limit && last ? `${last.seq}.${last.leg}` : null,
    };
  }
}

/** An ISO-8601 time (or date) as `toISOString()` writes it; the text as given when it is not a time. */
function canonicalTime(text: string): string {
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? text : new Date(ms).toISOString();
}
