/**
 * The writer lease of an account's store: one process at a time writes (DESIGN.md §8).
 *
 * Entry points: `decideClaim` (pure: may this process take the lease now?), `acquireWriterLease`
 * (claims it or throws `LeaseHeldError` naming the holder), `LeaseKeeper` (renews it while the
 * process runs and reports when it was lost).
 *
 * Rules: a free lease (never claimed, released, or expired) is taken at once; a live lease is
 * refused, unless `takeOver` is asked and the holder is provably gone (same host, its pid no
 * longer runs) — or, with `takeOver`, once the lease expires (we wait for it). Every claim bumps
 * the epoch; the store fences every write by it, so a stale holder that wakes up writes nothing.
 * Times are wall-clock milliseconds (never a simulated market clock).
 */
import { randomUUID } from 'node:crypto';
import type { LeaseHolder, StorePort, WriterLease } from '../ports/store-port.js';

export interface LeaseSettings {
  /** How long a lease lives without renewal (ms). */
  readonly ttlMs: number;
  /** How often the holder renews it (ms); well below the TTL. */
  readonly renewMs: number;
}

/** 15 s leases renewed every 5 s: a dead writer's lease is free within 15 s. */
export const DEFAULT_LEASE: LeaseSettings = { ttlMs: 15_000, renewMs: 5_000 };

/** Lease settings from `SUBLEDGER_LEASE_SECONDS` (TTL; renewal every third of it). */
export function leaseSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): LeaseSettings {
  const text = env.SUBLEDGER_LEASE_SECONDS;
  if (text === undefined || text === '') return DEFAULT_LEASE;
  const seconds = Number(text);
  if (!Number.isInteger(seconds) || seconds < 2 || seconds > 3600)
    throw new Error(`SUBLEDGER_LEASE_SECONDS must be a whole number from 2 to 3600, got "${text}"`);
  return { ttlMs: seconds * 1000, renewMs: Math.floor((seconds * 1000) / 3) };
}

/** This process as a lease holder; the host name is the caller's to read (an edge reads the OS). */
export function processHolder(command: string, host: string): LeaseHolder {
  return { id: randomUUID(), host, pid: process.pid, command };
}

/** Whether a process with this pid runs on this host (EPERM: it runs, as another user). */
export function pidRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export type ClaimDecision =
  | { readonly claim: true; readonly why: 'free' | 'expired' | 'holder gone' | 'ours' }
  | { readonly claim: false; readonly waitUntil?: number };

/** May `me` claim the lease `current` at `now`? Pure, but for `runs` (is a pid alive here). */
export function decideClaim(
  current: WriterLease | undefined,
  me: LeaseHolder,
  now: number,
  takeOver: boolean,
  runs: (pid: number) => boolean = pidRuns,
): ClaimDecision {
  if (!current) return { claim: true, why: 'free' };
  if (current.holder.id === me.id) return { claim: true, why: 'ours' };
  if (current.expiresAt <= now) return { claim: true, why: current.expiresAt === 0 ? 'free' : 'expired' };
  if (!takeOver) return { claim: false };
  if (current.holder.host === me.host && !runs(current.holder.pid)) return { claim: true, why: 'holder gone' };
  if (current.holder.host === me.host) return { claim: false }; // alive here: never take it from a running writer
  return { claim: false, waitUntil: current.expiresAt };
}

/** The lease is held by a live writer: says who, since when, and how to take over. */
export class LeaseHeldError extends Error {
  constructor(
    readonly lease: WriterLease,
    takeOver: boolean,
  ) {
    const h = lease.holder;
    const since = new Date(lease.since).toISOString();
    const until = new Date(lease.expiresAt).toISOString();
    super(
      `the writer lease of this store is held by pid ${h.pid} on ${h.host} (${h.command}, since ${since}, epoch ${lease.epoch}, renewed until ${until}). ` +
        (takeOver
          ? 'That process still runs on this host: stop it first (it releases the lease), or kill it and run again with --take-over.'
          : 'Only one process writes a store: stop that one first. If it is gone (killed, crashed), start this one with --take-over: it takes the lease at once on the same host, and on another host once the lease expires. Read-only commands (books, history, summary, report, rebalance --dry-run, reconcile) need no lease.'),
    );
    this.name = 'LeaseHeldError';
  }
}

export interface AcquireOptions {
  readonly takeOver?: boolean;
  readonly settings?: LeaseSettings;
  readonly now?: () => number;
  readonly runs?: (pid: number) => boolean;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Told what happened (taking an expired lease, waiting for one to expire). */
  readonly onNote?: (message: string) => void;
}

/**
 * Claims the store's writer lease for `me`, retrying lost races; with `takeOver`, waits for a
 * lease held on another host to expire. Throws `LeaseHeldError` when a live writer holds it.
 */
export async function acquireWriterLease(
  store: StorePort,
  me: LeaseHolder,
  options: AcquireOptions = {},
): Promise<WriterLease> {
  const settings = options.settings ?? DEFAULT_LEASE;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  for (let attempt = 0; attempt < 1000; attempt++) {
    const current = await store.readLease();
    const decision = decideClaim(current, me, now(), options.takeOver ?? false, options.runs);
    if (!decision.claim) {
      if (decision.waitUntil === undefined) throw new LeaseHeldError(current!, options.takeOver ?? false);
      options.onNote?.(
        `waiting for the writer lease of pid ${current!.holder.pid} on ${current!.holder.host} to expire at ${new Date(decision.waitUntil).toISOString()}`,
      );
      await sleep(Math.max(10, decision.waitUntil - now() + 10));
      continue;
    }
    if (decision.why === 'expired' || decision.why === 'holder gone')
      options.onNote?.(
        `taking over the writer lease from pid ${current!.holder.pid} on ${current!.holder.host} (${decision.why}); epoch ${current!.epoch + 1}`,
      );
    const lease = await store.claimLease(current?.epoch ?? 0, me, now(), settings.ttlMs);
    if (lease) return lease;
  }
  throw new Error('could not claim the writer lease: too many concurrent claims');
}

/**
 * Renews a held lease every `renewMs`; calls `onLost` once if it is taken over or cannot be renewed
 * in time, and `onRenewFailed` on each failed renewal that did not lose it (yet).
 */
export class LeaseKeeper {
  private timer: NodeJS.Timeout | undefined;
  private lastRenewed: number;
  private stopped = false;

  constructor(
    private readonly store: StorePort,
    private readonly settings: LeaseSettings,
    private readonly onLost: (error: Error) => void,
    private readonly now: () => number = Date.now,
    private readonly onRenewFailed?: (error: Error) => void,
  ) {
    this.lastRenewed = now();
  }

  start(): void {
    this.timer = setInterval(() => void this.renew(), this.settings.renewMs);
    this.timer.unref();
  }

  async renew(): Promise<void> {
    if (this.stopped) return;
    try {
      await this.store.renewLease(this.now(), this.settings.ttlMs);
      this.lastRenewed = this.now();
    } catch (error) {
      // A failed renewal is not yet a loss (the database may be briefly away): the lease is lost
      // when it was taken over (fenced) or could not be renewed before it expired.
      const fenced = (error as Error).name === 'WriterFencedError';
      if (fenced || this.now() - this.lastRenewed >= this.settings.ttlMs) this.lose(error as Error);
      else this.onRenewFailed?.(error as Error);
    }
  }

  private lose(error: Error): void {
    if (this.stopped) return;
    this.stop();
    this.onLost(error);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
  }

  /** Stops renewing and frees the lease for the next writer. */
  async release(): Promise<void> {
    this.stop();
    await this.store.releaseLease().catch(() => undefined);
  }
}
