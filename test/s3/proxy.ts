/**
 * A loopback HTTP proxy in front of moto for the S3 drills: it forwards every request as it came
 * (the SDK's signature included; moto does not check it) and can hold a log object's PUT until the
 * test lets it go — so a run can be stopped or killed in the middle of an append, and two runs
 * started at once surely overlap.
 */
import { type IncomingMessage, type Server, createServer, request } from 'node:http';

export interface HeldPut {
  /** The object's key path, e.g. /bucket/prefix/log/00000000000000000003.json */
  readonly path: string;
  /** Sends it on to the server (the object lands); its answer goes back to whoever is still there. */
  release(): void;
}

export interface Proxy {
  readonly endpoint: string;
  /** Holds each PUT of a log object for which `rule` says so; `undefined`: forward all. */
  holdWhen(rule: ((path: string) => boolean) | undefined): void;
  /** Delays every PUT of a log object by `ms` (0: none). */
  delayLogPuts(ms: number): void;
  /** Resolves with the next held PUT. */
  nextHeld(): Promise<HeldPut>;
  close(): Promise<void>;
}

export async function startProxy(target: string): Promise<Proxy> {
  const upstream = new URL(target);
  let rule: ((path: string) => boolean) | undefined;
  let delay = 0;
  const held: HeldPut[] = [];
  const waiting: ((h: HeldPut) => void)[] = [];
  const forward = (req: IncomingMessage, body: Buffer, res: import('node:http').ServerResponse) => {
    const out = request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    out.on('error', () => res.destroy());
    out.end(body);
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const path = req.url ?? '';
      const isLogPut = req.method === 'PUT' && /\/log\/\d{20}\.json/.test(path);
      if (isLogPut && rule?.(path)) {
        const h: HeldPut = { path, release: () => forward(req, body, res) };
        const w = waiting.shift();
        if (w) w(h);
        else held.push(h);
        return;
      }
      if (isLogPut && delay > 0) setTimeout(() => forward(req, body, res), delay);
      else forward(req, body, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    holdWhen: (r) => void (rule = r),
    delayLogPuts: (ms) => void (delay = ms),
    nextHeld: () => {
      const h = held.shift();
      return h ? Promise.resolve(h) : new Promise((resolve) => waiting.push(resolve));
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
