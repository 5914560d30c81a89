#!/usr/bin/env node
// Runs every *.test.ts under src/ and test/ with node's test runner (through tsx), prints the
// spec report, then one closing line `N passed, N failed` (and which suites were skipped and why).
// Exits non-zero when anything failed or when no test ran at all, so an empty run never passes.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, renameSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const only = process.argv.slice(2);

function find(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...find(path));
    else if (name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

let files = ['src', 'test']
  .flatMap((d) => find(join(root, d)))
  .map((f) => relative(root, f))
  .sort();
if (only.length) files = files.filter((f) => only.some((o) => f.includes(o)));
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}

mkdirSync(join(root, '.test-out'), { recursive: true });
// One report per run (two runs at once must not read each other's counts); the last one finished
// is also left as .test-out/report.tap.
const tap = join(root, '.test-out', `report-${process.pid}.tap`);
const result = spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    // A test still running after this long is stuck (a process that never exits, an answer that
    // never comes): it fails instead of holding the whole run until CI's own limit.
    `--test-timeout=${process.env.SUBLEDGER_TEST_TIMEOUT_MS ?? 900_000}`,
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    '--test-reporter=tap',
    `--test-reporter-destination=${tap}`,
    ...files,
  ],
  { cwd: root, stdio: 'inherit', env: { ...process.env, NODE_ENV: 'test' } },
);

const report = readFileSync(tap, 'utf8');
renameSync(tap, join(root, '.test-out', 'report.tap'));
const count = (name) => Number([...report.matchAll(new RegExp(`^# ${name} (\\d+)$`, 'gm'))].at(-1)?.[1] ?? 0);
const pass = count('pass');
const fail = count('fail');
const skipped = count('skipped');
const skipReasons = [...new Set([...report.matchAll(/# SKIP (.+)$/gm)].map((m) => m[1]))];
if (skipReasons.length) {
  console.log(`\n${skipped} test(s) skipped:`);
  for (const reason of skipReasons) console.log(`  - ${reason}`);
}
console.log(`\n${pass} passed, ${fail} failed`);
if (pass === 0) {
  console.error('no test passed: treating this run as a failure');
  process.exit(1);
}
process.exit(result.status === 0 && fail === 0 ? 0 : 1);
