/**
 * The read routes' answers kept serialized between commits (src/app/performance/ready-views.ts): a
 * deployment's metrics, positions and orders list, each checked and encoded by its route's own
 * zod schema once per journal seq, then sent as the same text to every read until the next
 * commit. Bots poll these several times a second; a read costs a map lookup, not a valuation.
 *
 * Entry points: `ReadyBodies` — `metrics(id)`, `positions(id)`, `orders(id, query)`; `sendJson`.
 * Time-dependent fields stay right: metrics' `as_of` (now) is spliced into the text on each read;
 * a positions text is built again once one of its fresh marks turns stale (or, should the clock
 * go back, a stale one fresh), found by checking only the earliest fresh and latest stale mark.
 */
import type { FastifyReply } from 'fastify';
import type { SubledgerApi } from '../app/api.js';
import type { DeploymentId } from '../core/ids.js';
import { ReadyViews } from '../app/performance/ready-views.js';
import type { PositionView } from '../app/performance/views.js';
import { metricsSchema, orderSchema, positionSchema } from './schemas/outputs.js';

const positionsSchema = positionSchema.array();
const ordersSchema = orderSchema.array();

/** A positions text and the two marks whose staleness decides whether it still holds. */
interface PositionsBody {
  readonly text: string;
  /** The oldest mark shown as fresh: once it is stale, the text is not. */
  readonly earliestFresh: string | null;
  /** The newest mark shown as stale: were it fresh again (the clock went back), the text is not. */
  readonly latestStale: string | null;
}

export class ReadyBodies {
  private readonly views: ReadyViews;

  constructor(private readonly api: SubledgerApi) {
    this.views = new ReadyViews(() => api.journalSeq());
  }

  /** GET /deployments/{id}/metrics; throws as `api.metrics` does (NOT_FOUND). */
  metrics(id: DeploymentId): string {
    const head = this.views.get(`metrics ${id}`, () => metricsHead(this.api, id));
    return `${head}${JSON.stringify(this.api.asOf())}}`;
  }

  /** GET /deployments/{id}/positions; throws as `api.positions` does. */
  positions(id: DeploymentId): string {
    const body = this.views.get(
      `positions ${id}`,
      () => positionsBody(this.api.positions(id)),
      (b) =>
        (b.earliestFresh === null || !this.api.isMarkStale(b.earliestFresh)) &&
        (b.latestStale === null || this.api.isMarkStale(b.latestStale)),
    );
    return body.text;
  }

  /** GET /deployments/{id}/orders; throws as `api.listOrders` does. */
  orders(id: DeploymentId, query: { status: 'open' | 'closed' | 'all'; limit: number }): string {
    return this.views.get(`orders ${id} ${query.status} ${query.limit}`, () =>
      JSON.stringify(ordersSchema.encode(this.api.listOrders(id, query))),
    );
  }
}

/** Sends JSON text as it is (Fastify serializes only what is not a string); the handler returns nothing. */
export function sendJson(reply: FastifyReply, text: string): void {
  void reply.type('application/json; charset=utf-8').send(text);
}

/**
 * The metrics text up to its last value: `{…,"as_of":`. Kept in sync with `metricsSchema`, whose
 * last field is `as_of` (a build throws if it is not, rather than send a wrong body).
 */
function metricsHead(api: SubledgerApi, id: DeploymentId): string {
  const view = api.metrics(id);
  const text = JSON.stringify(metricsSchema.encode(view));
  const tail = `${JSON.stringify(view.as_of)}}`;
  const head = text.slice(0, -tail.length);
  if (!text.endsWith(tail) || !head.endsWith(',"as_of":'))
    throw new Error('metrics: as_of must be the last field of metricsSchema');
  return head;
}

function positionsBody(views: PositionView[]): PositionsBody {
  let earliestFresh: string | null = null;
  let latestStale: string | null = null;
  let fresh = Infinity;
  let stale = -Infinity;
  for (const p of views) {
    if (p.mark_ts === null) continue; // no mark: stale whatever the time
    const t = Date.parse(p.mark_ts);
    if (Number.isNaN(t)) continue; // unreadable: stale whatever the time
    if (!p.mark_stale && t < fresh) [fresh, earliestFresh] = [t, p.mark_ts];
    if (p.mark_stale && t > stale) [stale, latestStale] = [t, p.mark_ts];
  }
  return { text: JSON.stringify(positionsSchema.encode(views)), earliestFresh, latestStale };
}
