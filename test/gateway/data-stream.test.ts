/**
 * The gateway's shared market-data stream (src/gateway/data-stream.ts) in front of the emulator's
 * (src/emulator/data-stream.ts): a real gateway (paper app, in-memory keys) whose data stream's
 * upstream is a real emulator.
 *
 * 1. Three bots on three deployments' keys subscribe to overlapping symbols, one of them in
 *    msgpack: the emulator counts exactly ONE upstream connection; each bot receives exactly its
 *    own trades and quotes of a step (exact frames, prices as the venue's decimal text in JSON and
 *    its float64 in msgpack, timestamps to the nanosecond); one bot's unsubscribe keeps the others'
 *    feed; a bot leaving unsubscribes upstream what nobody else wants.
 * 2. The emulator drops the upstream: the gateway reconnects, re-authenticates and re-subscribes
 *    the union, and the bots, still connected, get the next step.
 * 3. Bad frames get Alpaca's errors (400, 401, 402, 403, 410); the emulator refuses a second
 *    connection for its key with 406.
 *
 * Every wait for a frame ends when it arrives; a wait for the upstream's subscription polls the
 * gateway's stats (what the upstream last acknowledged) before the market moves.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { EXT_TIMESTAMP, ExtensionCodec, decode, decodeTimestampToTimeSpec, encode } from '@msgpack/msgpack';
import { WebSocket } from 'ws';
import { toPlain } from '../../src/core/decimal.js';
import type { DeploymentId, Symbol } from '../../src/core/ids.js';
import { usEquityHours } from '../../src/app/marks/market-hours.js';
import { type EmulatorHandle, startEmulator } from '../../src/emulator/index.js';
import { GatewayKeys } from '../../src/gateway/keys.js';
import { type Gateway, buildGateway } from '../../src/gateway/server.js';
import { START, waitFor } from '../alpaca/helpers.js';
import { type TestApp, startTestApp } from '../helpers/app.js';
import { BOTS_DIR, assertBotCanRun, botTestSkip, expectedClient, pythonOf } from './bots.js';

const DEPLOYMENTS = ['alpha', 'beta', 'gamma'] as DeploymentId[];

/** msgpack timestamps as RFC 3339 text with nanoseconds, to compare them exactly. */
const timestamps = new ExtensionCodec();
timestamps.register({
  type: EXT_TIMESTAMP,
  encode: () => null,
  decode: (data: Uint8Array) => {
    const { sec, nsec } = decodeTimestampToTimeSpec(data);
    return `${new Date(sec * 1000).toISOString().slice(0, 19)}.${String(nsec).padStart(9, '0')}Z`;
  },
});

type Frame = Record<string, unknown>[];

/** A data-stream client that queues the frames it receives, as text (JSON) or decoded (msgpack). */
class DataClient {
  private readonly queue: (string | Frame)[] = [];
  private wake: (() => void) | undefined;
  closed = false;

  private constructor(
    private readonly socket: WebSocket,
    readonly msgpack: boolean,
  ) {
    socket.on('message', (data: Buffer, binary: boolean) => {
      this.queue.push(
        msgpack
          ? (decode(data, { extensionCodec: timestamps }) as Frame)
          : (assert.equal(binary, false, 'JSON comes in text frames'), data.toString('utf8')),
      );
      this.wake?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake?.();
    });
  }

  static open(url: string, msgpack = false): Promise<DataClient> {
    const socket = new WebSocket(url, msgpack ? { headers: { 'Content-Type': 'application/msgpack' } } : {});
    return new Promise((resolve, reject) => {
      const client = new DataClient(socket, msgpack);
      socket.once('open', () => resolve(client));
      socket.once('error', reject);
    });
  }

  send(message: unknown): void {
    this.socket.send(this.msgpack ? encode(message) : JSON.stringify(message));
  }

  sendRaw(text: string): void {
    this.socket.send(text);
  }

  async next(): Promise<string | Frame> {
    while (this.queue.length === 0) {
      if (this.closed) throw new Error('socket closed');
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
    return this.queue.shift()!;
  }

  get pending(): number {
    return this.queue.length;
  }

  close(): void {
    this.socket.close();
  }
}

const ack = (trades: string[], quotes: string[] = []) =>
  JSON.stringify([
    {
      T: 'subscription',
      trades,
      quotes,
      bars: [],
      updatedBars: [],
      dailyBars: [],
      statuses: [],
      lulds: [],
      corrections: trades,
      cancelErrors: trades,
    },
  ]);

describe('the shared market-data stream: gateway in front of the emulator', () => {
  let emulator: EmulatorHandle;
  let t: TestApp;
  let gateway: Gateway;
  let url: string;
  const creds: { keyId: string; secret: string }[] = [];
  const clients: DataClient[] = [];

  /** The venue's trade and quote of `symbol` now, as the JSON text of each message. */
  const expected = (symbol: string) => {
    const { step, quotes } = emulator.control.venue.market.current();
    const q = quotes.get(symbol as Symbol)!;
    return {
      trade: `{"T":"t","S":"${symbol}","i":${step + 1},"x":"V","p":${toPlain(q.last)},"s":100,"c":["@"],"z":"C","t":"${q.ts}"}`,
      quote: `{"T":"q","S":"${symbol}","bx":"V","bp":${toPlain(q.bid)},"bs":100,"ax":"V","ap":${toPlain(q.ask)},"as":100,"c":["R"],"z":"C","t":"${q.ts}"}`,
      q,
    };
  };
  const upstream = () => gateway.dataStream!.stats().upstream.iex!;
  const acknowledged = (want: Record<string, string[]>) =>
    waitFor(
      () => JSON.stringify(upstream().acknowledged) === JSON.stringify(want) && upstream().ready,
      `upstream subscription ${JSON.stringify(want)}`,
    );
  const signIn = async (i: number, msgpack = false) => {
    const c = await DataClient.open(`${url}/v2/iex`, msgpack);
    clients.push(c);
    const connected = await c.next();
    assert.deepEqual(msgpack ? connected : JSON.parse(connected as string), [{ T: 'success', msg: 'connected' }]);
    c.send({ action: 'auth', key: creds[i]!.keyId, secret: creds[i]!.secret });
    const authenticated = await c.next();
    assert.deepEqual(msgpack ? authenticated : JSON.parse(authenticated as string), [
      { T: 'success', msg: 'authenticated' },
    ]);
    return c;
  };

  before(async () => {
    emulator = await startEmulator({ start: START, stepMs: 60_000 });
    t = await startTestApp();
    const keys = GatewayKeys.inMemory();
    for (const d of DEPLOYMENTS) {
      await t.app.createDeployment({ id: d, initialCapital: 10_000_000_000n as never });
      const { keyId, secret } = await keys.create(d);
      creds.push({ keyId, secret });
    }
    gateway = await buildGateway({
      app: t.app,
      keys,
      market: t.broker,
      clock: t.broker.clock,
      hours: usEquityHours,
      dataStream: {
        url: emulator.dataStreamUrl,
        keyId: emulator.keyId,
        secretKey: emulator.secretKey,
        reconnectMs: 20,
      },
    });
    url = (await gateway.fastify.listen({ host: '127.0.0.1', port: 0 })).replace(/^http/, 'ws');
  });

  after(async () => {
    for (const c of clients) c.close();
    await gateway?.close();
    await t?.close();
    await emulator?.close();
  });

  it('fans one upstream connection out to three bots, each in its own encoding, and unions their subscriptions', async () => {
    const [one, two, three] = [await signIn(0), await signIn(1, true), await signIn(2)];
    // Nothing subscribed yet: no upstream connection (it opens on the first subscription).
    assert.deepEqual(emulator.control.dataConnections(), {
      open: 0,
      authenticated: { iex: 0, sip: 0, test: 0 },
      opened: 0,
      refused: 0,
    });

    one.send({ action: 'subscribe', trades: ['AAPL', 'MSFT'], quotes: ['AAPL'] });
    assert.equal(await one.next(), ack(['AAPL', 'MSFT'], ['AAPL']));
    two.send({ action: 'subscribe', trades: ['MSFT', 'GOOGL'] });
    assert.deepEqual(await two.next(), JSON.parse(ack(['MSFT', 'GOOGL'])));
    three.send({ action: 'subscribe', trades: ['aapl'], quotes: ['MSFT'] });
    assert.equal(await three.next(), ack(['AAPL'], ['MSFT']));
    await acknowledged({ trades: ['AAPL', 'MSFT', 'GOOGL'], quotes: ['AAPL', 'MSFT'] });
    assert.deepEqual(emulator.control.dataConnections(), {
      open: 1,
      authenticated: { iex: 1, sip: 0, test: 0 },
      opened: 1,
      refused: 0,
    });

    emulator.control.advance(1);
    const [aapl, msft, googl] = [expected('AAPL'), expected('MSFT'), expected('GOOGL')];
    assert.equal(aapl.trade.slice(0, 46), '{"T":"t","S":"AAPL","i":2,"x":"V","p":189.65,"');
    assert.equal(await one.next(), `[${aapl.trade},${aapl.quote},${msft.trade}]`);
    assert.equal(await three.next(), `[${aapl.trade},${msft.quote}]`);
    assert.deepEqual(await two.next(), [
      {
        T: 't',
        S: 'MSFT',
        i: 2,
        x: 'V',
        p: Number(toPlain(msft.q.last)),
        s: 100,
        c: ['@'],
        z: 'C',
        t: `${msft.q.ts.slice(0, 23)}000000Z`,
      },
      {
        T: 't',
        S: 'GOOGL',
        i: 2,
        x: 'V',
        p: Number(toPlain(googl.q.last)),
        s: 100,
        c: ['@'],
        z: 'C',
        t: `${googl.q.ts.slice(0, 23)}000000Z`,
      },
    ]);

    // One bot lets MSFT trades go: the others keep it (no upstream change), it no longer gets them.
    one.send({ action: 'unsubscribe', trades: ['MSFT'] });
    assert.equal(await one.next(), ack(['AAPL'], ['AAPL']));
    await acknowledged({ trades: ['AAPL', 'MSFT', 'GOOGL'], quotes: ['AAPL', 'MSFT'] });
    emulator.control.advance(1);
    const next = { aapl: expected('AAPL'), msft: expected('MSFT') };
    assert.equal(await one.next(), `[${next.aapl.trade},${next.aapl.quote}]`);
    assert.equal(await three.next(), `[${next.aapl.trade},${next.msft.quote}]`);
    assert.deepEqual(
      ((await two.next()) as Frame).map((m) => [m.T, m.S, m.i]),
      [
        ['t', 'MSFT', 3],
        ['t', 'GOOGL', 3],
      ],
    );

    // The msgpack bot leaves: GOOGL (its alone) is unsubscribed upstream; MSFT trades too.
    two.close();
    await acknowledged({ trades: ['AAPL'], quotes: ['AAPL', 'MSFT'] });
    assert.equal(emulator.control.dataConnections().opened, 1);
  });

  it('reconnects, re-authenticates and re-subscribes when the upstream drops', async () => {
    const [one, , three] = clients;
    assert.equal(emulator.control.dropDataStreams(), 1);
    await waitFor(() => upstream().connects === 2, 'a second upstream connection');
    await acknowledged({ trades: ['AAPL'], quotes: ['AAPL', 'MSFT'] });
    assert.deepEqual(emulator.control.dataConnections(), {
      open: 1,
      authenticated: { iex: 1, sip: 0, test: 0 },
      opened: 2,
      refused: 0,
    });
    emulator.control.advance(1);
    const { aapl, msft } = { aapl: expected('AAPL'), msft: expected('MSFT') };
    assert.equal(await one!.next(), `[${aapl.trade},${aapl.quote}]`);
    assert.equal(await three!.next(), `[${aapl.trade},${msft.quote}]`);
  });

  it("answers bad frames with Alpaca's errors; the emulator refuses a second connection per key with 406", async () => {
    const c = await DataClient.open(`${url}/v2/iex`);
    clients.push(c);
    assert.equal(await c.next(), '[{"T":"success","msg":"connected"}]');
    c.send({ action: 'subscribe', trades: ['AAPL'] });
    assert.equal(await c.next(), '[{"T":"error","code":401,"msg":"not authenticated"}]');
    c.send({ action: 'auth', key: creds[0]!.keyId, secret: 'wrong' });
    assert.equal(await c.next(), '[{"T":"error","code":402,"msg":"auth failed"}]');
    c.send({ action: 'auth', key: creds[0]!.keyId, secret: creds[0]!.secret });
    assert.equal(await c.next(), '[{"T":"success","msg":"authenticated"}]');
    c.send({ action: 'auth', key: creds[0]!.keyId, secret: creds[0]!.secret });
    assert.equal(await c.next(), '[{"T":"error","code":403,"msg":"already authenticated"}]');
    c.sendRaw('{"action":');
    assert.equal(await c.next(), '[{"T":"error","code":400,"msg":"invalid syntax"}]');
    c.send({ action: 'subscribe', trades: ['NOT A SYMBOL'] });
    assert.equal(await c.next(), '[{"T":"error","code":400,"msg":"invalid syntax"}]');
    c.send({ action: 'subscribe', orderbooks: ['AAPL'] });
    assert.equal(await c.next(), '[{"T":"error","code":410,"msg":"invalid subscribe action for this feed"}]');

    // The gateway holds the emulator key's one connection on iex: a second is refused and closed.
    const direct = await DataClient.open(`${emulator.dataStreamUrl}/v2/iex`);
    assert.equal(await direct.next(), '[{"T":"success","msg":"connected"}]');
    direct.send({ action: 'auth', key: emulator.keyId, secret: emulator.secretKey });
    assert.equal(await direct.next(), '[{"T":"error","code":406,"msg":"connection limit exceeded"}]');
    await assert.rejects(direct.next(), /socket closed/);
    assert.equal(emulator.control.dataConnections().refused, 1);
    assert.equal(emulator.control.dataConnections().open, 1);
  });
});

/**
 * Official clients, unchanged, on the gateway's data stream: alpaca-py's StockDataStream
 * (`url_override`) and the JS SDK 4.0.2's `marketData.stockStream({ url })`, both in msgpack
 * (test/gateway/bots/*_data_bot.*). Each subscribes to one symbol's trades and quotes and prints
 * the first two of each; the emulator's market steps until both bots are done.
 */
describe('official clients on the gateway data stream', () => {
  let emulator: EmulatorHandle;
  let t: TestApp;
  let gateway: Gateway;
  let url: string;
  const creds: Record<string, { keyId: string; secret: string }> = {};

  before(async () => {
    emulator = await startEmulator({ start: START, stepMs: 60_000 });
    t = await startTestApp();
    const keys = GatewayKeys.inMemory();
    for (const d of ['py', 'v4'] as DeploymentId[]) {
      await t.app.createDeployment({ id: d, initialCapital: 10_000_000_000n as never });
      creds[d] = await keys.create(d);
    }
    gateway = await buildGateway({
      app: t.app,
      keys,
      market: t.broker,
      clock: t.broker.clock,
      hours: usEquityHours,
      dataStream: { url: emulator.dataStreamUrl, keyId: emulator.keyId, secretKey: emulator.secretKey },
    });
    url = (await gateway.fastify.listen({ host: '127.0.0.1', port: 0 })).replace(/^http/, 'ws');
  });

  after(async () => {
    await gateway?.close();
    await t?.close();
    await emulator?.close();
  });

  /** Runs a data bot until it prints its line, stepping the market while it waits. */
  const runDataBot = async (argv: string[], who: string, symbol: string) => {
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('APCA_')));
    Object.assign(env, { APCA_API_KEY_ID: creds[who]!.keyId, APCA_API_SECRET_KEY: creds[who]!.secret });
    const [program, ...args] = [...argv, '--url', `${url}/v2/iex`, '--symbol', symbol, '--count', '2'];
    const child = spawn(program!, args, { cwd: BOTS_DIR, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
    let running = true;
    void exited.then(() => (running = false));
    // The market steps only once the bot's subscription reached the upstream, so it sees every step.
    while (running) {
      if (JSON.stringify(gateway.dataStream!.stats().upstream.iex?.acknowledged.trades ?? []).includes(symbol))
        emulator.control.advance(1);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    clearTimeout(killer);
    const code = await exited;
    assert.equal(code, 0, `${argv.join(' ')} exited ${code}\n${stdout}\n${stderr}`);
    return JSON.parse(stdout.trim().split('\n').at(-1)!) as {
      client: string;
      symbol: string;
      trades: Record<string, unknown>[];
      quotes: Record<string, unknown>[];
    };
  };

  it(
    'alpaca-py StockDataStream(url_override=…/v2/iex) receives trades and quotes',
    { skip: botTestSkip('alpaca-py') },
    async () => {
      assertBotCanRun('alpaca-py');
      const out = await runDataBot([pythonOf('alpaca-py'), 'alpaca_py_data_bot.py'], 'py', 'MSFT');
      assert.equal(out.client, expectedClient('alpaca-py'));
      assert.equal(out.trades.length, 2);
      assert.equal(out.quotes.length, 2);
      for (const trade of out.trades) {
        assert.equal(trade.symbol, 'MSFT');
        assert.equal(trade.size, 100);
        assert.match(String(trade.timestamp), /^2025-01-02T14:\d\d:00\+00:00$/);
      }
      assert.equal((out.trades[1]!.id as number) - (out.trades[0]!.id as number), 1);
    },
  );

  it('JS SDK 4.0.2 marketData.stockStream({ url }) receives trades and quotes', async () => {
    const out = await runDataBot([process.execPath, 'js_v4_data_bot.mjs'], 'v4', 'GOOGL');
    assert.equal(out.client, '@alpacahq/alpaca-trade-api 4.0.2');
    assert.equal(out.trades.length, 2);
    assert.equal(out.quotes.length, 2);
    for (const trade of out.trades) {
      assert.equal(trade.symbol, 'GOOGL');
      assert.equal(trade.size, 100);
      assert.match(String(trade.timestamp), /^2025-01-02T14:\d\d:00\.000000000Z$/);
    }
    assert.equal((out.trades[1]!.id as number) - (out.trades[0]!.id as number), 1);
  });
});
