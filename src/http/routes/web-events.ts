/**
 * Live updates for the dashboard: `GET /events`, server-sent events telling a browser that the
 * journal changed (fills, orders, marks, capital flows, deployments), so it re-reads the REST API.
 * The events carry no money, only what changed and for whom; the data stays behind the API.
 *
 * Entry points: `journalFeed(source)` (a `LiveFeed` that watches the ledger service's `lastSeq`
 * and classifies the new journal records), `eventRoutes(app, feed)`.
 *
 * Invariants: a deployment token hears only of its own deployment and of account-wide events
 * (marks, splits, dividends), never another deployment's id; the feed polls only while someone
 * listens (one in-memory comparison per tick; the journal is read only when it grew); every
 * stream ends when the server closes.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Principal } from '../../app/api.js';
import { deploymentOfClientOrderId } from '../../app/client-order-id.js';
import type { JournalRecord } from '../../app/store-port.js';

export type ChangeKind =
  'fill' | 'order' | 'mark' | 'capital_flow' | 'deployment' | 'corporate_action' | 'rebalance' | 'reset';

/** One journaled change: what kind, and which deployments it concerns (`global`: every sleeve). */
export interface ChangeItem {
  readonly kind: ChangeKind;
  readonly deployments: readonly string[];
  readonly global: boolean;
}

/** The journal grew up to `seq`; `items` say how (one per kind and audience, deduplicated). */
export interface JournalChange {
  readonly seq: number;
  readonly items: readonly ChangeItem[];
}

export interface LiveFeed {
  /** Calls `listener` after each batch of journal appends; returns the unsubscribe function. */
  subscribe(listener: (change: JournalChange) => void): () => void;
}

/** What the feed watches: the ledger service satisfies it (`lastSeq`, `store.readJournal`). */
export interface JournalSource {
  readonly lastSeq: number;
  readonly store: { readJournal(afterSeq: number, limit: number): Promise<readonly JournalRecord[]> };
}

export interface FeedOptions {
  /** How often to compare `lastSeq` while someone listens (default 200 ms). */
  readonly pollMs?: number;
  /** More new records than this are announced as one `reset` without reading them (default 2000). */
  readonly maxRead?: number;
  /** A failed journal read (retried on the next tick). */
  readonly onError?: (error: unknown) => void;
}

/** A live feed over the journal. Polls only while it has listeners. */
export function journalFeed(source: JournalSource, options: FeedOptions = {}): LiveFeed {
  const pollMs = options.pollMs ?? 200;
  const maxRead = options.maxRead ?? 2000;
  const listeners = new Set<(change: JournalChange) => void>();
  let seen = source.lastSeq;
  let timer: NodeJS.Timeout | undefined;
  let busy = false;

  const tick = async () => {
    const last = source.lastSeq;
    if (busy || last <= seen) return;
    busy = true;
    try {
      const items =
        last - seen > maxRead
          ? [{ kind: 'reset' as const, deployments: [], global: true }]
          : await readChanges(source, seen, last);
      seen = last;
      const change = { seq: last, items };
      for (const listener of listeners) listener(change);
    } catch (error) {
      options.onError?.(error);
    } finally {
      busy = false;
    }
  };

  return {
    subscribe(listener) {
      if (listeners.size === 0) {
        seen = source.lastSeq;
        timer = setInterval(() => void tick(), pollMs);
        timer.unref();
      }
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0 && timer) {
          clearInterval(timer);
          timer = undefined;
        }
      };
    },
  };
}

async function readChanges(source: JournalSource, after: number, upTo: number): Promise<ChangeItem[]> {
  const items = new Map<string, ChangeItem>();
  let cursor = after;
  while (cursor < upTo) {
    const page = await source.store.readJournal(cursor, 500);
    if (page.length === 0) break;
    for (const record of page) {
      if (record.seq > upTo) break;
      const item = classify(record);
      if (item) items.set(`${item.kind}|${item.global}|${item.deployments.join(',')}`, item);
      cursor = record.seq;
    }
  }
  return [...items.values()];
}

/** What a journal record changed, from its type and the ids in its payload. */
export function classify(record: Pick<JournalRecord, 'type' | 'payload'>): ChangeItem | undefined {
  const payload = JSON.parse(record.payload) as Record<string, unknown>;
  const one = (kind: ChangeKind, id: unknown): ChangeItem => ({
    kind,
    deployments: typeof id === 'string' ? [id] : [],
    global: false,
  });
  const many = (kind: ChangeKind, list: unknown): ChangeItem => ({
    kind,
    deployments: [
      ...new Set(
        (Array.isArray(list) ? list : [])
          .map((x: { deployment?: unknown }) => x.deployment)
          .filter((d): d is string => typeof d === 'string'),
      ),
    ].sort(),
    global: false,
  });
  switch (record.type) {
    case 'fill':
      return many('fill', payload.legs);
    case 'order_submitted':
      return one('order', payload.deployment);
    case 'order_updated':
      // A block order's id names no deployment: its fills (with legs) tell the participants.
      return one('order', typeof payload.id === 'string' ? deploymentOfClientOrderId(payload.id) : undefined);
    case 'block_submitted':
      return many('order', payload.participants);
    case 'capital_flow':
      return one('capital_flow', payload.deployment);
    case 'deployment':
    case 'deployment_status':
      return one('deployment', payload.deployment);
    case 'mark':
      return { kind: 'mark', deployments: [], global: true };
    case 'split':
    case 'dividend':
      return { kind: 'corporate_action', deployments: [], global: true };
    case 'rebalance_completed':
      return { kind: 'rebalance', deployments: [], global: false };
    default:
      return undefined;
  }
}

/** The part of `change` a principal may hear of, or undefined when none. */
export function changeFor(
  principal: Principal,
  change: JournalChange,
): { seq: number; kinds: ChangeKind[]; deployments: string[] } | undefined {
  const own = principal.kind === 'deployment' ? principal.deployment : undefined;
  const visible =
    own === undefined ? change.items : change.items.filter((i) => i.global || i.deployments.includes(own));
  if (visible.length === 0) return undefined;
  const deployments =
    own === undefined
      ? [...new Set(visible.flatMap((i) => i.deployments))].sort()
      : visible.some((i) => i.deployments.includes(own))
        ? [own]
        : [];
  return { seq: change.seq, kinds: [...new Set(visible.map((i) => i.kind))].sort(), deployments };
}

export interface EventRouteOptions {
  /** A comment line is sent this often so proxies keep the stream open (default 15 s). */
  readonly heartbeatMs?: number;
}

/** `GET /events` (any valid token): the `change` stream for the token's principal. */
export function eventRoutes(app: FastifyInstance, feed: LiveFeed, options: EventRouteOptions = {}): void {
  const open = new Set<FastifyReply>();
  app.addHook('preClose', (done) => {
    for (const reply of open) reply.raw.end();
    open.clear();
    done();
  });
  app.get('/events', { config: { access: 'token' }, schema: { hide: true } }, (request, reply) => {
    const principal = request.principal!;
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
      'x-content-type-options': 'nosniff',
    });
    const send = (event: string, data: object) => raw.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    raw.write('retry: 3000\n\n');
    const unsubscribe = feed.subscribe((change) => {
      const visible = changeFor(principal, change);
      if (visible) send('change', visible);
    });
    send(
      'hello',
      principal.kind === 'admin'
        ? { principal: 'admin' }
        : { principal: 'deployment', deployment: principal.deployment },
    );
    const heartbeat = setInterval(() => raw.write(': ping\n\n'), options.heartbeatMs ?? 15_000);
    heartbeat.unref();
    open.add(reply);
    raw.on('close', () => {
      clearInterval(heartbeat);
      unsubscribe();
      open.delete(reply);
    });
  });
}
