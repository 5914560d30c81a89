/**
 * Restarting on the paper broker: its account lives in memory, so the runtime resumes it from the
 * books. After a restart the account still reconciles, time continues, and new executions never
 * reuse an old execution id (which would be dropped as a duplicate fill).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { dec } from '../../src/core/decimal.js';
import type { DeploymentId } from '../../src/core/ids.js';
import { loadConfig } from '../../src/config.js';
import { createRuntime } from '../../src/server.js';
import { tempDir } from '../helpers/tmp.js';

const { dir, cleanup } = tempDir('subledger-restart-');
after(cleanup);
const config = loadConfig(
  {
    db: join(dir, 'restart.db'),
    port: '0',
    adminToken: 'admin-token-0123456789',
    tokenSecret: 'secret-0123456789abcdef',
  },
  {},
);
const A = 'a' as DeploymentId;

async function tradeOnce(qty: string) {
  const runtime = await createRuntime(config);
  if (!runtime.app.service.ledger.sleeves.has(A))
    await runtime.app.createDeployment({ id: A, initialCapital: dec('10000') });
  await runtime.app.submitOrder(A, { symbol: 'AAPL', side: 'buy', qty: dec(qty), type: 'market', timeInForce: 'day' });
  for (let i = 0; i < 20 && runtime.app.listOrders(A, { status: 'open', limit: 5 }).length > 0; i++)
    await runtime.broker.step();
  const account = await runtime.app.account();
  const trades = (await runtime.app.trades(A, { limit: 100 })).trades;
  const lastTs = trades.at(-1)!.ts;
  await runtime.close();
  return { account, trades, lastTs };
}

describe('a restart on the paper broker', () => {
  it('resumes the account from the books: it reconciles, time moves on, no execution id repeats', async () => {
    const first = await tradeOnce('10');
    assert.equal(first.account.reconciled, true);
    const second = await tradeOnce('5');
    assert.equal(second.account.reconciled, true, JSON.stringify(second.account.differences));
    assert.deepEqual(second.account.broker.positions, [{ symbol: 'AAPL', qty: '15' }]);
    assert.equal(
      second.trades.reduce((s, t) => s + Number(t.qty), 0),
      15,
    );
    assert.equal(new Set(second.trades.map((t) => t.fill_id)).size, second.trades.length);
    assert.ok(second.lastTs > first.lastTs, `${second.lastTs} should be after ${first.lastTs}`);
  });
});
