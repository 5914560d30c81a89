/**
 * The gateway's account history and market calendar, each the calling deployment's own:
 * `GET /v2/account/portfolio/history` from the sleeve's recorded history (daily closes for the
 * `1D` timeframe, its snapshots for intraday ones), and `GET /v2/calendar` from Subledger's US
 * market hours (regular sessions on weekdays; holidays are not modeled).
 *
 * Invariants: numbers are written from exact decimals (JSON numbers, as Alpaca sends here); the
 * profit and loss of each point is the change of the sleeve's total P&L since the first point, so
 * capital moved in or out is not counted as profit.
 */
import type { MarketInfoCache } from './market-info-cache.js';
import { brokerReadFailed } from './errors.js';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { type Dec, ZERO, dec, div } from '../core/decimal.js';
import { rawNumber, stringifyJson } from '../core/exact-json.js';
import type { PerformanceApi } from '../app/performance/performance-api.js';
import type { Clock } from '../app/ports/clock-port.js';
import { deploymentOf } from './routes-orders.js';

const send = (reply: FastifyReply, status: number, body: unknown) =>
  reply.code(status).type('application/json').send(stringifyJson(body));

const DAY = 86_400_000;
const PERIOD = /^(\d+)([DWMA])$/;
const SPAN_DAYS: Record<string, number> = { D: 1, W: 7, M: 30, A: 365 };
const TIMEFRAMES = new Set(['1Min', '5Min', '15Min', '1H', '1D']);

export interface HistoryRouteOptions {
  readonly performance: PerformanceApi | undefined;
  readonly clock: Clock;
  /** The broker's calendar, passed through (absent: weekdays at regular hours, no holidays). */
  readonly info?: MarketInfoCache;
}

export function registerHistoryRoutes(fastify: FastifyInstance, o: HistoryRouteOptions): void {
  fastify.get('/v2/account/portfolio/history', async (request, reply) => {
    const q = request.query as Record<string, string | undefined>;
    const timeframe = q.timeframe ?? '1D';
    if (!TIMEFRAMES.has(timeframe))
      return send(reply, 422, { code: 40010001, message: `timeframe must be one of ${[...TIMEFRAMES].join(', ')}` });
    const period = q.period ?? '1M';
    const match = PERIOD.exec(period);
    if (!match) return send(reply, 422, { code: 40010001, message: 'period must be like 1D, 1W, 1M, 3M or 1A' });
    const end = q.end ? new Date(q.end) : q.date_end ? new Date(`${q.date_end}T23:59:59Z`) : o.clock.now();
    if (Number.isNaN(end.getTime()))
      return send(reply, 422, { code: 40010001, message: 'end must be an RFC 3339 time' });
    const start = q.start
      ? new Date(q.start)
      : new Date(end.getTime() - Number(match[1]) * SPAN_DAYS[match[2]!]! * DAY);
    if (Number.isNaN(start.getTime()))
      return send(reply, 422, { code: 40010001, message: 'start must be an RFC 3339 time' });
    const deployment = deploymentOf(request);
    const range = { from: start.toISOString(), to: end.toISOString() };
    const points: { ts: string; equity: Dec; pnl: Dec }[] = [];
    if (o.performance) {
      if (timeframe === '1D') {
        const history = await o.performance.deploymentHistory(deployment, 'daily', range);
        for (const row of history.rows) points.push({ ts: row.ts, equity: dec(row.equity), pnl: dec(row.total_pnl) });
      } else {
        for (const s of await o.performance.metricsHistory(deployment, range))
          points.push({ ts: s.ts, equity: dec(s.equity), pnl: dec(s.total_pnl) });
      }
    }
    const base = points[0]?.equity ?? ZERO;
    const firstPnl = points[0]?.pnl ?? ZERO;
    return send(reply, 200, {
      timestamp: points.map((p) => Math.floor(Date.parse(p.ts) / 1000)),
      equity: points.map((p) => rawNumber(p.equity)),
      profit_loss: points.map((p) => rawNumber((p.pnl - firstPnl) as Dec)),
      profit_loss_pct: points.map((p) => rawNumber(base === ZERO ? ZERO : div((p.pnl - firstPnl) as Dec, base))),
      base_value: rawNumber(base),
      base_value_asof: points[0]?.ts.slice(0, 10) ?? null,
      timeframe,
    });
  });

  fastify.get('/v2/calendar', async (request, reply) => {
    const q = request.query as Record<string, string | undefined>;
    const today = o.clock.now().toISOString().slice(0, 10);
    const start = q.start ?? today;
    const end = q.end ?? new Date(Date.parse(`${start}T00:00:00Z`) + 30 * DAY).toISOString().slice(0, 10);
    const from = Date.parse(`${start.slice(0, 10)}T00:00:00Z`);
    const to = Date.parse(`${end.slice(0, 10)}T00:00:00Z`);
    if (Number.isNaN(from) || Number.isNaN(to))
      return send(reply, 422, { code: 40010001, message: 'start and end must be dates (YYYY-MM-DD)' });
    if (o.info) {
      let broker;
      try {
        broker = await o.info.calendar(start.slice(0, 10), end.slice(0, 10));
      } catch (error) {
        const failed = brokerReadFailed('calendar is', error);
        return send(reply, failed.status, failed.body);
      }
      return send(
        reply,
        200,
        broker.map((d) => ({
          date: d.date,
          open: d.open,
          close: d.close,
          ...(d.sessionOpen ? { session_open: d.sessionOpen } : {}),
          ...(d.sessionClose ? { session_close: d.sessionClose } : {}),
          ...(d.settlementDate ? { settlement_date: d.settlementDate } : {}),
        })),
      );
    }
    const days = [];
    for (let t = from; t <= to && days.length < 1000; t += DAY) {
      const weekday = new Date(t).getUTCDay();
      if (weekday === 0 || weekday === 6) continue;
      const date = new Date(t).toISOString().slice(0, 10);
      days.push({
        date,
        open: '09:30',
        close: '16:00',
        session_open: '0400',
        session_close: '2000',
        settlement_date: new Date(t + (weekday === 5 ? 3 : 1) * DAY).toISOString().slice(0, 10),
      });
    }
    return send(reply, 200, days);
  });
}
