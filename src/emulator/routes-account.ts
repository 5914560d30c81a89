/**
 * The emulator's account endpoints: GET /v2/positions, /v2/positions/{symbol}, /v2/account,
 * /v2/account/activities[/{activity_type}], /v2/clock, /v2/assets, /v2/assets/{symbol}.
 *
 * Invariants: flat symbols are absent from the positions (404 for one, FACTS §3); activities page
 * as the spec says (activities.ts); everything is read from the venue at request time.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { queryActivities } from './activities.js';
import { queryOf, sendError, sendJson } from './http-util.js';
import { normalizeSymbol } from './routes-orders.js';
import { type Venue, isCrypto } from './venue.js';
import { accountToWire, assetToWire, calendarToWire, clockToWire, positionToWire } from './wire.js';

export function registerAccountRoutes(app: FastifyInstance, venue: Venue): void {
  app.get('/v2/positions', async (_request, reply) => sendJson(reply, 200, venue.positions().map(positionToWire)));

  app.get<{ Params: { symbol: string } }>('/v2/positions/:symbol', async (request, reply) => {
    const symbol = normalizeSymbol(venue, decodeURIComponent(request.params.symbol));
    const held = venue
      .positions()
      .find((p) => p.position.symbol === symbol || p.position.symbol === request.params.symbol);
    return held
      ? sendJson(reply, 200, positionToWire(held))
      : sendError(reply, 404, 40410000, 'position does not exist');
  });

  app.get('/v2/account', async (_request, reply) => sendJson(reply, 200, accountToWire(venue.accountFigures())));

  const activities = (types: string | undefined) => async (request: FastifyRequest, reply: FastifyReply) => {
    const q = queryOf(request);
    const result = queryActivities(venue.activities(), { ...q, ...(types ? { activity_types: types } : {}) });
    return 'problem' in result ? sendError(reply, 422, 42210000, result.problem) : sendJson(reply, 200, result.rows);
  };
  app.get('/v2/account/activities', (request, reply) => activities(undefined)(request, reply));
  app.get<{ Params: { activity_type: string } }>('/v2/account/activities/:activity_type', (request, reply) =>
    activities(request.params.activity_type)(request, reply),
  );

  app.get('/v2/clock', async (_request, reply) => sendJson(reply, 200, clockToWire(venue.now())));

  // The simulated market trades every weekday, 09:30–16:00 New York time (no holidays).
  app.get('/v2/calendar', async (request, reply) => {
    const q = queryOf(request);
    const today = venue.now().slice(0, 10);
    const start = q.start ?? today;
    const end = q.end ?? start;
    const days = calendarToWire(start.slice(0, 10), end.slice(0, 10));
    return days
      ? sendJson(reply, 200, days)
      : sendError(reply, 422, 40010001, 'start and end must be dates (YYYY-MM-DD)');
  });

  app.get('/v2/assets', async (request, reply) => {
    const q = queryOf(request);
    const assets = venue.symbols
      .map((s) => assetToWire(s, isCrypto(s)))
      .filter((a) => (!q.status || a.status === q.status) && (!q.asset_class || a.class === q.asset_class));
    return sendJson(reply, 200, assets);
  });

  app.get<{ Params: { symbol: string } }>('/v2/assets/:symbol', async (request, reply) => {
    const symbol = normalizeSymbol(venue, decodeURIComponent(request.params.symbol));
    return venue.symbols.includes(symbol)
      ? sendJson(reply, 200, assetToWire(symbol, isCrypto(symbol)))
      : sendError(reply, 404, 40410000, 'asset not found');
  });
}
