/**
 * The emulator's `trade_updates` websocket at /stream (FACTS §2): authentication in both message
 * forms (`{"action":"authenticate","data":{"key_id","secret_key"}}` as the SDKs send it and
 * `{"action":"auth","key","secret"}` as the current docs show), `listen` (the list replaces the
 * current set), and `{"stream":"trade_updates","data":{…}}` frames — JSON in binary frames as
 * paper sends them, or in text frames.
 *
 * Entry points: `StreamHub` — `attach(socket)`, `broadcast(update)`, and the test controls
 * `drop`, `dropAfter`, `refuse`.
 * Invariants: a connection receives trade updates only after it is authorized and listening to
 * `trade_updates`; there is no replay on reconnect (as at Alpaca); while refusing, new connections
 * are closed at once with code 1013 (try again later).
 */
import type { WebSocket } from 'ws';
import { stringifyJson } from '../core/exact-json.js';
import type { TradeUpdateWire } from './wire.js';

export type AuthForm = 'authenticate' | 'auth';
export type FrameKind = 'binary' | 'text';

interface Connection {
  readonly socket: WebSocket;
  authorized: boolean;
  streams: string[];
}

export interface StreamHubOptions {
  readonly keyId: string;
  readonly secretKey: string;
  readonly frames: FrameKind;
  /** Which auth message forms the server accepts. Default both. */
  readonly authForms?: readonly AuthForm[];
}

const KNOWN_STREAMS = new Set(['trade_updates']);

export class StreamHub {
  frames: FrameKind;
  authForms: readonly AuthForm[];
  private readonly connections = new Set<Connection>();
  private refusing = false;
  private dropCountdown: { frames: number; refuse: boolean } | undefined;
  /** trade_updates frames sent so far (all connections). */
  framesSent = 0;

  constructor(private readonly options: StreamHubOptions) {
    this.frames = options.frames;
    this.authForms = options.authForms ?? ['authenticate', 'auth'];
  }

  get listening(): number {
    return [...this.connections].filter((c) => c.streams.includes('trade_updates')).length;
  }

  get connected(): number {
    return this.connections.size;
  }

  attach(socket: WebSocket): void {
    if (this.refusing) {
      socket.close(1013, 'emulator: stream connections are refused for now');
      return;
    }
    const connection: Connection = { socket, authorized: false, streams: [] };
    this.connections.add(connection);
    socket.on('close', () => this.connections.delete(connection));
    socket.on('error', () => this.connections.delete(connection));
    socket.on('message', (data: Buffer | ArrayBuffer | Buffer[]) => this.receive(connection, data));
  }

  /** Sends a trade update to every connection listening to `trade_updates`. */
  broadcast(update: TradeUpdateWire): void {
    for (const c of [...this.connections]) {
      if (!c.streams.includes('trade_updates')) continue;
      this.send(c, { stream: 'trade_updates', data: update });
      this.framesSent += 1;
      if (this.dropCountdown && --this.dropCountdown.frames <= 0) {
        const { refuse } = this.dropCountdown;
        this.dropCountdown = undefined;
        this.drop({ refuse });
        return;
      }
    }
  }

  /** Cuts every connection now (no close handshake); optionally refuses new ones until `accept`. */
  drop(options: { refuse?: boolean } = {}): number {
    if (options.refuse) this.refusing = true;
    const count = this.connections.size;
    for (const c of [...this.connections]) c.socket.terminate();
    this.connections.clear();
    return count;
  }

  /** Cuts every connection after `frames` more trade_updates frames (mid-burst drops). */
  dropAfter(frames: number, options: { refuse?: boolean } = {}): void {
    this.dropCountdown = { frames, refuse: options.refuse ?? false };
  }

  refuse(on: boolean): void {
    this.refusing = on;
  }

  close(): void {
    this.drop();
  }

  private receive(c: Connection, data: Buffer | ArrayBuffer | Buffer[]): void {
    const text = Buffer.isBuffer(data)
      ? data.toString('utf8')
      : Array.isArray(data)
        ? Buffer.concat(data).toString('utf8')
        : Buffer.from(data).toString('utf8');
    let message: { action?: unknown; data?: Record<string, unknown>; key?: unknown; secret?: unknown };
    try {
      message = JSON.parse(text) as typeof message;
    } catch {
      this.send(c, { action: 'error', data: { error_message: 'invalid syntax' } });
      c.socket.close(1003, 'invalid syntax');
      return;
    }
    if (message === null || typeof message !== 'object') message = {};
    if (message.action === 'authenticate' || message.action === 'auth') {
      const form = message.action;
      const [key, secret] =
        form === 'authenticate' ? [message.data?.key_id, message.data?.secret_key] : [message.key, message.secret];
      c.authorized = this.authForms.includes(form) && key === this.options.keyId && secret === this.options.secretKey;
      this.send(c, {
        stream: 'authorization',
        data: { status: c.authorized ? 'authorized' : 'unauthorized', action: form },
      });
    } else if (message.action === 'listen') {
      if (!c.authorized) {
        this.send(c, { stream: 'authorization', data: { status: 'unauthorized', action: 'listen' } });
        return;
      }
      const requested = message.data?.streams;
      c.streams = Array.isArray(requested) ? requested.filter((s): s is string => KNOWN_STREAMS.has(String(s))) : [];
      this.send(c, { stream: 'listening', data: { streams: c.streams } });
    } else {
      this.send(c, { action: 'error', data: { error_message: `unknown action: ${String(message.action)}` } });
    }
  }

  private send(c: Connection, frame: unknown): void {
    if (c.socket.readyState !== c.socket.OPEN) return;
    const text = stringifyJson(frame);
    c.socket.send(this.frames === 'binary' ? Buffer.from(text, 'utf8') : text, { binary: this.frames === 'binary' });
  }
}
