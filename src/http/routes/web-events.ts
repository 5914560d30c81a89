/**
 * Live updates for the dashboard: `GET /events`, server-sent events telling a browser that the
 * journal changed (fills, orders, marks, capital flows, deployments), so it re-reads the REST API.
 * The events carry no money, only what changed and for whom; the data stays behind the API.
 *
 * Entry points: `journalFeed(source)` (a `LiveFeed` fed by the ledger service's committed batches:
 * it classifies each batch's records as they are committed, never re-reading the journal),
 * `eventRoutes(app, feed)`.
 *
 * Invariants: a deployment token hears only of its own deployment and of account-wide events
 * (marks, splits, dividends), never another deployment's id; the feed listens to the ledger only
 * while someone listens to it; only committed records are announced; every stream ends when the
 * server closes.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Principal } from '../../app/api.js';
import { deploymentOfClientOrderId } from '../../app/trading/client-order-id.js';
import type { JournalRecord } from '../../app/ports/store-port.js';

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

/** A committed batch as the ledger service publishes it (only what the feed reads of it). */
export interface CommittedRecords {
  readonly records: readonly Pick<JournalRecord, 'type' | 'payload'>[];
  readonly lastSeq: number;
}

/** What the feed follows: the ledger service satisfies it (`subscribe` to committed batches). */
export interface JournalSource {
  subscribe(listener: (batch: CommittedRecords) => void): () => void;
}

/** A live feed over the committed journal. Follows the source only while it has listeners. */
export function journalFeed(source: JournalSource): LiveFeed {
  const listeners = new Set<(change: JournalChange) => void>();
  let unfollow: (() => void) | undefined;

  const onBatch = (batch: CommittedRecords) => {
    const items = new Map<string, ChangeItem>();
    for (const record of batch.records) {
      const item = classify(record);
      if (item) items.set(`${item.kind}|${item.global}|${item.deployments.join(',')}`, item);
    }
    if (items.size === 0) return;
    const change = { seq: batch.lastSeq, items: [...items.values()] };
    for (const listener of listeners) listener(change);
  };

  return {
    subscribe(listener) {
      if (listeners.size === 0) unfollow = source.subscribe(onBatch);
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0) {
          unfollow?.();
          unfollow = undefined;
        }
      };
    },
  };
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
