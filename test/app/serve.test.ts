/** `serve` as the composition root wires it: dashboard at /, API, engine routes, on a fresh store. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { createRuntime } from '../../src/server.js';
import { tempDir } from '../helpers/tmp.js';

const { dir, cleanup } = tempDir('subledger-serve-');
after(cleanup);

describe('a served runtime', () => {
  it('answers the dashboard, the API and the engine routes', async () => {
    const runtime = await createRuntime(
      loadConfig(
        {
          db: join(dir, 'serve.db'),
          port: '0',
          stepMs: '3600000',
          adminToken: 'admin-token-0123456789',
          tokenSecret: 'secret-0123456789abcdef',
        },
        {},
      ),
    );
    try {
      const url = await runtime.serve();
      const admin = { authorization: 'Bearer admin-token-0123456789' };
      const home = await fetch(`${url}/`);
      assert.equal(home.status, 200);
      assert.match(home.headers.get('content-type') ?? '', /text\/html/);
      assert.equal((await fetch(`${url}/health`)).status, 200);
      const created = await fetch(`${url}/deployments`, {
        method: 'POST',
        headers: { ...admin, 'content-type': 'application/json' },
        body: JSON.stringify({ id: 'fixed', initial_capital: '20000', strategy: 'fixed-weight' }),
      });
      assert.equal(created.status, 201);
      const plan = await fetch(`${url}/rebalances`, {
        method: 'POST',
        headers: { ...admin, 'content-type': 'application/json' },
        body: JSON.stringify({ dry_run: true }),
      });
      assert.equal(plan.status, 200);
      const summary = (await plan.json()) as { dry_run: boolean; strategies: { deployment: string; signal: string }[] };
      assert.equal(summary.dry_run, true);
      assert.deepEqual(
        summary.strategies.map((s) => [s.deployment, s.signal]),
        [['fixed', 'HOLD: fixed weights AAPL 60%, MSFT 40%']],
      );
      assert.equal(
        (await fetch(`${url}/rebalances`, { headers: { authorization: `Bearer ${runtime.tokenFor('fixed')}` } }))
          .status,
        403,
      );
    } finally {
      await runtime.close();
    }
  });
});
