/** The execution summary as text for people (`subledger rebalance`, `subledger summary`). */
import { ONE, dec, formatMoney, percentString } from '../core/decimal.js';
import type { ExecutionSummary } from './summary.js';

const money = (text: string) => formatMoney(dec(text));

export function summaryText(s: ExecutionSummary): string {
  const lines: string[] = [];
  lines.push(
    `rebalance ${s.id}${s.dry_run ? ' (dry run: nothing was sent)' : ''} · ${s.started_at} → ${s.finished_at}`,
  );
  lines.push('', 'per symbol:');
  for (const p of s.symbols) {
    const crossed = p.crossed.length
      ? `crossed internally at ${p.reference_price} (${p.reference_source}): ${p.crossed.map((c) => `${c.deployment} ${c.side} ${c.qty}`).join(', ')}`
      : 'nothing crossed';
    const broker = p.broker
      ? `broker ${p.broker.side} ${p.broker.qty}${p.broker.blocks.length ? ` [${p.broker.blocks.map((b) => `${b.id} ${b.status} ${b.filled_qty}`).join('; ')}]` : ''}`
      : 'nothing to the broker';
    lines.push(
      `  ${p.symbol.padEnd(8)} ${crossed}; ${broker}${p.unsent_residual ? `; ${p.unsent_residual} below the minimum, not sent` : ''}`,
    );
  }
  if (s.symbols.length === 0) lines.push('  (no trades needed)');
  lines.push('', 'per strategy:');
  for (const st of s.strategies) {
    lines.push(`  ${st.deployment} (${st.strategy}) — ${st.signal}`);
    lines.push(
      `    allocation: ${st.allocation.map((a) => `${a.symbol} ${percentString(dec(a.weight), ONE, 1)}% → ${a.target_qty} (${a.delta.startsWith('-') ? '' : '+'}${a.delta})`).join(', ') || 'all cash'}`,
    );
    lines.push(
      `    equity ${money(st.equity)}  realized ${money(st.realized_pnl)}  unrealized ${money(st.unrealized_pnl)}  total ${money(st.total_pnl)}  orders ${st.orders_filled}/${st.orders_placed} filled  crossed ${st.crossed_qty} (fees saved ${money(st.fees_saved)})`,
    );
    for (const r of st.refused) lines.push(`    refused: ${r}`);
  }
  if (s.unknown_strategies.length)
    lines.push(
      `  not run by the engine (their own bots): ${s.unknown_strategies.map((u) => `${u.deployment} (${u.strategy})`).join(', ')}`,
    );
  if (s.unpriced_symbols.length) lines.push(`  no price for ${s.unpriced_symbols.join(', ')} (skipped)`);
  if (s.account)
    lines.push(
      '',
      `account: ${
        s.account.reconciled
          ? 'Σ sleeves + house = broker'
          : 'DOES NOT RECONCILE: ' +
            s.account.differences
              .filter((d) => d.difference !== '0')
              .map((d) => `${d.item} ${d.difference}`)
              .join(', ')
      }`,
    );
  return lines.join('\n');
}
