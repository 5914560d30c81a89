/**
 * Deterministic Alpaca-shaped ids for the emulator: the engine numbers orders and executions
 * (`emu-o1`, `emu-x1`); Alpaca's wire has UUIDs (spec `format: uuid`). A seeded hash turns one
 * into the other, so the same seed and the same actions give the same ids, run after run.
 *
 * Entry points: `uuidFor(seed, name)`, `activityId(ts, uuid)`.
 * Invariant: `uuidFor` returns a version-4-shaped UUID and is injective in practice (SHA-256).
 */
import { createHash } from 'node:crypto';

/** A UUID (version 4 layout) derived from the seed and a name. */
export function uuidFor(seed: number | string, name: string): string {
  const hex = createHash('sha256').update(`${seed}\u0000${name}`).digest('hex');
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * An account-activity id as Alpaca writes them: `"<YYYYMMDDHHMMSSmmm>::<uuid>"` (FACTS §2.1).
 * For FILL rows the emulator uses the execution id as the uuid (whether Alpaca does is UNCERTAIN).
 */
export function activityId(ts: string, uuid: string): string {
  return `${ts.slice(0, 23).replace(/[-T:.Z]/g, '')}::${uuid}`;
}
