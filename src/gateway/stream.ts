/**
 * The gateway's `trade_updates` websocket at /stream (FACTS §2), per deployment: a bot signs in
 * with its gateway key pair (`{"action":"authenticate","data":{"key_id","secret_key"}}` as the SDKs
 * send it, or `{"action":"auth","key","secret"}` as the current docs show), `listen`s (the list
 * replaces the current set; `[]` stops), and receives `{"stream":"trade_updates","data":{…}}` for
 * its own sleeve's orders only, as JSON in binary frames (as Alpaca paper sends them) or in text
 * frames. The bot's own messages may come in text or binary frames; they are JSON (the emulator
 * takes no msgpack either). Replies follow the emulator (src/emulator/stream.ts).
 *
 * The updates are read from the ledger's committed batches (`LedgerService.subscribe`), in seq
 * order. Each execution of an order becomes a `fill` / `partial_fill`: a broker `fill` with its
 * `orderId`, a block execution's leg for that child, or one side of an internal cross
 * (`order_crossed`). It carries that execution's `price`, `qty`, `execution_id` (the fill id),
 * `timestamp`, and `position_qty`, which is the SLEEVE's position right after it, never the
 * account's. Its `order` is the order as it stood after that execution.
 * Any other new status of an order (`new`, `pending_cancel`, `canceled`, `expired`, `rejected`)
 * is one message, sent when it differs from the last status told for the order. So routing steps
 * that leave the status alone (carry, withdraw, a withdrawn carrier's cancel) send nothing; a hold
 * that first takes an order out of `pending_new` tells `new`. A filled quantity reached without an
 * execution in the batch (a REST answer) is told by the execution when it is booked.
 *
 * Entry point: `registerTradeStream(app, { service, verify, frames })` → `{ close() }`.
 * Invariants: a socket receives trade updates only while authorized and listening, and only of
 * its deployment's orders (block children included); each execution is sent once (its batch is
 * published once); an order's status is never told twice in a row; no replay on reconnect (as at
 * Alpaca); after `close()` every socket is closed and new ones are refused.
 */
import type { FastifyInstance } from 'fastify';
import type {} from '@fastify/websocket';
import type { RawData, WebSocket } from 'ws';
import { type Dec, ZERO, div, mul, toPlain } from '../core/decimal.js';
import type { FillBooked } from '../core/events.js';
import type { OrderState, OrderStatus } from '../core/orders.js';
import { childOrderId } from '../app/journal/account-state.js';
import type { CommittedBatch, LedgerService } from '../app/journal/ledger-service.js';
import { executionIdOf } from './ids.js';
import { orderWire } from './wire.js';

export interface TradeStreamOptions {
  readonly service: LedgerService;
  readonly verify: (keyId: string, secret: string) => string | undefined;
  /** Text or binary frames (Alpaca paper sends binary frames holding JSON); default 'binary'. */
  readonly frames?: 'binary' | 'text';
}

interface Connection {
  readonly socket: WebSocket;
  deployment: string | undefined;
  streams: string[];
}

/** One trade update for one deployment: the `data` of a `trade_updates` message. */
interface Update {
  readonly deployment: string;
  readonly data: Record<string, unknown>;
}

interface Execution {
  readonly id: string;
  readonly price: Dec;
  readonly qty: Dec;
  readonly ts: string;
  /** The index of its event in the batch (the position after it leaves out later fills). */
  readonly at: number;
}

interface Touched {
  readonly order: OrderState;
  readonly executions: Execution[];
  /** The last event time about the order in the batch. */
  ts: string;
}

const KNOWN_STREAMS = new Set(['trade_updates']);
const EVENT_OF: Readonly<Record<OrderStatus, string>> = {
  pending_new: 'pending_new',
  new: 'new',
  partially_filled: 'partial_fill',
  filled: 'fill',
  pending_cancel: 'pending_cancel',
  canceled: 'canceled',
  expired: 'expired',
  rejected: 'rejected',
};

export function registerTradeStream(app: FastifyInstance, options: TradeStreamOptions): { close(): void } {
  const { service, verify } = options;
  const binary = (options.frames ?? 'binary') === 'binary';
  const connections = new Set<Connection>();
  let closed = false;
  // The status last told of each order (its status at start for orders older than this stream).
  const told = new Map<string, OrderStatus>();
  for (const order of service.state.orders.values()) told.set(order.id, order.status);

  const sendText = (c: Connection, text: string) => {
    if (c.socket.readyState === c.socket.OPEN) c.socket.send(binary ? Buffer.from(text, 'utf8') : text, { binary });
  };
  const send = (c: Connection, frame: unknown) => sendText(c, JSON.stringify(frame));

  const receive = (c: Connection, raw: RawData) => {
    const text = Buffer.isBuffer(raw)
      ? raw.toString('utf8')
      : Array.isArray(raw)
        ? Buffer.concat(raw).toString('utf8')
        : Buffer.from(raw).toString('utf8');
    let message: { action?: unknown; data?: Record<string, unknown>; key?: unknown; secret?: unknown };
    try {
      message = JSON.parse(text) as typeof message;
    } catch {
      send(c, { action: 'error', data: { error_message: 'invalid syntax' } });
      c.socket.close(1003, 'invalid syntax');
      return;
    }
    if (message === null || typeof message !== 'object') message = {};
    const action = message.action;
    if (action === 'authenticate' || action === 'auth') {
      const [key, secret] =
        action === 'authenticate' ? [message.data?.key_id, message.data?.secret_key] : [message.key, message.secret];
      c.deployment = typeof key === 'string' && typeof secret === 'string' ? verify(key, secret) : undefined;
      if (c.deployment === undefined) c.streams = [];
      send(c, { stream: 'authorization', data: { status: c.deployment ? 'authorized' : 'unauthorized', action } });
    } else if (action === 'listen') {
      if (c.deployment === undefined) {
        send(c, { stream: 'authorization', data: { status: 'unauthorized', action: 'listen' } });
        return;
      }
      const requested = message.data?.streams;
      c.streams = Array.isArray(requested) ? requested.filter((s): s is string => KNOWN_STREAMS.has(String(s))) : [];
      send(c, { stream: 'listening', data: { streams: c.streams } });
    } else {
      send(c, { action: 'error', data: { error_message: `unknown action: ${String(action)}` } });
    }
  };

  // alpaca-trade-api (Python) connects to `<base>/stream/`, with the slash.
  const attach = (socket: WebSocket) => {
    if (closed) {
      socket.close(1001, 'gateway: shutting down');
      return;
    }
    const c: Connection = { socket, deployment: undefined, streams: [] };
    connections.add(c);
    socket.on('close', () => connections.delete(c));
    socket.on('error', () => connections.delete(c));
    socket.on('message', (raw: RawData) => receive(c, raw));
  };
  app.get('/stream', { websocket: true }, attach);
  app.get('/stream/', { websocket: true }, attach);

  const unsubscribe = service.subscribe((batch) => {
    for (const update of updatesOf(batch, service, told)) {
      let text: string | undefined;
      for (const c of connections)
        if (c.deployment === update.deployment && c.streams.includes('trade_updates'))
          sendText(c, (text ??= JSON.stringify({ stream: 'trade_updates', data: update.data })));
    }
  });

  return {
    close() {
      if (closed) return;
      closed = true;
      unsubscribe();
      for (const c of [...connections]) c.socket.close(1001, 'gateway: shutting down');
      connections.clear();
    },
  };
}

/** The trade updates of a committed batch, in order; `told` is kept up to date. */
function updatesOf(batch: CommittedBatch, service: LedgerService, told: Map<string, OrderStatus>): Update[] {
  const { orders, blocks } = service.state;
  const touched = new Map<string, Touched>();
  const touch = (id: string, ts: string) => {
    const order = orders.get(id);
    if (!order) return undefined;
    let t = touched.get(id);
    if (!t) touched.set(id, (t = { order, executions: [], ts }));
    t.ts = ts;
    return t;
  };
  const fills: { at: number; fill: FillBooked }[] = [];
  batch.events.forEach((event, at) => {
    switch (event.type) {
      case 'order_submitted':
        told.set(event.id, 'pending_new');
        touch(event.id, event.ts);
        break;
      case 'block_submitted':
        for (const p of event.participants) told.set(childOrderId(event.id, p.deployment), 'pending_new');
        break;
      case 'order_updated':
        for (const id of blocks.get(event.id)?.children ?? [event.id]) touch(id, event.ts);
        break;
      case 'order_routed':
        touch(event.id, event.ts);
        break;
      case 'order_crossed':
        for (const id of [event.buyOrder, event.sellOrder])
          touch(id, event.ts)?.executions.push({ id: event.id, price: event.price, qty: event.qty, ts: event.ts, at });
        break;
      case 'fill': {
        fills.push({ at, fill: event });
        if (event.orderId === undefined) break;
        const block = blocks.get(event.orderId);
        for (const leg of event.legs) {
          const id = block ? childOrderId(block.id, leg.deployment) : event.orderId;
          if (orders.get(id)?.deployment !== leg.deployment) continue;
          touch(id, event.ts)?.executions.push({ id: event.id, price: event.price, qty: leg.qty, ts: event.ts, at });
        }
        break;
      }
    }
  });

  /** The sleeve's position in the order's symbol right after the event at `at`. */
  const positionAfter = (order: OrderState, at: number): Dec => {
    let qty = service.ledger.sleeves.get(order.deployment)?.positions.get(order.symbol)?.qty ?? ZERO;
    for (const { at: later, fill } of fills) {
      if (later <= at || fill.symbol !== order.symbol) continue;
      for (const leg of fill.legs) {
        if (leg.deployment !== order.deployment) continue;
        const moved = (leg.side === 'buy' ? leg.qty : -leg.qty) - (leg.feeCurrency === 'base' ? leg.fee : 0n);
        qty = (qty - moved) as Dec;
      }
    }
    return qty;
  };

  const updates: Update[] = [];
  for (const { order, executions, ts } of touched.values()) {
    let last = told.get(order.id);
    // The order as it stood after each execution: later executions of this batch taken back out.
    let laterQty = executions.reduce((s, x) => s + x.qty, 0n);
    let laterNotional = executions.reduce((s, x) => s + mul(x.qty, x.price), 0n);
    for (const x of executions) {
      laterQty -= x.qty;
      laterNotional -= mul(x.qty, x.price);
      const filled = clamp(order.filledQty - laterQty, order.qty);
      const average =
        laterQty === 0n || order.filledAvgPrice === null || filled === 0n
          ? order.filledAvgPrice
          : div((mul(order.filledQty, order.filledAvgPrice) - laterNotional) as Dec, filled);
      const status: OrderStatus = filled >= order.qty ? 'filled' : 'partially_filled';
      const shown: OrderState = {
        ...order,
        status,
        filledQty: filled,
        filledAvgPrice: average,
        updatedAt: laterQty === 0n ? order.updatedAt : x.ts,
      };
      updates.push({
        deployment: order.deployment,
        data: {
          event: EVENT_OF[status],
          order: orderWire(shown),
          timestamp: x.ts,
          price: toPlain(x.price),
          qty: toPlain(x.qty),
          position_qty: toPlain(positionAfter(order, x.at)),
          execution_id: executionIdOf(x.id),
        },
      });
      last = status;
    }
    // Fills are told by their executions; any other new status is told once.
    if (order.status !== last && order.status !== 'partially_filled' && order.status !== 'filled') {
      updates.push({
        deployment: order.deployment,
        data: {
          event: EVENT_OF[order.status],
          order: orderWire(order),
          // alpaca-py's TradeUpdate requires `timestamp` on every event (it drops one without).
          timestamp: ts,
        },
      });
      last = order.status;
    }
    if (last !== undefined) told.set(order.id, last);
  }
  return updates;
}

const clamp = (qty: bigint, max: Dec): Dec => (qty < 0n ? ZERO : qty > max ? max : (qty as Dec));
