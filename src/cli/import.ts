/**
 * `subledger import FILE`: load a JSON-lines journal, all or nothing. Every line is checked in one
 * pass (syntax, the journal's limits, the import's own rules, meaning) and every problem is printed
 * as `FILE:LINE: field: reason` (docs/journal-format.md).
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { importJournal } from '../app/journal/import-journal.js';
import { LedgerService } from '../app/journal/ledger-service.js';
import { DB_HELP, DEFAULT_DB, DEMO_STORE_CURSOR, action, progressBar, withWriter } from './context.js';

export function registerImport(program: Command): void {
  program
    .command('import')
    .description(
      'load a JSON-lines journal (deployments, fills, capital flows, splits, dividends, marks); every bad line is reported and then nothing is written; re-importing adds nothing',
    )
    .argument('<file>', 'JSON-lines file, one event per line ("-" for stdin)')
    .option('--db <target>', DB_HELP, DEFAULT_DB)
    .option('--quiet', 'no progress output')
    .action(
      action(async (file: string, opts: { db: string; quiet?: boolean }) => {
        let text: string;
        try {
          text = readFileSync(file === '-' ? 0 : file, 'utf8');
        } catch (error) {
          throw new Error(`cannot read '${file}': ${(error as Error).message}`, { cause: error });
        }
        return withWriter(opts.db, 'import', async (store) => {
          const bar = progressBar('loading journal', opts.quiet);
          const service = await LedgerService.load(store, { onProgress: bar.update });
          bar.stop();
          const result = await importJournal(service, text);
          if (!result.ok) {
            for (const p of result.problems) console.error(`${file}:${p.line}: ${p.field}: ${p.message}`);
            console.error(`import refused: ${result.problems.length} problem(s); nothing was written`);
            return 1;
          }
          // What is imported is not the demo's: the next `demo` must not delete it with the store.
          if (result.appended > 0 && (await store.getCursor(DEMO_STORE_CURSOR)) !== undefined)
            await store.setCursor(DEMO_STORE_CURSOR, '');
          console.log(
            `imported ${result.appended} event(s) from ${result.lines} line(s) into ${store.location}; ${result.duplicates} already journaled`,
          );
        });
      }),
    );
}
