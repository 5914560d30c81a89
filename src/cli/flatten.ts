/**
 * `subledger flatten <id> [--reason TEXT]`: the kill switch of one deployment, through the admin
 * API of the running `serve` (the one writer of the store, which holds the broker connection):
 * `--url` (env SUBLEDGER_URL, default http://127.0.0.1:8080) and `--admin-token` (env
 * SUBLEDGER_ADMIN_TOKEN). Prints the closing orders sent and what is left to close.
 */
import type { Command } from 'commander';
import type { FlattenView } from '../app/risk/flatten.js';
import { action } from './context.js';

interface FlattenOptions {
  url?: string;
  adminToken?: string;
  reason?: string;
  json?: boolean;
}

export function registerFlatten(program: Command): void {
  program
    .command('flatten <id>')
    .description(
      'the kill switch of one deployment: stop it, cancel its working orders and close exactly its positions with market orders (other sleeves untouched)',
    )
    .option('--reason <text>', 'why (journaled with the flatten)', 'flattened from the command line')
    .option('--url <url>', 'the running serve (env SUBLEDGER_URL, default http://127.0.0.1:8080)')
    .option('--admin-token <token>', 'its admin token (env SUBLEDGER_ADMIN_TOKEN)')
    .option('--json', 'print the answer as JSON')
    .action(
      action(async (id: string, opts: FlattenOptions) => {
        const base = (opts.url ?? process.env.SUBLEDGER_URL ?? 'http://127.0.0.1:8080').replace(/\/$/, '');
        const token = opts.adminToken ?? process.env.SUBLEDGER_ADMIN_TOKEN;
        if (!token) throw new Error('--admin-token (or SUBLEDGER_ADMIN_TOKEN) is required: `serve` prints it at start');
        let response: Response;
        try {
          response = await fetch(`${base}/deployments/${encodeURIComponent(id)}/flatten`, {
            method: 'POST',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            body: JSON.stringify({ reason: opts.reason }),
          });
        } catch (error) {
          throw new Error(`cannot reach ${base} (${(error as Error).message}): is \`subledger serve\` running?`, {
            cause: error,
          });
        }
        const body = (await response.json().catch(() => ({}))) as FlattenView & { code?: string; message?: string };
        if (!response.ok) throw new Error(`${response.status} ${body.code ?? ''}: ${body.message ?? ''}`.trim());
        if (opts.json) {
          console.log(JSON.stringify(body, null, 2));
          return;
        }
        console.log(
          `flatten ${body.id} of ${body.deployment_id}: ${body.status} (stopped; by ${body.by}: ${body.reason})`,
        );
        for (const o of body.orders) console.log(`  ${o.side} ${o.qty} ${o.symbol} ${o.type}  ${o.status}  ${o.id}`);
        for (const p of body.problems) console.log(`  not sent: ${p}`);
        for (const p of body.positions_left) console.log(`  left to close: ${p.symbol} ${p.qty}`);
      }),
    );
}
