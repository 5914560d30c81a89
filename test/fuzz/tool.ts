/**
 * The fuzz tool for test/fuzz/schemathesis.test.ts: schemathesis, a property-based API tester
 * nobody here wrote, pinned with every dependency in test/fuzz/requirements.txt and installed into
 * `.venv-fuzz` at the repository root by test/fuzz/install.sh (CI runs that script first; a
 * newcomer's `npm test` runs it here when the venv is missing or holds other versions).
 *
 * `schemathesisSkipReason()` installs it when needed and says why the run cannot happen (no
 * python3, Python < 3.11, pip could not install): a skip with that reason — unless
 * SUBLEDGER_TEST_REQUIRE_FUZZ=1 (set by .ci/run), where it throws instead (like
 * SUBLEDGER_TEST_REQUIRE_PG in test/helpers/pg.ts). `runSchemathesis` runs one pass to its end and
 * returns its exit code, output and reports.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../drills/processes.js';

export const VENV = join(ROOT, '.venv-fuzz');
export const SCHEMATHESIS = join(VENV, 'bin', 'schemathesis');
const REQUIREMENTS = join(ROOT, 'test', 'fuzz', 'requirements.txt');
const INSTALL = join(ROOT, 'test', 'fuzz', 'install.sh');

/** The version pinned in requirements.txt (`schemathesis==X`). */
export function pinnedVersion(): string {
  const match = /^schemathesis==(\S+)$/m.exec(readFileSync(REQUIREMENTS, 'utf8'));
  if (!match) throw new Error(`${REQUIREMENTS} does not pin schemathesis (schemathesis==X.Y.Z)`);
  return match[1]!;
}

/** undefined when the pinned schemathesis is ready in .venv-fuzz; otherwise why the fuzz run is skipped. */
export function schemathesisSkipReason(): string | undefined {
  const reason = problem();
  if (reason && process.env.SUBLEDGER_TEST_REQUIRE_FUZZ === '1')
    throw new Error(`the schemathesis fuzz run is required (SUBLEDGER_TEST_REQUIRE_FUZZ=1) but cannot run: ${reason}`);
  return reason && `schemathesis fuzz run skipped: ${reason}`;
}

function problem(): string | undefined {
  const python = process.env.PYTHON ?? 'python3';
  const probe = spawnSync(python, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0)
    return `no ${python} on this machine (${probe.error?.message ?? probe.stderr.trim()}); install Python >= 3.11 to run it`;
  const [major, minor] = probe.stdout.trim().split('.').map(Number);
  if (major! < 3 || (major === 3 && minor! < 11))
    return `${python} is ${probe.stdout.trim()}; schemathesis ${pinnedVersion()} needs Python >= 3.11`;
  // install.sh returns at once when the venv already holds exactly requirements.txt.
  const install = spawnSync('bash', [INSTALL], { encoding: 'utf8', timeout: 600_000 });
  if (install.status !== 0)
    return `\`bash test/fuzz/install.sh\` failed (exit ${install.status ?? install.signal}): ${tail(install.stderr || install.stdout)}`;
  const version = spawnSync(SCHEMATHESIS, ['--version'], { encoding: 'utf8' });
  const expected = `schemathesis, version ${pinnedVersion()}`;
  if (version.stdout.trim() !== expected)
    return `${SCHEMATHESIS} --version printed "${version.stdout.trim()}${version.stderr.trim()}", expected "${expected}"`;
  return undefined;
}

function tail(text: string, lines = 15): string {
  return text.trim().split('\n').slice(-lines).join('\n');
}

export interface PassOptions {
  /** A name for the pass: its reports go to .test-out/fuzz/<name>/. */
  readonly name: string;
  readonly schemaUrl: string;
  readonly headers: Record<string, string>;
  /** schemathesis.toml content (dictionaries, parameter bindings). */
  readonly config: string;
  /** Extra environment for schemathesis (read by test/fuzz/hooks.py). */
  readonly env?: Record<string, string>;
  readonly args: readonly string[];
  /** Killed after this long (a hang is a failure, not a stuck CI). */
  readonly timeoutMs: number;
}

export interface HarEntry {
  request: { method: string; url: string };
  response: { status: number };
}

export interface JsonReport {
  exit_code: number;
  running_time: number;
  test_cases: { generated: number; with_failures: number; unique_failures: number };
  failures: { code: string; title: string; count: number; operations: string[] }[];
  errors: unknown[];
  warnings: Record<string, string[]>;
}

export interface PassResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly seconds: number;
  readonly dir: string;
  /** The JSON run report (undefined when schemathesis wrote none). */
  readonly report: JsonReport | undefined;
  /** Every request sent and its answer (the HAR report). */
  readonly entries: HarEntry[];
}

/** Runs `schemathesis run` to its end, with its reports in .test-out/fuzz/<name>/. */
export async function runSchemathesis(options: PassOptions): Promise<PassResult> {
  const dir = join(ROOT, '.test-out', 'fuzz', options.name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const configFile = join(dir, 'schemathesis.toml');
  writeFileSync(configFile, options.config);
  const jsonPath = join(dir, 'report.json');
  const harPath = join(dir, 'requests.har');
  const args = [
    '--config-file',
    configFile,
    'run',
    options.schemaUrl,
    ...Object.entries(options.headers).flatMap(([name, value]) => ['--header', `${name}: ${value}`]),
    ...options.args,
    '--report',
    'json,junit,har',
    '--report-json-path',
    jsonPath,
    '--report-har-path',
    harPath,
    '--report-junit-path',
    join(dir, 'junit.xml'),
    '--no-color',
  ];
  const started = Date.now();
  // Its working directory is the report folder, and no bytecode is cached beside test/fuzz/hooks.py:
  // nothing it writes lands in the repository.
  const child = spawn(SCHEMATHESIS, args, {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', ...options.env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
  const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal })),
  );
  clearTimeout(timer);
  writeFileSync(join(dir, 'output.txt'), stdout + (stderr ? `\n--- stderr:\n${stderr}` : ''));
  const report = existsSync(jsonPath) ? (JSON.parse(readFileSync(jsonPath, 'utf8')) as JsonReport) : undefined;
  const entries = existsSync(harPath)
    ? ((JSON.parse(readFileSync(harPath, 'utf8')) as { log: { entries: HarEntry[] } }).log.entries ?? [])
    : [];
  return { code, signal, stdout, stderr, seconds: (Date.now() - started) / 1000, dir, report, entries };
}
