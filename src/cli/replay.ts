/** `subledger replay`: rebuild every projection from the journal and report differences. */
import type { Command } from 'commander';
import { replay } from '../app/journal/replay.js';
import { DB_HELP, DEFAULT_DB, action, progressBar, withStoreAs } from './context.js';

export function registerReplay(program: Command): void {
  program
    .command('replay')
    .description(
      'rebuild positions, cash, trades and marks from the journal alone; report any difference from the stored projections',
    )
    .option('--db <target>', DB_HELP, DEFAULT_DB)
    .option('--dry-run', 'only compare; do not replace the stored projections')
    .option('--quiet', 'no progress output')
    .action(
      action(async (opts: { db: string; dryRun?: boolean; quiet?: boolean }) =>
        // A dry run only reads; a repair replaces projections, so it must be the one writer.
        withStoreAs(opts.db, opts.dryRun ? undefined : 'replay', async (store) => {
          const bar = progressBar('replaying journal', opts.quiet);
          const report = await replay(store, { dryRun: Boolean(opts.dryRun), onProgress: bar.update });
          bar.stop();
          for (const d of report.differences.slice(0, 50)) {
            console.log(
              `difference in ${d.table} ${d.key}:\n  stored:  ${JSON.stringify(d.stored)}\n  rebuilt: ${JSON.stringify(d.rebuilt)}`,
            );
          }
          if (report.differences.length > 50) console.log(`… and ${report.differences.length - 50} more`);
          const verdict =
            report.differences.length === 0
              ? 'projections match the journal'
              : `${report.differences.length} difference(s) found${report.replaced ? '; projections rebuilt from the journal' : ' (dry run: nothing changed)'}`;
          console.log(`replayed ${report.events} journal event(s): ${verdict}`);
          return report.differences.length === 0 || report.replaced ? 0 : 2;
        }),
      ),
    );
}
