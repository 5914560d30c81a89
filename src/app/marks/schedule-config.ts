/**
 * Settings of the price updater, the snapshots and the staleness flag, from the environment
 * (the composition root passes `process.env`; nothing here reads it on its own):
 *
 *   SUBLEDGER_MARK_SECONDS          price update cadence (default 60; the `--mark-seconds` flag wins)
 *   SUBLEDGER_SNAPSHOT_SECONDS      deployment_metrics snapshot cadence (default 900; closes always)
 *   SUBLEDGER_MARK_STALE_SECONDS    a mark older than this is `mark_stale` (default 300)
 *
 * Seconds are the broker clock's (simulated time on the paper broker). Throws an Error naming
 * every bad setting.
 */
import { z } from 'zod';

const seconds = (name: string, fallback: number) =>
  z
    .string()
    .optional()
    .transform((text, ctx) => {
      if (text === undefined || text === '') return fallback;
      const n = Number(text);
      if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < 1 || n > 31 * 86_400) {
        ctx.addIssue({
          code: 'custom',
          message: `${name} must be a whole number of seconds from 1 to ${31 * 86_400}, not "${text}"`,
        });
        return z.NEVER;
      }
      return n;
    });

export interface ScheduleConfig {
  readonly markEverySeconds: number;
  readonly snapshotEverySeconds: number;
  readonly staleAfterSeconds: number;
}

export function scheduleConfigFromEnv(env: Record<string, string | undefined>, markSeconds?: number): ScheduleConfig {
  const parsed = z
    .object({
      SUBLEDGER_MARK_SECONDS: seconds('SUBLEDGER_MARK_SECONDS', 60),
      SUBLEDGER_SNAPSHOT_SECONDS: seconds('SUBLEDGER_SNAPSHOT_SECONDS', 900),
      SUBLEDGER_MARK_STALE_SECONDS: seconds('SUBLEDGER_MARK_STALE_SECONDS', 300),
    })
    .safeParse({
      SUBLEDGER_MARK_SECONDS: env.SUBLEDGER_MARK_SECONDS,
      SUBLEDGER_SNAPSHOT_SECONDS: env.SUBLEDGER_SNAPSHOT_SECONDS,
      SUBLEDGER_MARK_STALE_SECONDS: env.SUBLEDGER_MARK_STALE_SECONDS,
    });
  if (!parsed.success)
    throw new Error(`invalid configuration:\n${parsed.error.issues.map((i) => `  - ${i.message}`).join('\n')}`);
  return {
    markEverySeconds: markSeconds ?? parsed.data.SUBLEDGER_MARK_SECONDS,
    snapshotEverySeconds: parsed.data.SUBLEDGER_SNAPSHOT_SECONDS,
    staleAfterSeconds: parsed.data.SUBLEDGER_MARK_STALE_SECONDS,
  };
}
