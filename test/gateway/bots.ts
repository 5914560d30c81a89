/**
 * The harness of the gateway's sample bots (test/gateway/bots/): four bots written with Alpaca
 * clients nobody here wrote — alpaca-py, the legacy Python alpaca-trade-api, and the JS SDK 3.1.3
 * and 4.0.2 — each in its own idiom and pointed at a server only through its client's own options
 * (bots/README.md). `runBot(kind, options)` runs one as a child process against any Alpaca-speaking
 * server (the emulator today, the gateway with a deployment's keys later) and returns the one JSON
 * line it printed with what it saw, plus its output.
 *
 * The Python clients live in two venvs built by test/gateway/install.sh (.ci/run calls it):
 * `.venv-gateway` (alpaca-py) and `.venv-gateway-legacy` (alpaca-trade-api). `botProblem(kind)`
 * says why a bot cannot run here (a venv missing or holding other versions than its requirements
 * file); `botTestSkip(kind)` makes that a skip with the reason — unless
 * SUBLEDGER_TEST_REQUIRE_GATEWAY_CLIENTS=1 (set by .ci/run), where the test runs and
 * `assertBotCanRun(kind)` fails it with the reason instead (like SUBLEDGER_TEST_REQUIRE_FUZZ in
 * test/fuzz/tool.ts, but one bot's test at a time: the other bots still run).
 *
 * `ServerSupport` names what a server must answer for every step of every bot; a server that lacks
 * some of it (the emulator, see bots-emulator.test.ts) runs the bots with those steps skipped or
 * done another way, each bot saying so in its `skipped` list.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../drills/processes.js';

export type BotKind = 'alpaca-py' | 'legacy' | 'js-v3' | 'js-v4';
export const BOT_KINDS: readonly BotKind[] = ['alpaca-py', 'legacy', 'js-v3', 'js-v4'];

export const BOTS_DIR = join(ROOT, 'test', 'gateway', 'bots');
const INSTALL = 'bash test/gateway/install.sh';

interface PythonClient {
  readonly venv: string;
  readonly requirements: string;
  /** The package the bot is about, as pinned first in the requirements file. */
  readonly pkg: string;
}

const PYTHON: Readonly<Record<'alpaca-py' | 'legacy', PythonClient>> = {
  'alpaca-py': {
    venv: join(ROOT, '.venv-gateway'),
    requirements: join(ROOT, 'test', 'gateway', 'requirements.txt'),
    pkg: 'alpaca-py',
  },
  legacy: {
    venv: join(ROOT, '.venv-gateway-legacy'),
    requirements: join(ROOT, 'test', 'gateway', 'requirements-legacy.txt'),
    pkg: 'alpaca-trade-api',
  },
};

const SCRIPT: Readonly<Record<BotKind, string>> = {
  'alpaca-py': 'alpaca_py_bot.py',
  legacy: 'legacy_bot.py',
  'js-v3': 'js_v3_bot.mjs',
  'js-v4': 'js_v4_bot.mjs',
};

/** The version of the client each bot reports, e.g. `alpaca-py 0.44.0` (from the pins). */
export function expectedClient(kind: BotKind): string {
  if (kind === 'js-v3') return '@alpacahq/alpaca-trade-api 3.1.3';
  if (kind === 'js-v4') return '@alpacahq/alpaca-trade-api 4.0.2';
  const { requirements, pkg } = PYTHON[kind];
  const match = new RegExp(`^${pkg}==(\\S+)$`, 'm').exec(readFileSync(requirements, 'utf8'));
  if (!match) throw new Error(`${requirements} does not pin ${pkg}`);
  return `${pkg} ${match[1]}`;
}

/** Why `kind` cannot run on this machine (its venv missing or stale), or undefined when it can. */
export function botProblem(kind: BotKind): string | undefined {
  return kind === 'alpaca-py' || kind === 'legacy' ? venvProblem(PYTHON[kind]) : undefined;
}

const required = () => process.env.SUBLEDGER_TEST_REQUIRE_GATEWAY_CLIENTS === '1';

/**
 * The `skip` option of `kind`'s test: the reason it cannot run, or false — also under
 * SUBLEDGER_TEST_REQUIRE_GATEWAY_CLIENTS=1, where `assertBotCanRun` then fails the test instead.
 */
export function botTestSkip(kind: BotKind): string | false {
  const problem = botProblem(kind);
  return problem && !required() ? `${kind} bot skipped: ${problem}` : false;
}

/** Throws, saying why, when `kind` cannot run here (its test's first line). */
export function assertBotCanRun(kind: BotKind): void {
  const problem = botProblem(kind);
  if (problem)
    throw new Error(
      `the gateway's ${kind} bot ${required() ? 'is required (SUBLEDGER_TEST_REQUIRE_GATEWAY_CLIENTS=1) but ' : ''}cannot run: ${problem}`,
    );
}

function venvProblem({ venv, requirements, pkg }: PythonClient): string | undefined {
  const python = join(venv, 'bin', 'python');
  if (!existsSync(python)) return `${venv} is missing: run \`${INSTALL}\` (needs Python >= 3.11 and PyPI)`;
  const stamp = join(venv, 'installed-requirements.txt');
  if (!existsSync(stamp) || readFileSync(stamp, 'utf8') !== readFileSync(requirements, 'utf8'))
    return `${venv} does not hold the ${pkg} pinned in ${requirements}: run \`${INSTALL}\``;
  return undefined;
}

/** What a server answers that some bot step needs. Every field defaults to true (the gateway's goal). */
export interface ServerSupport {
  /** `PATCH /v2/orders/{id}` (replace). Without it, every bot skips its replace step. */
  readonly replace: boolean;
  /** `DELETE /v2/positions/{symbol}`. Without it, every bot closes with a market sell instead. */
  readonly closePosition: boolean;
  /**
   * The trade_updates socket also at `/stream/`: alpaca-trade-api appends `/stream/` to its
   * Stream's `base_url`. Without it, that bot gets `<stream URL as http>?` as its base_url, so the
   * appended `/stream/` lands in the query string.
   */
  readonly streamTrailingSlash: boolean;
  /**
   * A DELETE with an empty `Content-Type` header (the JS SDK 3.x sends `content-type: ""` on every
   * DELETE). Without it, the js-v3 bot skips its limit order (it could not cancel it) and closes
   * with a market sell.
   */
  readonly emptyContentTypeDelete: boolean;
  /**
   * `timestamp` on every trade_updates event. alpaca-py's TradeUpdate requires it and drops (logs)
   * an event without it; no bot step depends on it, only which events the bot reports.
   */
  readonly timestampOnEveryEvent: boolean;
}

export const FULL_SUPPORT: ServerSupport = {
  replace: true,
  closePosition: true,
  streamTrailingSlash: true,
  emptyContentTypeDelete: true,
  timestampOnEveryEvent: true,
};

export interface BotOptions {
  /** Trading REST base, e.g. http://127.0.0.1:8790 (the clients add /v2/…). */
  readonly baseUrl: string;
  /** The trade_updates websocket, e.g. ws://127.0.0.1:8790/stream. */
  readonly streamUrl: string;
  /** Market-data REST base (the clients add /v2/stocks/…). */
  readonly dataUrl: string;
  readonly keyId: string;
  readonly secret: string;
  readonly symbol: string;
  /** The bot's client order ids are `<prefix>-1`, `-2`, `-2r`, `-3`. */
  readonly clientOrderPrefix: string;
  /** Shares bought at market (default 2). */
  readonly qty?: number;
  readonly supports?: Partial<ServerSupport>;
  /** Called every `stepEveryMs` while the bot runs, e.g. to advance the emulator's market. */
  readonly step?: () => unknown;
  readonly stepEveryMs?: number;
  /** The bot is killed after this long (default 90 s). */
  readonly timeoutMs?: number;
}

export interface BotOrder {
  /** market | replaced (the original of a replace) | limit | close */
  readonly step: string;
  readonly id: string;
  readonly client_order_id: string;
  readonly symbol: string;
  readonly side: string;
  readonly type: string;
  readonly qty: string | null;
  readonly limit_price: string | null;
  readonly status: string;
  readonly filled_qty: string | null;
  readonly filled_avg_price: string | null;
}

export interface BotEvent {
  readonly event: string;
  readonly order_id: string;
  readonly client_order_id: string;
  readonly symbol: string;
  readonly status: string;
}

/** The JSON line a bot prints. */
export interface BotReport {
  readonly bot: BotKind;
  /** `<package> <version>` of the client it ran on. */
  readonly client: string;
  readonly symbol: string;
  readonly ok: boolean;
  readonly account?: { status: string; cash: string; buying_power: string; equity: string };
  readonly positions_before?: { symbol: string; qty: string }[];
  readonly latest_trade_price?: string | null;
  readonly orders: BotOrder[];
  /** Every trade_updates event it received (any order's), in arrival order. */
  readonly events: BotEvent[];
  /** Steps it skipped or did another way: limit, replace, close_position. */
  readonly skipped: string[];
  /** null once it saw its position closed. */
  readonly position_after?: null;
  /** What went wrong (ok false). */
  readonly error?: string;
}

export interface BotRun {
  readonly kind: BotKind;
  readonly argv: readonly string[];
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly timedOut: boolean;
  readonly seconds: number;
  readonly stdout: string;
  readonly stderr: string;
  /** The bot's JSON line; undefined when it printed none (a crash). */
  readonly report: BotReport | undefined;
}

/** The command line of `kind` for these options (the program and its arguments). */
export function botCommand(kind: BotKind, options: BotOptions): string[] {
  const supports = { ...FULL_SUPPORT, ...options.supports };
  const script = join(BOTS_DIR, SCRIPT[kind]);
  const program =
    kind === 'alpaca-py' || kind === 'legacy' ? join(PYTHON[kind].venv, 'bin', 'python') : process.execPath;
  const args = ['--symbol', options.symbol, '--prefix', options.clientOrderPrefix];
  args.push('--base-url', options.baseUrl, '--data-url', options.dataUrl);
  if (options.qty !== undefined) args.push('--qty', String(options.qty));
  let noLimit = false;
  let closeWithSell = !supports.closePosition;
  if (kind === 'alpaca-py' || kind === 'js-v4') args.push('--stream-url', options.streamUrl);
  // alpaca-py also places and cancels a stop and a trailing stop (steps `stop`, `trailing`).
  if (kind === 'alpaca-py') args.push('--stops');
  if (kind === 'legacy') {
    const streamBase = legacyStreamBase(options.streamUrl, supports.streamTrailingSlash);
    if (streamBase !== options.baseUrl) args.push('--stream-base-url', streamBase);
  }
  if (kind === 'js-v3') {
    const derived = `${options.baseUrl.replace(/^http/, 'ws')}/stream`;
    if (options.streamUrl !== derived)
      throw new Error(
        `the JS SDK 3.x connects to ${derived} (from baseUrl), not to the stream URL ${options.streamUrl}`,
      );
    if (!supports.emptyContentTypeDelete) {
      noLimit = true;
      closeWithSell = true;
    }
  }
  if (noLimit) args.push('--no-limit');
  else if (!supports.replace) args.push('--no-replace');
  if (closeWithSell) args.push('--close-with', 'sell');
  return [program, script, ...args];
}

/**
 * The `base_url` of alpaca-trade-api's Stream that makes it connect to `streamUrl`: the client
 * turns `http` into `ws` and appends `/stream/`.
 */
function legacyStreamBase(streamUrl: string, trailingSlash: boolean): string {
  const http = streamUrl.replace(/^ws/, 'http');
  if (!trailingSlash) return `${http}?`;
  const match = /^(.*)\/stream\/?$/.exec(http);
  if (!match)
    throw new Error(`alpaca-trade-api connects to <base_url>/stream/; a stream at ${streamUrl} is out of its reach`);
  return match[1]!;
}

/** Runs one bot to its end (or its timeout) and returns its report and output. */
export async function runBot(kind: BotKind, options: BotOptions): Promise<BotRun> {
  const [program, ...args] = botCommand(kind, options);
  // Only the keys: no APCA_* URL of this process may point a client anywhere on its own.
  const env: NodeJS.ProcessEnv = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('APCA_')),
  );
  Object.assign(env, {
    APCA_API_KEY_ID: options.keyId,
    APCA_API_SECRET_KEY: options.secret,
    PYTHONDONTWRITEBYTECODE: '1',
    PYTHONUNBUFFERED: '1',
  });
  const started = Date.now();
  const child = spawn(program!, args, { cwd: BOTS_DIR, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, options.timeoutMs ?? 90_000);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  let running = true;
  const stepping = (async () => {
    if (!options.step) return;
    while (running) {
      await options.step();
      await new Promise((resolve) => setTimeout(resolve, options.stepEveryMs ?? 20));
    }
  })();
  try {
    const { code, signal } = await exited;
    return {
      kind,
      argv: [program!, ...args],
      code,
      signal,
      timedOut,
      seconds: (Date.now() - started) / 1000,
      stdout,
      stderr,
      report: lastJsonLine(stdout),
    };
  } finally {
    running = false;
    clearTimeout(timer);
    await stepping;
  }
}

function lastJsonLine(stdout: string): BotReport | undefined {
  for (const line of stdout.trim().split('\n').reverse()) {
    if (!line.startsWith('{')) continue;
    try {
      return JSON.parse(line) as BotReport;
    } catch {
      continue;
    }
  }
  return undefined;
}

/** A bot run in a few lines, for an assertion message. */
export function describeRun(run: BotRun): string {
  const tail = (text: string) => text.trim().split('\n').slice(-20).join('\n');
  return [
    `${run.kind}: exit ${run.code ?? run.signal}${run.timedOut ? ' (timed out)' : ''} after ${run.seconds}s`,
    `  ${run.argv.join(' ')}`,
    run.report?.error ? `  error: ${run.report.error}` : '',
    `  stdout: ${tail(run.stdout)}`,
    `  stderr: ${tail(run.stderr)}`,
  ]
    .filter(Boolean)
    .join('\n');
}

/** The Python of a Python bot's venv (test/gateway/install.sh builds it), e.g. for the data bots. */
export function pythonOf(kind: 'alpaca-py' | 'legacy'): string {
  return join(PYTHON[kind].venv, 'bin', 'python');
}
