/**
 * `subledger books`: every deployment's sleeve, as a table or as JSON with decimal strings.
 *
 * Two ways to the same bytes (app/performance/books-view.ts): from the store's projections when the store
 * vouches that they were written at the journal's last seq (cli/context.ts `readStoredBooks`;
 * no journal is read or folded, and neither Kysely nor zod is loaded), else — no such seq, one
 * behind the journal, a journal row changed since, a PostgreSQL store, a row the fold could not have
 * written — by folding the whole journal, as before, which also reports a corrupt entry.
 * `SUBLEDGER_DEBUG=1` says on stderr why the projections were not used.
 */
import type { Command } from 'commander';
import type { CostMethod } from '../core/events.js';
import { type BooksView, booksView } from '../app/performance/books-view.js';
import { ledgerFromStored } from '../app/journal/stored-books.js';
import { DB_HELP, DEFAULT_DB, action, progressBar, readStoredBooks, withStore } from './context.js';

export function registerBooks(program: Command): void {
  program
    .command('books')
    .description(
      "print every deployment's sleeve: cash, positions, realized and unrealized P&L, fees, dividends, equity, return %",
    )
    .option('--db <target>', DB_HELP, DEFAULT_DB)
    .option('--json', 'print JSON with exact decimal strings')
    .option('--method <method>', 'cost method to report: average or fifo (default: each deployment its own)')
    .action(
      action(async (opts: { db: string; json?: boolean; method?: string }) => {
        if (opts.method !== undefined && opts.method !== 'average' && opts.method !== 'fifo') {
          throw new Error(`--method must be "average" or "fifo", not "${opts.method}"`);
        }
        const method = opts.method as CostMethod | undefined;
        const { books, location } =
          (await fromProjections(opts.db, method)) ?? (await fromJournal(opts.db, method, Boolean(opts.json)));
        if (opts.json) {
          console.log(JSON.stringify(books, null, 2));
          return;
        }
        const { deployments: views, account } = books;
        if (views.length === 0) {
          console.log(`no deployments in ${location} yet: run \`subledger import FILE\` or \`subledger demo\``);
          return;
        }
        const { money, printSleeve } = await import('./print.js');
        for (const v of views) printSleeve(v);
        console.log(
          `account: ${views.length} deployment(s), cash ${money(account.virtual_cash)}, value ${money(account.virtual_portfolio_value)}, total P&L ${money(account.total_pnl)}; net ${
            Object.entries(account.net_positions)
              .map(([s, q]) => `${s} ${q}`)
              .join(', ') || 'no positions'
          }`,
        );
      }),
    );
}

interface Books {
  readonly books: BooksView;
  readonly location: string;
}

/** The books from the stored projections, or undefined when they cannot stand for the journal. */
async function fromProjections(db: string, method: CostMethod | undefined): Promise<Books | undefined> {
  const read = await readStoredBooks(db);
  if ('reason' in read) return folding(read.reason);
  const rebuilt = ledgerFromStored(read.books);
  if ('reason' in rebuilt) return folding(rebuilt.reason);
  const { ledger, ids, infos } = rebuilt;
  return { books: booksView(ledger, ids, (id) => infos.get(id), method), location: read.books.location };
}

function folding(reason: string): undefined {
  if (process.env.SUBLEDGER_DEBUG) console.error(`books: folding the journal: ${reason}`);
  return undefined;
}

/** The books folded from the whole journal (the store opened as every reader opens it). */
async function fromJournal(db: string, method: CostMethod | undefined, quiet: boolean): Promise<Books> {
  const { LedgerService } = await import('../app/journal/ledger-service.js');
  return withStore(db, async (store) => {
    const bar = progressBar('loading journal', quiet);
    const service = await LedgerService.load(store, { onProgress: bar.update });
    bar.stop();
    const books = booksView(service.ledger, service.deploymentIds(), (id) => service.deploymentInfo(id), method);
    return { books, location: store.location };
  });
}
