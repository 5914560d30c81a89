/**
 * A real S3-compatible server for the S3 suites: moto's (`python3 -m moto.server`), started on a
 * free loopback port for one test file and stopped after it. Each test makes its own bucket.
 * When moto is not installed the suites are skipped with a reason saying so — unless
 * SUBLEDGER_TEST_REQUIRE_S3=1 (set by CI), in which case that is a failure.
 *
 * Entry points: `startMoto` (the server, or why not), `Moto.bucket`, `Moto.env`, `Moto.url`.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';

export interface Moto {
  /** http://127.0.0.1:PORT */
  readonly endpoint: string;
  /** The environment that points the SDK (and a `subledger` child process) at it. */
  readonly env: Record<string, string>;
  /** A fresh, empty bucket. */
  bucket(prefix?: string): Promise<string>;
  /** `s3://bucket/prefix` with the endpoint as a query option. */
  url(bucket: string, prefix?: string): string;
  stop(): Promise<void>;
}

const PYTHON = process.env.SUBLEDGER_TEST_PYTHON ?? 'python3';

export async function startMoto(): Promise<{ moto: Moto } | { skip: string }> {
  const check = spawnSync(PYTHON, ['-c', 'import moto.server'], { encoding: 'utf8' });
  if (check.status !== 0) {
    const reason = `S3 suites skipped: moto's server is not installed (${PYTHON} -c 'import moto.server': ${(check.stderr || check.error?.message || '').trim().split('\n').at(-1)}); pip install 'moto[server]' to run them`;
    if (process.env.SUBLEDGER_TEST_REQUIRE_S3 === '1')
      throw new Error(reason.replace('skipped', 'required (SUBLEDGER_TEST_REQUIRE_S3=1)'));
    return { skip: reason };
  }
  const port = await freePort();
  const child = spawn(PYTHON, ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
  process.on('exit', () => child.kill('SIGKILL'));
  const endpoint = `http://127.0.0.1:${port}`;
  await waitUntilUp(endpoint, child, () => stderr);
  const env = {
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL: endpoint,
  };
  Object.assign(process.env, env, { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' });
  const client = new S3Client({ region: 'us-east-1', endpoint, forcePathStyle: true });
  let made = 0;
  return {
    moto: {
      endpoint,
      env,
      async bucket(prefix = 'subledger') {
        const name = `${prefix}-${process.pid}-${++made}-${Math.floor(Math.random() * 1e6)}`.toLowerCase();
        await client.send(new CreateBucketCommand({ Bucket: name }));
        return name;
      },
      url: (bucket, prefix = 'books') => `s3://${bucket}/${prefix}?endpoint=${encodeURIComponent(endpoint)}`,
      async stop() {
        client.destroy();
        await stop(child);
      },
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitUntilUp(endpoint: string, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`moto's server exited (code ${child.exitCode}):\n${stderr()}`);
    try {
      await fetch(`${endpoint}/`, { signal: AbortSignal.timeout(1000) });
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  child.kill('SIGKILL');
  throw new Error(`moto's server did not answer at ${endpoint} within 30 s:\n${stderr()}`);
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 3000).unref();
  });
}
