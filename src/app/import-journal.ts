/**
 * `subledger import`: loads a JSON-lines journal. Every line is parsed and checked first; if any
 * line is bad, every bad line is reported (line number, field, reason) and nothing is written.
 * Otherwise all new events are journaled in ONE transaction; lines already journaled with the
 * same content are counted as duplicates, so importing the same file twice adds nothing.
 */
import type { JournalEvent } from './journal-codec.js';
import { parseJournalLine } from './journal-codec.js';
import type { LedgerService } from './ledger-service.js';

export interface LineProblem {
  readonly line: number;
  readonly field: string;
  readonly message: string;
}

export type ImportResult =
  | { readonly ok: true; readonly appended: number; readonly duplicates: number; readonly lines: number }
  | { readonly ok: false; readonly problems: readonly LineProblem[] };

export async function importJournal(
  service: LedgerService,
  text: string,
  options: { snapshotAt?: string } = {},
): Promise<ImportResult> {
  const events: JournalEvent[] = [];
  const lineOf: number[] = [];
  const problems: LineProblem[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const parsed = parseJournalLine(line);
    if ('problems' in parsed) for (const p of parsed.problems) problems.push({ line: i + 1, ...p });
    else {
      events.push(parsed.event);
      lineOf.push(i + 1);
    }
  });
  if (problems.length === 0) {
    for (const p of await service.check(events))
      problems.push({ line: lineOf[p.index]!, field: p.field, message: p.message });
  }
  if (problems.length > 0) return { ok: false, problems: problems.sort((a, b) => a.line - b.line) };
  const lastTs = events.reduce((max, e) => (e.ts > max ? e.ts : max), '');
  const result = await service.append(events, { snapshotAt: options.snapshotAt ?? (lastTs || undefined) });
  return { ok: true, appended: result.appended, duplicates: result.duplicates, lines: events.length };
}
