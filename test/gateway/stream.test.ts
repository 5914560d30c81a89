/**
 * The gateway's trade_updates websocket on a real app (SQLite file, paper broker): both sign-in
 * forms, listen before sign-in and a wrong secret refused, and each deployment hears of its own
 * orders only: a broker fill with that execution's price, qty, id and the SLEEVE's position; an
 * internal cross as one fill message to each side; two crosses of one order in one batch as two
 * messages, each with the order as it stood after it; a block order's execution as each child's
 * share; a cancel as `pending_cancel` then `canceled`. `close()` closes every socket.
 *
 * Every wait on a socket ends with a `listen` round trip: the server answers in order, so what
 * arrived before the `listening` reply is everything the socket was sent until then.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import websocket from '@fastify/websocket';
import { WebSocket } from 'ws';
import { dec, toPlain } from '../../src/core/decimal.js';
import type { DeploymentId, Symbol } from '../../src/core/ids.js';
import { quoteMid } from '../../src/app/ports/broker-port.js';
import { executionIdOf } from '../../src/gateway/ids.js';
import { registerTradeStream } from '../../src/gateway/stream.js';
import { orderUuid } from '../../src/gateway/wire.js';
import { type TestApp, startTestApp } from '../helpers/app.js';

const A = 'alpha' as DeploymentId;
const B = 'beta' as DeploymentId;
const C = 'gamma' as DeploymentId;
const AAPL = 'AAPL' as Symbol;
const KEYS: Record<string, [string, DeploymentId]> = {
  KEYA: ['secret-a', A],
  KEYB: ['secret-b', B],
  KEYC: ['secret-c', C],
};
const verify = (keyId: string, secret: string) => (KEYS[keyId]?.[0] === secret ? KEYS[keyId][1] : undefined);
const LISTEN = { action: 'listen', data: { streams: ['trade_updates'] } };

type Message = {
  stream?: string;
  action?: string;
  data: Record<string, unknown> & { order?: Record<string, unknown> };
};

/** A client socket that queues what it receives (and whether each frame was binary). */
class Client {
  private readonly queue: { message: Message; binary: boolean }[] = [];
  private wake: (() => void) | undefined;
  closed = false;

  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (data: Buffer, binary: boolean) => {
      this.queue.push({ message: JSON.parse(data.toString('utf8')) as Message, binary });
      this.wake?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake?.();
    });
  }

  static open(url: string): Promise<Client> {
    const socket = new WebSocket(url);
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(new Client(socket)));
      socket.once('error', reject);
    });
  }

  send(message: unknown, frame: 'text' | 'binary' = 'text'): void {
    const text = JSON.stringify(message);
    this.socket.send(frame === 'binary' ? Buffer.from(text) : text, { binary: frame === 'binary' });
  }

  /** The next message (a test that waits forever is ended by the runner's timeout). */
  async next(): Promise<{ message: Message; binary: boolean }> {
    while (this.queue.length === 0) {
      if (this.closed) throw new Error('socket closed');
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
    return this.queue.shift()!;
  }

  async reply(message: unknown, frame: 'text' | 'binary' = 'text'): Promise<Message> {
    this.send(message, frame);
    return (await this.next()).message;
  }

  /** Every trade update sent to this socket so far (a `listen` round trip marks the end). */
  async updates(): Promise<Message[]> {
    this.send(LISTEN);
    const out: Message[] = [];
    for (;;) {
      const { message } = await this.next();
      if (message.stream === 'listening') return out;
      out.push(message);
    }
  }

  close(): void {
    this.socket.close();
  }
}

/**
 * What a test compares of a trade update. Every update carries a `timestamp` (alpaca-py drops one
 * without); the `new`/`pending_cancel` ones' time is the broker report's, checked for its form only.
 */
const summary = (m: Message) => {
  const { event, price, qty, execution_id, position_qty } = m.data;
  let { timestamp } = m.data;
  assert.match(String(timestamp), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/, `${String(event)} has a timestamp`);
  if (event === 'new' || event === 'pending_cancel' || event === 'pending_new') timestamp = undefined;
  const order = m.data.order!;
  return {
    stream: m.stream,
    event,
    order: [order.id, order.client_order_id, order.status, order.filled_qty, order.filled_avg_price],
    ...(price !== undefined ? { price, qty, execution_id, position_qty } : {}),
    ...(timestamp !== undefined ? { timestamp } : {}),
  };
};

describe('gateway trade_updates stream', () => {
  let t: TestApp;
  let server: FastifyInstance;
  let stream: { close(): void };
  let url: string;
  const clients: Client[] = [];
  const connect = async (key?: string) => {
    const client = await Client.open(url);
    clients.push(client);
    if (key) {
      assert.deepEqual(await client.reply({ action: 'auth', key, secret: KEYS[key]![0] }), {
        stream: 'authorization',
        data: { status: 'authorized', action: 'auth' },
      });
      await client.updates();
    }
    return client;
  };
  const open = () => [A, B, C].flatMap((d) => t.app.listOrders(d, { status: 'open', limit: 50 }));
  const buy = async (deployment: DeploymentId, qty: string, key: string) => {
    const order = await t.app.submitOrder(deployment, {
      symbol: 'AAPL',
      side: 'buy',
      qty: dec(qty),
      type: 'market',
      timeInForce: 'day',
      idempotencyKey: key,
    });
    await t.runUntil(() => open().length === 0);
    return order;
  };
  const tradesOf = async (deployment: DeploymentId, orderId: string) =>
    (await t.app.trades(deployment, { limit: 100 })).trades.filter((x) => x.order_id === orderId);

  beforeEach(async () => {
    t = await startTestApp({ seed: 4 });
    await t.app.createDeployment({ id: A, initialCapital: dec('20000') });
    await t.app.createDeployment({ id: B, initialCapital: dec('20000') });
    await t.app.createDeployment({ id: C, initialCapital: dec('20000') });
    server = Fastify();
    await server.register(websocket);
    stream = registerTradeStream(server, { service: t.app.service, verify });
    await server.listen({ port: 0, host: '127.0.0.1' });
    const address = server.server.address();
    url = `ws://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/stream`;
  });

  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    stream.close();
    await server.close();
    await t.close();
  });

  it('answers both sign-in forms, and refuses a wrong secret and a listen before sign-in', async () => {
    const c = await connect();
    const unauthorized = (action: string) => ({ stream: 'authorization', data: { status: 'unauthorized', action } });
    assert.deepEqual(await c.reply(LISTEN), unauthorized('listen'));
    assert.deepEqual(
      await c.reply({ action: 'authenticate', data: { key_id: 'KEYA', secret_key: 'secret-b' } }),
      unauthorized('authenticate'),
    );
    assert.deepEqual(await c.reply({ action: 'auth', key: 'KEYA', secret: 'nope' }), unauthorized('auth'));
    assert.deepEqual(await c.reply({ action: 'auth', key: 'NOKEY', secret: 'secret-a' }), unauthorized('auth'));
    assert.deepEqual(await c.reply(LISTEN), unauthorized('listen'));
    assert.deepEqual(
      await c.reply({ action: 'authenticate', data: { key_id: 'KEYA', secret_key: 'secret-a' } }, 'binary'),
      { stream: 'authorization', data: { status: 'authorized', action: 'authenticate' } },
    );
    assert.deepEqual(await c.reply({ action: 'auth', key: 'KEYB', secret: 'secret-b' }), {
      stream: 'authorization',
      data: { status: 'authorized', action: 'auth' },
    });
    const listen = (streams: unknown[]) => c.reply({ action: 'listen', data: { streams } });
    assert.deepEqual(await listen(['trade_updates', 'bars']), {
      stream: 'listening',
      data: { streams: ['trade_updates'] },
    });
    assert.deepEqual(await listen([]), { stream: 'listening', data: { streams: [] } });
    assert.deepEqual(await c.reply({ action: 'subscribe' }), {
      action: 'error',
      data: { error_message: 'unknown action: subscribe' },
    });
    // Frames are binary by default (as Alpaca paper sends them).
    c.send(LISTEN);
    assert.deepEqual(await c.next(), {
      message: { stream: 'listening', data: { streams: ['trade_updates'] } },
      binary: true,
    });
  });

  it("tells a deployment its own broker fills in its sleeve's terms, and nothing of another's", async () => {
    const viaAuthenticate = await Client.open(url);
    clients.push(viaAuthenticate);
    assert.deepEqual(
      await viaAuthenticate.reply({ action: 'authenticate', data: { key_id: 'KEYA', secret_key: 'secret-a' } }),
      { stream: 'authorization', data: { status: 'authorized', action: 'authenticate' } },
    );
    assert.deepEqual(await viaAuthenticate.updates(), []);
    const viaAuth = await connect('KEYA');
    const b = await connect('KEYB');
    const silent = await connect(); // never signs in: hears nothing

    const bOrder = await buy(B, '10', 'b-buy-1');
    const aOrder = await buy(A, '5', 'a-buy-1');

    /** `new`, then `fill` with the one execution of the order (the paper broker fills it at once). */
    const expected = async (deployment: DeploymentId, orderId: string, clientOrderId: string, qty: string) => {
      const trades = await tradesOf(deployment, orderId);
      assert.deepEqual(
        trades.map((x) => x.qty),
        [qty],
      );
      const [x] = trades;
      const uuid = orderUuid(t.app.service.state.orders.get(orderId)!);
      return [
        { stream: 'trade_updates', event: 'new', order: [uuid, clientOrderId, 'new', '0', null] },
        {
          stream: 'trade_updates',
          event: 'fill',
          order: [uuid, clientOrderId, 'filled', qty, x!.price],
          price: x!.price,
          qty,
          execution_id: executionIdOf(x!.fill_id),
          position_qty: qty,
          timestamp: x!.ts,
        },
      ];
    };

    const aSeen = (await viaAuth.updates()).map(summary);
    assert.deepEqual(aSeen, await expected(A, aOrder.id, 'a-buy-1', '5'));
    assert.deepEqual((await viaAuthenticate.updates()).map(summary), aSeen);
    // B's socket: B's own order only, with B's sleeve position (10), not the account's (15).
    assert.deepEqual((await b.updates()).map(summary), await expected(B, bOrder.id, 'b-buy-1', '10'));
    const account = await t.broker.positions();
    assert.equal(toPlain(account.find((p) => p.symbol === AAPL)!.qty), '15');
    assert.deepEqual(await silent.reply(LISTEN), {
      stream: 'authorization',
      data: { status: 'unauthorized', action: 'listen' },
    });

    // listen [] stops the updates; a wrong secret afterwards signs the socket out.
    assert.deepEqual(await b.reply({ action: 'listen', data: { streams: [] } }), {
      stream: 'listening',
      data: { streams: [] },
    });
    await buy(B, '1', 'b-buy-2');
    assert.deepEqual(await b.reply({ action: 'auth', key: 'KEYB', secret: 'wrong' }), {
      stream: 'authorization',
      data: { status: 'unauthorized', action: 'auth' },
    });
    await buy(B, '1', 'b-buy-3');
    assert.deepEqual(await b.reply({ action: 'auth', key: 'KEYB', secret: 'secret-b' }), {
      stream: 'authorization',
      data: { status: 'authorized', action: 'auth' },
    });
    assert.deepEqual(await b.updates(), []);
  });

  it('tells each side of an internal cross its own fill, and a cancel as canceled', async () => {
    await buy(B, '10', 'b-buy-1');
    const a = await connect('KEYA');
    const b = await connect('KEYB');
    const mid = quoteMid((await t.broker.latest([AAPL])).get(AAPL)!)!;
    const rest = await t.app.submitOrder(A, {
      symbol: 'AAPL',
      side: 'buy',
      qty: dec('3'),
      type: 'limit',
      limitPrice: mid,
      timeInForce: 'gtc',
      idempotencyKey: 'a-rest',
    });
    const restUuid = orderUuid(t.app.service.state.orders.get(rest.id)!);
    assert.deepEqual((await a.updates()).map(summary), [
      { stream: 'trade_updates', event: 'new', order: [restUuid, 'a-rest', 'new', '0', null] },
    ]);
    const sell = await t.app.submitOrder(B, {
      symbol: 'AAPL',
      side: 'sell',
      qty: dec('2'),
      type: 'market',
      timeInForce: 'day',
      idempotencyKey: 'b-sell',
    });
    assert.deepEqual([sell.status, sell.crossed_qty], ['filled', '2']);
    await t.app.router.book.idle(); // A's remainder goes back to the broker: nothing to tell
    const [cross] = (await t.app.trades(A, { limit: 10 })).trades;
    assert.deepEqual([cross!.side, cross!.qty, cross!.price, cross!.order_id], ['buy', '2', toPlain(mid), null]);
    const sellUuid = orderUuid(t.app.service.state.orders.get(sell.id)!);
    const price = toPlain(mid);
    const execution = { price, qty: '2', execution_id: executionIdOf(cross!.fill_id), timestamp: cross!.ts };
    assert.deepEqual((await a.updates()).map(summary), [
      {
        stream: 'trade_updates',
        event: 'partial_fill',
        order: [restUuid, 'a-rest', 'partially_filled', '2', price],
        ...execution,
        position_qty: '2',
      },
    ]);
    assert.deepEqual((await b.updates()).map(summary), [
      { stream: 'trade_updates', event: 'new', order: [sellUuid, 'b-sell', 'new', '0', null] },
      {
        stream: 'trade_updates',
        event: 'fill',
        order: [sellUuid, 'b-sell', 'filled', '2', price],
        ...execution,
        position_qty: '8',
      },
    ]);

    await t.app.cancelOrder(A, rest.id);
    await t.runUntil(() => open().length === 0);
    const canceled = t.app.service.state.orders.get(rest.id)!;
    assert.equal(canceled.status, 'canceled');
    const cancelAsked = { stream: 'trade_updates', event: 'pending_cancel' };
    assert.deepEqual((await a.updates()).map(summary), [
      { ...cancelAsked, order: [restUuid, 'a-rest', 'pending_cancel', '2', price] },
      {
        stream: 'trade_updates',
        event: 'canceled',
        order: [restUuid, 'a-rest', 'canceled', '2', price],
        timestamp: canceled.updatedAt,
      },
    ]);
    assert.deepEqual(await b.updates(), []);
  });

  it('tells an order crossed with two others in one batch each execution, with the order as it stood after it', async () => {
    await buy(B, '10', 'b-buy-1');
    const mid = quoteMid((await t.broker.latest([AAPL])).get(AAPL)!)!;
    for (const d of [A, C])
      await t.app.submitOrder(d, {
        symbol: 'AAPL',
        side: 'buy',
        qty: dec('2'),
        type: 'limit',
        limitPrice: mid,
        timeInForce: 'gtc',
      });
    const b = await connect('KEYB');
    const sell = await t.app.submitOrder(B, {
      symbol: 'AAPL',
      side: 'sell',
      qty: dec('4'),
      type: 'market',
      timeInForce: 'day',
      idempotencyKey: 'b-sell',
    });
    assert.deepEqual([sell.status, sell.crossed_qty], ['filled', '4']);
    // Crossed against the resting buys in arrival order: A's first, then C's, in one batch.
    const crosses = [
      (await t.app.trades(A, { limit: 1 })).trades[0]!,
      (await t.app.trades(C, { limit: 1 })).trades[0]!,
    ];
    assert.equal(crosses[0]!.ts, crosses[1]!.ts);
    const sellUuid = orderUuid(t.app.service.state.orders.get(sell.id)!);
    const price = toPlain(mid);
    assert.deepEqual((await b.updates()).map(summary), [
      { stream: 'trade_updates', event: 'new', order: [sellUuid, 'b-sell', 'new', '0', null] },
      ...crosses.map((x, i) => ({
        stream: 'trade_updates',
        event: i === 0 ? 'partial_fill' : 'fill',
        order: [sellUuid, 'b-sell', i === 0 ? 'partially_filled' : 'filled', i === 0 ? '2' : '4', price],
        price,
        qty: '2',
        execution_id: executionIdOf(x.fill_id),
        position_qty: i === 0 ? '8' : '6',
        timestamp: x.ts,
      })),
    ]);
  });

  it("tells each participant of a block order its child's share of each execution", async () => {
    const a = await connect('KEYA');
    const b = await connect('KEYB');
    const outcome = await t.app.router.submitBlock({
      symbol: AAPL,
      side: 'buy',
      participants: [
        { deployment: A, qty: dec('4') },
        { deployment: B, qty: dec('6') },
      ],
      type: 'market',
      timeInForce: 'day',
      increment: dec('1'),
    });
    await t.runUntil(() => open().length === 0);
    const [execution] = (await t.app.trades(A, { limit: 10 })).trades;
    const expected = (deployment: DeploymentId, qty: string) => {
      const uuid = orderUuid(t.app.service.state.orders.get(`${outcome.blockId!}:${deployment}`)!);
      return [
        { stream: 'trade_updates', event: 'new', order: [uuid, `${outcome.blockId!}:${deployment}`, 'new', '0', null] },
        {
          stream: 'trade_updates',
          event: 'fill',
          order: [uuid, `${outcome.blockId!}:${deployment}`, 'filled', qty, execution!.price],
          price: execution!.price,
          qty,
          execution_id: executionIdOf(execution!.fill_id),
          position_qty: qty,
          timestamp: execution!.ts,
        },
      ];
    };
    assert.deepEqual((await a.updates()).map(summary), expected(A, '4'));
    assert.deepEqual((await b.updates()).map(summary), expected(B, '6'));
  });

  it('close() closes every socket and refuses new ones', async () => {
    const a = await connect('KEYA');
    stream.close();
    await assert.rejects(a.next(), /socket closed/);
    const late = await Client.open(url);
    clients.push(late);
    await assert.rejects(late.next(), /socket closed/);
  });
});
