/**
 * The ingest path's in-memory share alone (check, fold, encode, projection rows; commits
 * discarded), as process CPU time, so it can be profiled and compared on a busy machine:
 *
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/ingest-memory.ts [fills] [batch] [runs]
 */
import { openStore } from '../src/adapters/sql/open-store.js';
import { LedgerService } from '../src/app/journal/ledger-service.js';
import { capturingStore } from './capture-store.js';
import { generate } from './data.js';
import { ingestInput } from './ingest.js';

async function main(): Promise<void> {
  const fills = Number(process.argv[2] ?? 100_000);
  const batch = Number(process.argv[3] ?? 1000);
  const runs = Number(process.argv[4] ?? 5);
  const input = ingestInput(generate(fills), fills, batch);

  for (let run = 0; run < runs; run++) {
    const store = capturingStore(await openStore(':memory:'), { discard: true });
    try {
      const service = await LedgerService.load(store);
      await service.append(input.deployments);
      const cpu = process.cpuUsage();
      const wall = performance.now();
      for (const b of input.batches) await service.append(b);
      const used = process.cpuUsage(cpu);
      console.log(
        `run ${run}: ${fills} fills in memory: cpu ${((used.user + used.system) / 1000).toFixed(0)} ms, wall ${(performance.now() - wall).toFixed(0)} ms`,
      );
    } finally {
      await store.close();
    }
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
