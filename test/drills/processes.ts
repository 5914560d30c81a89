/**
 * Child processes for the drills: the real `subledger` command line (`node --import tsx
 * src/cli/main.ts …`) started as its own process — the emulator, `serve`, one-shot commands —
 * with its output collected, its printed URLs parsed, and a guarantee that nothing outlives the
 * test run (every child still running is SIGKILLed by `killAll`, and on the test process's exit).
 *
 * Entry points: `startProcess`, `startEmulatorProcess`, `startServeProcess`, `runCli`, `killAll`,
 * `pollUntil`, `json` (HTTP with a JSON answer).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { deploymentToken } from '../../src/http/auth.js';

/** The repository root: the command line runs from there. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MAIN = 'src/cli/main.ts';

/** How long a `node --import tsx` start may take on a busy 2-core machine. */
export const START_TIMEOUT_MS = 30_000;

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface Proc {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Everything printed so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves with the first match of `pattern` on stdout; rejects when the process exits first or after `timeoutMs`. */
  waitFor(pattern: RegExp, what: string, timeoutMs?: number): Promise<RegExpExecArray>;
  /** Resolves when the process has exited (and been reaped). */
  readonly exited: Promise<Exit>;
  /** The exit, once it happened. */
  exit(): Exit | undefined;
  /** SIGKILL now and wait for the exit. */
  kill(): Promise<Exit>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves on exit. */
  stop(graceMs?: number): Promise<Exit>;
}

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** SIGKILLs every child process still running and waits for them. */
export async function killAll(): Promise<void> {
  await Promise.all(
    [...running].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGKILL');
        }),
    ),
  );
}

/** Starts `node --import tsx src/cli/main.ts ...args` in the repository root. */
export function startProcess(args: readonly string[], env: NodeJS.ProcessEnv = {}): Proc {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    cwd: ROOT,
    // Warnings and errors only: the drills read stderr for what went wrong.
    env: { ...process.env, SUBLEDGER_DEBUG: '', SUBLEDGER_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let out = '';
  let err = '';
  let exit: Exit | undefined;
  const listeners = new Set<() => void>();
  const notify = () => {
    for (const listener of [...listeners]) listener();
  };
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
    notify();
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk;
  });
  const exited = new Promise<Exit>((resolve) => {
    child.once('close', (code, signal) => {
      exit = { code, signal };
      running.delete(child);
      notify();
      resolve(exit);
    });
    child.once('error', () => {
      exit ??= { code: null, signal: null };
      running.delete(child);
      notify();
      resolve(exit);
    });
  });
  const describe = () => `\n--- stdout of \`${args.join(' ')}\`:\n${out}\n--- stderr:\n${err}`;
  const proc: Proc = {
    child,
    pid: child.pid!,
    stdout: () => out,
    stderr: () => err,
    exited,
    exit: () => exit,
    waitFor(pattern, what, timeoutMs = START_TIMEOUT_MS) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => done(new Error(`timed out after ${timeoutMs} ms waiting for ${what}${describe()}`)),
          timeoutMs,
        );
        const check = () => {
          const match = pattern.exec(out);
          if (match) return done(undefined, match);
          if (exit)
            done(
              new Error(`the process exited (code ${exit.code}, signal ${exit.signal}) before ${what}${describe()}`),
            );
        };
        const done = (error?: Error, match?: RegExpExecArray) => {
          clearTimeout(timer);
          listeners.delete(check);
          if (error) reject(error);
          else resolve(match!);
        };
        listeners.add(check);
        check();
      });
    },
    async kill() {
      if (!exit) child.kill('SIGKILL');
      return exited;
    },
    async stop(graceMs = 5_000) {
      if (exit) return exit;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
  return proc;
}

/** Runs a one-shot command to its end; rejects after `timeoutMs` (killing it). */
export async function runCli(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
  timeoutMs = START_TIMEOUT_MS,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const proc = startProcess(args, env);
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), timeoutMs);
  const { code, signal } = await proc.exited;
  clearTimeout(timer);
  if (signal === 'SIGKILL') throw new Error(`\`${args.join(' ')}\` did not finish within ${timeoutMs} ms`);
  return { code, stdout: proc.stdout(), stderr: proc.stderr() };
}

export interface EmulatorProcess {
  readonly proc: Proc;
  /** Trading and market-data base URL. */
  readonly url: string;
  readonly wsUrl: string;
  /** The APCA_* environment it printed, to point `serve --broker alpaca` at it. */
  readonly env: Record<string, string>;
  /** The Alpaca auth headers it accepts. */
  readonly headers: Record<string, string>;
  /** POSTs to its /_control surface; throws unless 200. */
  control(path: string, body?: unknown): Promise<unknown>;
}

/** `subledger emulator --port 0 ...extra`, ready, with its printed environment parsed. */
export async function startEmulatorProcess(extra: readonly string[] = []): Promise<EmulatorProcess> {
  const proc = startProcess(['emulator', '--port', '0', ...extra]);
  await proc.waitFor(/^Ctrl-C to stop\.$/m, 'the emulator banner');
  const env: Record<string, string> = {};
  for (const [, name, value] of proc.stdout().matchAll(/^\s*export (APCA_[A-Z_]+)=(\S+)/gm)) env[name!] = value!;
  for (const name of [
    'APCA_API_KEY_ID',
    'APCA_API_SECRET_KEY',
    'APCA_API_BASE_URL',
    'APCA_DATA_URL',
    'APCA_STREAM_URL',
  ])
    if (!env[name]) throw new Error(`the emulator did not print ${name}:\n${proc.stdout()}`);
  const url = env.APCA_API_BASE_URL!;
  return {
    proc,
    url,
    wsUrl: env.APCA_STREAM_URL!,
    env,
    headers: { 'APCA-API-KEY-ID': env.APCA_API_KEY_ID!, 'APCA-API-SECRET-KEY': env.APCA_API_SECRET_KEY! },
    async control(path, body = {}) {
      const response = await fetch(`${url}/_control/${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const answer = (await response.json()) as { result?: unknown; message?: string };
      if (response.status !== 200) throw new Error(`emulator control ${path}: ${response.status} ${answer.message}`);
      return answer.result;
    },
  };
}

export interface ServeProcess {
  readonly proc: Proc;
  /** The API's base URL, as printed (`API at http://…`). */
  readonly url: string;
}

/** The line `serve` prints once it listens. */
export const SERVING = /^API at (http:\/\/\S+)/m;

/** `subledger serve --port 0 ...args`, resolved once it prints its URL. */
export async function startServeProcess(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<ServeProcess> {
  const proc = startProcess(['serve', '--port', '0', ...args], env);
  const match = await proc.waitFor(SERVING, 'serve to print its URL');
  return { proc, url: match[1]! };
}

export interface Answer<T = unknown> {
  readonly status: number;
  readonly body: T;
}

/** One HTTP request with an optional JSON body; the answer parsed as JSON when it is JSON. */
export async function json<T = unknown>(
  method: 'GET' | 'POST' | 'DELETE',
  url: string,
  headers: Record<string, string>,
  body?: unknown,
): Promise<Answer<T>> {
  const response = await fetch(url, {
    method,
    headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, body: parsed as T };
}

/**
 * Calls `probe` until `done(value)` holds or `timeoutMs` passed; returns the last value either way
 * (the caller asserts on it, so a failure shows the numbers instead of "timed out").
 */
export async function pollUntil<T>(
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs: number,
  intervalMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value) || Date.now() >= deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Fixed admin token and token secret for a drill's `serve`, the headers they give, and the flags that pass them. */
export function drillAuth(name: string) {
  const adminToken = `${name}-admin-token-0123456789`;
  const tokenSecret = `${name}-token-secret-0123456789`;
  return {
    admin: { authorization: `Bearer ${adminToken}` },
    tokenOf: (id: string) => ({ authorization: `Bearer ${deploymentToken(tokenSecret, id)}` }),
    auth: ['--admin-token', adminToken, '--token-secret', tokenSecret],
  };
}
