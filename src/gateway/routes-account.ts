/**
 * The gateway's account, position, activity, clock and asset endpoints, each the calling
 * deployment's own: `GET /v2/account` is its sleeve as an account; positions are its positions,
 * and closing one closes the sleeve's quantity only (a market order of the sleeve); FILL activities
 * are its fills (internal crosses included). The clock and the assets are the broker's, passed
 * through (market-info-cache.ts); without the broker's (the paper broker), the clock follows
 * Subledger's market hours and an asset is one the market data prices.
 *
 * Invariant: account, positions and activities are never forwarded to the broker: they are read
 * from the ledger. Only the clock and the asset list reach it, cached.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { type Dec, ONE, ZERO, abs, dec, decimalProblem, floorToIncrement, mul, toPlain } from '../core/decimal.js';
import { type Symbol } from '../core/ids.js';
import { reservedQty } from '../core/orders.js';
import { openOrdersOf } from '../app/journal/account-state.js';
import type { Clock } from '../app/ports/clock-port.js';
import type { MarketDataPort } from '../app/ports/broker-port.js';
import type { MarketHours } from '../app/marks/market-hours.js';
import type { Subledger } from '../app/subledger.js';
import { executionIdOf, uuidOf } from './ids.js';
import { deploymentOf, orderOut, sendAlpacaError } from './routes-orders.js';
import { accountWire, positionWire } from './wire.js';
import { type AlpacaErrorAnswer, alpacaError, brokerReadFailed } from './errors.js';
import { ReadyViews } from '../app/performance/ready-views.js';
import type { MarketInfoCache } from './market-info-cache.js';

export interface AccountRouteOptions {
  readonly app: Subledger;
  readonly market: MarketDataPort;
  readonly clock: Clock;
  readonly hours: MarketHours;
  /** The broker's clock, passed through (absent: Subledger's market hours, no holidays). */
  readonly info?: MarketInfoCache;
  /** The symbols the market trades (GET /v2/assets). */
  readonly symbols: () => readonly string[];
}

const NANO = dec('0.000000001');

export function registerAccountRoutes(fastify: FastifyInstance, o: AccountRouteOptions): void {
  const { app } = o;
  const heldBySells = (deployment: string, symbol: string): Dec =>
    openOrdersOf(app.service.state, deployment as never)
      .filter((x) => x.symbol === symbol)
      .reduce((sum, x) => (sum + reservedQty(x)) as Dec, ZERO);

  const ready = new ReadyViews(() => app.service.lastSeq);
  const json = (reply: FastifyReply, text: string) => reply.type('application/json; charset=utf-8').send(text);

  fastify.get('/v2/account', async (request, reply) => {
    const deployment = deploymentOf(request);
    const now = o.clock.now().toISOString();
    // The account's only time-dependent field is its balance day (`balance_asof`).
    const text = ready.body(`account ${deployment} ${now.slice(0, 10)}`, () => {
      const info = app.service.deploymentInfo(deployment)!;
      return accountWire({
        deployment,
        createdAt: info.createdAt,
        now,
        status: info.status,
        shortingEnabled: info.limits.allow_short === true,
        metrics: app.metrics(deployment),
        positions: app.positions(deployment),
        lastEquity: undefined,
      });
    });
    return json(reply, text);
  });

  fastify.get('/v2/positions', async (request, reply) => {
    const deployment = deploymentOf(request);
    const text = ready.body(`positions ${deployment}`, () =>
      app.positions(deployment).map((p) => positionWire(p, heldBySells(deployment, p.symbol))),
    );
    return json(reply, text);
  });

  fastify.get<{ Params: { symbol: string } }>('/v2/positions/:symbol', async (request, reply) => {
    const deployment = deploymentOf(request);
    const symbol = request.params.symbol.toUpperCase();
    const position = app.positions(deployment).find((p) => p.symbol === symbol);
    if (!position) return reply.code(404).send({ code: 40410000, message: 'position does not exist' });
    return reply.send(positionWire(position, heldBySells(deployment, symbol)));
  });

  /** Closes `qty` (default all) of the sleeve's position in `symbol` with a market order. */
  const close = async (deployment: string, symbol: string, query: Record<string, string | undefined>) => {
    const position = app.positions(deployment as never).find((p) => p.symbol === symbol);
    if (!position) return { status: 404, body: { code: 40410000, message: 'position does not exist' } };
    const held = dec(position.qty);
    let qty = abs(held);
    if (query.qty !== undefined) {
      if (decimalProblem(query.qty) || dec(query.qty) <= 0n)
        return { status: 422, body: { code: 40010001, message: 'qty must be a positive decimal' } };
      qty = dec(query.qty);
    } else if (query.percentage !== undefined) {
      if (
        decimalProblem(query.percentage) ||
        dec(query.percentage) <= 0n ||
        dec(query.percentage) > mul(ONE, dec('100'))
      )
        return { status: 422, body: { code: 40010001, message: 'percentage must be from 0 to 100' } };
      qty = floorToIncrement(mul(qty, (dec(query.percentage) / 100n) as Dec), NANO);
    }
    if (qty > abs(held))
      return {
        status: 403,
        body: {
          code: 40310000,
          message: `insufficient qty available for order (requested: ${toPlain(qty)}, available: ${toPlain(abs(held))})`,
        },
      };
    try {
      const view = await app.submitOrder(deployment as never, {
        symbol,
        side: held > 0n ? 'sell' : 'buy',
        qty,
        type: 'market',
        timeInForce: 'day',
        // Alpaca gives a closing order a UUID client_order_id (not Subledger's internal order id).
        idempotencyKey: randomUUID(),
      });
      return { status: 200, body: orderOut(app, app.service.state.orders.get(view.id)!) };
    } catch (error) {
      return alpacaError(error);
    }
  };

  fastify.delete<{ Params: { symbol: string } }>('/v2/positions/:symbol', async (request, reply) => {
    const result = await close(
      deploymentOf(request),
      request.params.symbol.toUpperCase(),
      request.query as Record<string, string | undefined>,
    );
    return reply.code(result.status).send(result.body);
  });

  fastify.delete('/v2/positions', async (request, reply) => {
    const deployment = deploymentOf(request);
    const q = request.query as Record<string, string | undefined>;
    if (q.cancel_orders === 'true')
      for (const order of openOrdersOf(app.service.state, deployment))
        await app.cancelOrder(deployment, order.id).catch(() => undefined);
    const results = [];
    for (const p of app.positions(deployment)) {
      const result = await close(deployment, p.symbol, {});
      results.push({ symbol: p.symbol, status: result.status, body: result.body });
    }
    return reply.code(207).send(results);
  });

  fastify.get('/v2/account/activities', async (request, reply) =>
    activities(request.query, deploymentOf(request), reply),
  );
  fastify.get<{ Params: { type: string } }>('/v2/account/activities/:type', async (request, reply) =>
    request.params.type.toUpperCase() === 'FILL'
      ? activities(request.query, deploymentOf(request), reply)
      : reply.send([]),
  );
  /** The order an internal cross filled on this side (a cross's fill names no order). */
  const crossedOrder = (fillId: string, side: string): string => {
    const cross = app.service.state.crosses.get(fillId);
    return cross ? (side === 'buy' ? cross.buyOrder : cross.sellOrder) : fillId;
  };
  const activities = async (query: unknown, deployment: string, reply: import('fastify').FastifyReply) => {
    const q = query as Record<string, string | undefined>;
    const types = q.activity_types?.split(',').map((t) => t.trim().toUpperCase());
    if (types && !types.includes('FILL')) return reply.send([]);
    const size = Math.min(Math.max(Number(q.page_size ?? 100) || 100, 1), 100);
    try {
      const page = await app.trades(deployment as never, { limit: 1000 });
      const rows = page.trades.map((t) => ({
        activity_type: 'FILL',
        id: `${t.ts.replace(/[^0-9]/g, '').slice(0, 17)}::${executionIdOf(t.fill_id)}`,
        transaction_time: t.ts,
        type: 'fill',
        price: t.price,
        qty: t.qty,
        side: t.side,
        symbol: t.symbol,
        leaves_qty: '0',
        order_id: uuidOf('order', t.order_id ?? crossedOrder(t.fill_id, t.side)),
        cum_qty: t.qty,
        order_status: 'filled',
      }));
      const ordered = (q.direction ?? 'desc') === 'desc' ? rows.reverse() : rows;
      return reply.send(ordered.slice(0, size));
    } catch (error) {
      return sendAlpacaError(reply, error);
    }
  };

  fastify.get('/v2/clock', async (_request, reply) => {
    if (o.info) {
      let clock;
      try {
        clock = await o.info.clock();
      } catch (error) {
        return sendAnswer(reply, brokerReadFailed('clock is', error));
      }
      return reply.send({
        timestamp: clock.timestamp,
        is_open: clock.isOpen,
        next_open: clock.nextOpen,
        next_close: clock.nextClose,
      });
    }
    const now = o.clock.now();
    return reply.send({
      timestamp: now.toISOString(),
      is_open: o.hours.isOpen('SPY', now),
      next_open: nextChange(o.hours, now, true).toISOString(),
      next_close: nextChange(o.hours, now, false).toISOString(),
    });
  });

  const asset = async (symbol: string) => {
    const quote = (await o.market.latest([symbol as Symbol])).get(symbol as Symbol);
    if (!quote) return undefined;
    const crypto = symbol.includes('/');
    return {
      id: uuidOf('asset', symbol),
      class: crypto ? 'crypto' : 'us_equity',
      exchange: crypto ? 'CRYPTO' : 'NASDAQ',
      symbol,
      name: symbol,
      status: 'active',
      tradable: true,
      marginable: !crypto,
      shortable: !crypto,
      easy_to_borrow: !crypto,
      fractionable: true,
      maintenance_margin_requirement: crypto ? 100 : 30,
      attributes: [],
    };
  };
  // With the broker's own asset list (Alpaca's), its assets are passed through as it describes
  // them; without one (the paper broker), an asset is what the market data prices.
  const brokerAssets = async (info: MarketInfoCache) => {
    try {
      return (await info.assets()).map(assetOut);
    } catch (error) {
      return brokerReadFailed('assets are', error);
    }
  };
  fastify.get('/v2/assets', async (request, reply) => {
    if (o.info) {
      const assets = await brokerAssets(o.info);
      if (!Array.isArray(assets)) return sendAnswer(reply, assets);
      const q = request.query as Record<string, string | undefined>;
      return reply.send(
        assets.filter((a) => (!q.status || a.status === q.status) && (!q.asset_class || a.class === q.asset_class)),
      );
    }
    const known = await Promise.all(o.symbols().map((s) => asset(s).catch(() => undefined)));
    return reply.send(known.filter((a) => a !== undefined));
  });
  fastify.get<{ Params: { symbol: string } }>('/v2/assets/:symbol', async (request, reply) => {
    const wanted = decodeURIComponent(request.params.symbol);
    if (o.info) {
      const assets = await brokerAssets(o.info);
      if (!Array.isArray(assets)) return sendAnswer(reply, assets);
      const found = assets.find((a) => a.symbol === wanted.toUpperCase() || a.id === wanted);
      return found ? reply.send(found) : reply.code(404).send({ code: 40410000, message: 'asset not found' });
    }
    const found = await asset(wanted.toUpperCase()).catch(() => undefined);
    return found ? reply.send(found) : reply.code(404).send({ code: 40410000, message: 'asset not found' });
  });
}

/** The next minute at which the market opens (`open`) or closes, scanning forward up to 10 days. */
function nextChange(hours: MarketHours, from: Date, open: boolean): Date {
  const start = Math.floor(from.getTime() / 60_000) * 60_000 + 60_000;
  for (let t = start; t < start + 10 * 24 * 60 * 60_000; t += 60_000) {
    const now = hours.isOpen('SPY', new Date(t));
    const before = hours.isOpen('SPY', new Date(t - 60_000));
    // The session's hours include its closing minute (21:00 UTC is still open): the close is the last open minute.
    if (open ? now && !before : !now && before) return new Date(open ? t : t - 60_000);
  }
  return new Date(start);
}

/**
 * A broker asset as bots get it: as the broker sent it, but for
 * `maintenance_margin_requirement`, a number on Alpaca's wire (a percentage, not money), which
 * the adapter's exact reader kept as text.
 */
function assetOut(asset: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const margin = asset.maintenance_margin_requirement;
  return typeof margin === 'string' && /^\d+(\.\d+)?$/.test(margin)
    ? { ...asset, maintenance_margin_requirement: Number(margin) }
    : { ...asset };
}

const sendAnswer = (reply: FastifyReply, answer: AlpacaErrorAnswer) => reply.code(answer.status).send(answer.body);
