/**
 * The `subledger` command line as a user runs it: its own process (`node --import tsx
 * src/cli/main.ts …`), from any directory (`cwd`, so the default store `./subledger.db` is that
 * directory's), without blocking this process's event loop (an in-process emulator or writer keeps
 * answering while the command runs). Logs are kept to warnings so stderr holds what went wrong.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const TSX = import.meta.resolve('tsx');
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface Run {
  readonly code: number | null;
  readonly out: string;
  readonly err: string;
}

export function subledger(
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, SUBLEDGER_DEBUG: '', SUBLEDGER_LOG_LEVEL: 'warn' };
    delete env.SUBLEDGER_DB; // the default store is the one a user gets
    const child = spawn(process.execPath, ['--import', TSX, MAIN, ...args], {
      cwd: options.cwd ?? ROOT,
      env: { ...env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL') reject(new Error(`\`subledger ${args.join(' ')}\` did not finish in time:\n${err}`));
      else resolve({ code, out, err });
    });
  });
}
