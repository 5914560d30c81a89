/**
 * Issue 12, "Done when": a fuzz run of the real HTTP app from its own OpenAPI document with a tool
 * nobody here wrote — schemathesis, pinned in test/fuzz/requirements.txt and installed into
 * .venv-fuzz (test/fuzz/tool.ts). 0 responses 5xx, the journal readable afterwards.
 *
 * `subledger serve` runs as its own process (SQLite file, paper broker, a fast simulated market so
 * that day closes, snapshots and marks happen during the run). Before the fuzz: two deployments
 * (fuzz-a, fuzz-b), filled and open orders, a capital flow and a rebalance run, so that paths with
 * ids have real targets and the responses carry real content to check against the document.
 * Then two passes of `schemathesis run <url>/openapi.json` (phases examples, coverage, fuzzing; a
 * fixed seed; a bounded number of examples per operation):
 *
 * 1. with the admin token;
 * 2. with fuzz-a's deployment token (every operation: the others' paths and the admin routes must
 *    answer 403, never 2xx — checked here from the requests recorded by schemathesis).
 *
 * Checks, every pass: not_a_server_error, status_code_conformance, content_type_conformance,
 * response_headers_conformance, response_schema_conformance, negative_data_rejection (input the
 * document forbids is refused), missing_required_header and ignored_auth (no token or a wrong one is
 * 401). Left out: positive_data_acceptance (the document cannot state the cross-field rules —
 * qty XOR notional, limit_price iff a limit order, from ≤ to, a cursor this API issued — so a
 * schema-valid request may rightly be a 400), unsupported_method (a method no route has is the
 * API's 404 NOT_FOUND, not 405), and the stateful checks (use_after_free,
 * ensure_resource_availability: the stateful phase is not run). Every documented operation is
 * fuzzed; the routes outside the document (the dashboard, /docs, the /events stream) are not.
 *
 * Requests reach the books: in most positive cases (data the document allows) test/fuzz/hooks.py
 * puts a real deployment (or rebalance run) in the path's `{id}` and makes an order body follow the
 * rules above, and dictionaries (schemathesis.toml, written below) make most order ids, strategy
 * names, decimals, symbols, times and idempotency keys (up to the documented 128 characters) real
 * or valid; so orders, capital flows and new deployments are accepted and journaled. The rest is
 * generated from the document, and negative cases are left as generated. Hooks.py also switches off
 * schemathesis' success-rate target (it stalled runs for minutes; see there). Assertions, per pass:
 * schemathesis exits 0 with no failure, no
 * response in its recorded requests is 5xx, and (admin pass) each write route accepted something.
 * Then `serve` stops on SIGTERM and `replay --dry-run` (projections equal the journal) and
 * `books --json` exit 0 on the file.
 *
 * Knobs: SUBLEDGER_FUZZ_SEED (default 12), SUBLEDGER_FUZZ_EXAMPLES (examples per operation and
 * pass, default 80). Reports: .test-out/fuzz/<pass>/ (output.txt, report.json, junit.xml,
 * requests.har; the server of a run is gone afterwards, so rerun with the same seed rather than
 * `st replay <id>`).
 * Without python3 ≥ 3.11 or PyPI the suite is skipped and says why; with
 * SUBLEDGER_TEST_REQUIRE_FUZZ=1 (.ci/run) that is a failure.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { deploymentToken } from '../../src/http/auth.js';
import {
  type Answer,
  ROOT,
  type ServeProcess,
  json,
  killAll,
  pollUntil,
  runCli,
  startServeProcess,
} from '../drills/processes.js';
import { tempDir } from '../helpers/tmp.js';
import { type HarEntry, type PassResult, runSchemathesis, schemathesisSkipReason } from './tool.js';

const ADMIN_TOKEN = 'fuzz-admin-token-0123456789';
const TOKEN_SECRET = 'fuzz-token-secret-0123456789';
// Spelled as the document's security scheme spells it: schemathesis' ignored_auth check removes
// `Authorization` and would leave a lowercase `authorization` in place (and report every route).
const admin = { Authorization: `Bearer ${ADMIN_TOKEN}` };
const SEED = process.env.SUBLEDGER_FUZZ_SEED ?? '12';
const EXAMPLES = process.env.SUBLEDGER_FUZZ_EXAMPLES ?? '80';
const CHECKS = [
  'not_a_server_error',
  'status_code_conformance',
  'content_type_conformance',
  'response_headers_conformance',
  'response_schema_conformance',
  'negative_data_rejection',
  'missing_required_header',
  'ignored_auth',
];
const PASS_TIMEOUT_MS = 8 * 60_000;

const skip = schemathesisSkipReason();
const { dir, cleanup } = tempDir('subledger-fuzz-');
const db = join(dir, 'fuzz.db');

after(async () => {
  await killAll();
  cleanup();
});

interface Created {
  id: string;
  status: string;
}

/** What the fuzz needs to know of the seeded books. */
interface Seeded {
  orders: string[];
  rebalances: string[];
}

function expectStatus<T>(answer: Answer<T>, status: number, what: string): T {
  assert.equal(answer.status, status, `${what}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body;
}

/** Two deployments with positions, an open order, a capital flow and a rebalance run. */
async function seed(url: string): Promise<Seeded> {
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    json('POST', `${url}${path}`, { ...admin, ...headers }, body);
  expectStatus(await post('/deployments', { id: 'fuzz-a', initial_capital: '20000' }), 201, 'create fuzz-a');
  expectStatus(
    await post('/deployments', {
      id: 'fuzz-b',
      name: 'Fuzz B',
      strategy: 'fuzz-strategy',
      initial_capital: '10000',
      cost_method: 'fifo',
      limits: { max_order_notional: '5000', allowed_symbols: ['AAPL', 'MSFT'], max_leverage: '1' },
    }),
    201,
    'create fuzz-b',
  );
  expectStatus(
    await post('/deployments/fuzz-b/capital-flows', { amount: '500' }, { 'idempotency-key': 'seed-flow-1' }),
    201,
    'capital flow',
  );
  const filled = [
    expectStatus(
      await post('/deployments/fuzz-a/orders', { symbol: 'AAPL', side: 'buy', qty: '5', type: 'market' }),
      201,
      'market buy fuzz-a',
    ) as Created,
    expectStatus(
      await post(
        '/deployments/fuzz-b/orders',
        { symbol: 'MSFT', side: 'buy', qty: '2', type: 'market' },
        { 'idempotency-key': 'seed-order-1' },
      ),
      201,
      'market buy fuzz-b',
    ) as Created,
  ];
  const open = expectStatus(
    await post('/deployments/fuzz-a/orders', {
      symbol: 'AAPL',
      side: 'buy',
      qty: '1',
      type: 'limit',
      limit_price: '1',
      time_in_force: 'gtc',
    }),
    201,
    'open limit buy fuzz-a',
  ) as Created;
  for (const order of filled) {
    const deployment = order.id.split('.')[1]!;
    const orders = await pollUntil(
      async () => (await json<Created[]>('GET', `${url}/deployments/${deployment}/orders?status=all`, admin)).body,
      (list) => list.some((o) => o.id === order.id && o.status === 'filled'),
      30_000,
    );
    assert.ok(
      orders.some((o) => o.id === order.id && o.status === 'filled'),
      `seed order ${order.id} did not fill: ${JSON.stringify(orders)}`,
    );
  }
  const rebalance = await post('/rebalances', { dry_run: false });
  const rebalances = rebalance.status === 200 ? [(rebalance.body as { id: string }).id] : [];
  return { orders: [open.id, ...filled.map((o) => o.id)], rebalances };
}

const toml = (values: readonly string[]) => `[${values.map((v) => JSON.stringify(v)).join(', ')}]`;

/**
 * schemathesis.toml: dictionaries of real ids and valid values, each bound with a probability
 * below 1 so that generated values still get their share.
 */
function config(seeded: Seeded): string {
  const dictionaries: Record<string, readonly string[]> = {
    orders: seeded.orders,
    strategies: ['fuzz-a', 'fuzz-strategy'],
    'new-deployments': Array.from({ length: 40 }, (_, i) => `fz-${i}`),
    symbols: ['AAPL', 'MSFT', 'NVDA', 'AMZN', 'GOOGL'],
    quantities: ['1', '2', '0.5', '3'],
    amounts: ['100', '250.5', '1000', '0.01'],
    'signed-amounts': ['100', '-100', '0.01', '-0.01', '2500'],
    prices: ['1', '150.25', '200', '999'],
    times: ['2025-01-02', '2025-01-03T00:00:00Z', '2025-01-02T15:00:00Z', '2025-02-01'],
    // Valid keys up to the documented 128 characters: what is accepted must read back (issue 12).
    keys: ['k', 'x'.repeat(64), '~'.repeat(127), ...'abcdefgh'.split('').map((c) => c.repeat(128))],
  };
  const bind = (dictionary: string, probability: number) =>
    `{ dictionary = "${dictionary}", probability = ${probability} }`;
  return [
    `hooks = ${JSON.stringify(join(ROOT, 'test', 'fuzz', 'hooks.py'))}`,
    '',
    ...Object.entries(dictionaries).map(([name, values]) => `[dictionaries.${name}]\nvalues = ${toml(values)}\n`),
    '[parameters]',
    `"path.orderId" = ${bind('orders', 0.7)}`,
    `"path.name" = ${bind('strategies', 0.7)}`,
    `"query.symbol" = ${bind('symbols', 0.5)}`,
    `"query.from" = ${bind('times', 0.5)}`,
    `"query.to" = ${bind('times', 0.5)}`,
    `"body.id" = ${bind('new-deployments', 0.7)}`,
    `"body.symbol" = ${bind('symbols', 0.8)}`,
    `"body.qty" = ${bind('quantities', 0.8)}`,
    `"body.notional" = ${bind('amounts', 0.8)}`,
    `"body.limit_price" = ${bind('prices', 0.8)}`,
    `"body.amount" = ${bind('signed-amounts', 0.8)}`,
    `"body.initial_capital" = ${bind('amounts', 0.8)}`,
    `"header.idempotency-key" = ${bind('keys', 0.3)}`,
    '',
  ].join('\n');
}

/** What test/fuzz/hooks.py puts in the path's `{id}` (most positive cases): real ids. */
function pathIds(seeded: Seeded, deployments: readonly string[]): Record<string, string> {
  return {
    SUBLEDGER_FUZZ_DEPLOYMENTS: deployments.join(','),
    // Stop is final: aim it at the deployments the fuzz creates, so that fuzz-a and fuzz-b keep trading.
    SUBLEDGER_FUZZ_STOPPABLE: ['alpha', ...Array.from({ length: 40 }, (_, i) => `fz-${i}`)].join(','),
    SUBLEDGER_FUZZ_REBALANCES: seeded.rebalances.join(','),
  };
}

const ARGS = [
  '--checks',
  CHECKS.join(','),
  '--phases',
  'examples,coverage,fuzzing',
  '--seed',
  SEED,
  '--max-examples',
  EXAMPLES,
  '--workers',
  '1',
  '--continue-on-failure',
  '--request-timeout',
  '30',
  '--generation-database',
  'none',
];

const line = (e: HarEntry) => `${e.request.method} ${e.request.url} → ${e.response.status}`;

/** The failures section of schemathesis' output (each failure with its curl), cut to a readable size. */
function failuresOf(result: PassResult): string {
  const at = result.stdout.indexOf('= FAILURES =');
  const text = at >= 0 ? result.stdout.slice(result.stdout.lastIndexOf('\n', at) + 1) : result.stdout;
  return text.length > 12_000 ? `${text.slice(0, 12_000)}\n… (${result.dir}/output.txt has the rest)` : text;
}

/** The assertions every pass shares: no 5xx, and schemathesis found nothing. */
function assertClean(result: PassResult): void {
  assert.equal(
    result.signal,
    null,
    `schemathesis was killed (${result.signal}) after ${result.seconds} s:\n${result.stdout.slice(-3000)}`,
  );
  assert.ok(
    result.report,
    `schemathesis wrote no JSON report (exit ${result.code}):\n${result.stdout}\n${result.stderr}`,
  );
  assert.ok(result.entries.length > 0, `schemathesis recorded no request:\n${result.stdout.slice(-3000)}`);
  const serverErrors = result.entries.filter((e) => e.response.status >= 500);
  assert.deepEqual(
    serverErrors.slice(0, 20).map(line),
    [],
    `${serverErrors.length} response(s) 5xx out of ${result.entries.length}; details in ${result.dir}`,
  );
  const failures = result.report.failures.map((f) => `${f.code} ${f.title} ×${f.count}: ${f.operations.join(', ')}`);
  assert.ok(
    result.code === 0 && result.report.exit_code === 0 && failures.length === 0 && result.report.errors.length === 0,
    `schemathesis exited ${result.code} (seed ${SEED}) with ${failures.length} kind(s) of failure and ` +
      `${result.report.errors.length} error(s):\n  ${failures.join('\n  ')}\n\n${failuresOf(result)}\n` +
      `(reports in ${result.dir})`,
  );
}

describe('schemathesis fuzz of the real HTTP app (issue 12)', { ...(skip ? { skip } : {}) }, () => {
  let serve: ServeProcess;
  let seeded: Seeded;

  before(async () => {
    serve = await startServeProcess([
      '--db',
      db,
      '--broker',
      'paper',
      '--step-ms',
      '250',
      '--admin-token',
      ADMIN_TOKEN,
      '--token-secret',
      TOKEN_SECRET,
    ]);
    seeded = await seed(serve.url);
  });

  it('admin token: schemathesis finds nothing, no answer is 5xx, the write routes accept requests', async (t) => {
    const result = await runSchemathesis({
      name: 'admin',
      schemaUrl: `${serve.url}/openapi.json`,
      headers: admin,
      config: config(seeded),
      env: pathIds(seeded, ['fuzz-a', 'fuzz-b']),
      args: ARGS,
      timeoutMs: PASS_TIMEOUT_MS,
    });
    t.diagnostic(`admin pass: ${result.entries.length} requests in ${result.seconds.toFixed(1)} s`);
    assertClean(result);
    // The fuzz reached the journal: each write route accepted some of its requests.
    const accepted = (method: string, path: RegExp) =>
      result.entries.filter(
        (e) => e.request.method === method && path.test(new URL(e.request.url).pathname) && e.response.status < 300,
      ).length;
    for (const [method, path] of [
      ['POST', /^\/deployments$/],
      ['POST', /^\/deployments\/[^/]+\/orders$/],
      ['POST', /^\/deployments\/[^/]+\/capital-flows$/],
    ] as const)
      assert.ok(
        accepted(method, path) > 0,
        `no ${method} ${path.source} was accepted: the fuzz never reached the journal`,
      );
  });

  it("a deployment's token: schemathesis finds nothing, no answer is 5xx, nothing of others is served", async (t) => {
    const token = { Authorization: `Bearer ${deploymentToken(TOKEN_SECRET, 'fuzz-a')}` };
    const result = await runSchemathesis({
      name: 'deployment',
      schemaUrl: `${serve.url}/openapi.json`,
      headers: token,
      config: config(seeded),
      env: pathIds(seeded, ['fuzz-a', 'fuzz-a', 'fuzz-a', 'fuzz-b']),
      args: ARGS,
      timeoutMs: PASS_TIMEOUT_MS,
    });
    t.diagnostic(`deployment pass: ${result.entries.length} requests in ${result.seconds.toFixed(1)} s`);
    assertClean(result);
    // fuzz-a's token reads and trades only fuzz-a: another deployment's path or an admin route is
    // never 2xx (whatever the request carried: ignored_auth's requests have no token or a wrong one).
    const leaks = result.entries.filter((e) => {
      if (e.response.status >= 300) return false;
      const path = new URL(e.request.url).pathname;
      const other = /^\/deployments\/([^/]+)(\/|$)/.exec(path);
      if (other) return decodeURIComponent(other[1]!) !== 'fuzz-a';
      if (path === '/deployments') return e.request.method !== 'GET';
      return /^\/(account|strategies|stats|rebalances)(\/|$)/.test(path);
    });
    assert.deepEqual(leaks.slice(0, 20).map(line), [], `${leaks.length} answer(s) 2xx beyond fuzz-a's sleeve`);
  });

  it('serve stops on SIGTERM and the journal reads back: replay --dry-run and books --json exit 0', async () => {
    const exit = await serve.proc.stop(15_000);
    assert.deepEqual(
      exit,
      { code: 0, signal: null },
      `serve did not stop cleanly:\n${serve.proc.stderr().slice(-3000)}`,
    );
    const replay = await runCli(['replay', '--dry-run', '--db', db], {}, 120_000);
    assert.equal(replay.code, 0, `replay --dry-run exited ${replay.code}:\n${replay.stdout}\n${replay.stderr}`);
    const books = await runCli(['books', '--json', '--db', db], {}, 60_000);
    assert.equal(books.code, 0, `books --json exited ${books.code}:\n${books.stdout.slice(-2000)}\n${books.stderr}`);
    const parsed = JSON.parse(books.stdout) as { deployments: { id: string }[] };
    assert.ok(
      ['fuzz-a', 'fuzz-b'].every((id) => parsed.deployments.some((d) => d.id === id)),
      `books --json lacks the seeded deployments: ${books.stdout.slice(0, 2000)}`,
    );
  });
});
