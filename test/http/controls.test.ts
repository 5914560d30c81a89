/**
 * The control routes on the real app (paper broker, SQLite): POST /deployments/{id}/flatten (admin
 * or the deployment's own token; another deployment's token is refused), GET /account/wash-sales
 * (admin; the year validated with a 400 naming the field) and GET /deployments/{id}/breaches.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { dec } from '../../src/core/decimal.js';
import type { DeploymentId, FillId, Symbol } from '../../src/core/ids.js';
import { Controls } from '../../src/app/risk/controls.js';
import type { JournalEvent } from '../../src/app/journal/journal-codec.js';
import { buildServer } from '../../src/http/server.js';
import { type TestApp, startTestApp } from '../helpers/app.js';
import { ADMIN, AUTH, tokenOf } from './fixture.js';

const A = 'alpha' as DeploymentId;
const B = 'beta' as DeploymentId;

function fill(
  id: string,
  who: DeploymentId,
  side: 'buy' | 'sell',
  qty: string,
  price: string,
  date: string,
): JournalEvent {
  return {
    type: 'fill',
    id: id as FillId,
    symbol: 'XYZ' as Symbol,
    price: dec(price),
    ts: `${date}T15:00:00.000Z`,
    legs: [{ deployment: who, side, qty: dec(qty), fee: dec('0'), feeCurrency: 'quote' }],
  };
}

describe('control routes', () => {
  let t: TestApp;
  let app: FastifyInstance;
  const call = async (token: string | null, method: 'GET' | 'POST', url: string, payload?: unknown) => {
    const reply = await app.inject({
      method,
      url,
      headers: token ? { authorization: `Bearer ${token}` } : {},
      ...(payload !== undefined ? { payload: payload as object } : {}),
    });
    return { status: reply.statusCode, body: reply.json() as Record<string, unknown> };
  };
  before(async () => {
    t = await startTestApp();
    await t.app.createDeployment({ id: A, initialCapital: dec('10000') });
    await t.app.createDeployment({ id: B, initialCapital: dec('5000') });
    // A loses $100 on 10 XYZ; B buys 10 within 30 days: a wash sale across sleeves.
    await t.app.service.append([
      fill('x1', A, 'buy', '10', '100', '2024-11-04'),
      fill('x2', A, 'sell', '10', '90', '2024-11-12'),
      fill('x3', B, 'buy', '10', '95', '2024-11-20'),
    ]);
    app = buildServer({ api: t.app, auth: AUTH, controls: new Controls(t.app, t.broker.clock) });
  });
  after(async () => {
    await app.close();
    await t.close();
  });

  it('GET /account/wash-sales?year=2024: the wash sale with its figures and sleeves', async () => {
    const { status, body } = await call(ADMIN, 'GET', '/account/wash-sales?year=2024');
    assert.equal(status, 200);
    const rows = body.wash_sales as Record<string, unknown>[];
    assert.deepEqual(
      rows.map((r) => [
        r.sale_fill_id,
        r.sold_by,
        r.qty,
        r.loss,
        r.disallowed,
        r.replacement_fill_id,
        r.replaced_by,
        r.replacement_adjusted_basis,
        r.replacement_held_from,
      ]),
      [['x2', ['alpha'], '10', '-100', '100', 'x3', ['beta'], '1050', '2024-11-12']],
    );
    assert.deepEqual(body.totals, { disallowed: '100', by_symbol: [{ symbol: 'XYZ', disallowed: '100' }] });
    assert.deepEqual((await call(ADMIN, 'GET', '/account/wash-sales?year=2025')).body.wash_sales, []);
  });

  it('GET /account/wash-sales: a missing or bad year is a 400 naming the field; a deployment token is 403', async () => {
    const missing = await call(ADMIN, 'GET', '/account/wash-sales');
    assert.equal(missing.status, 400);
    assert.match(String(missing.body.message), /year/);
    const bad = await call(ADMIN, 'GET', '/account/wash-sales?year=24');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.message, 'year: must be a year of four digits, e.g. 2025');
    const far = await call(ADMIN, 'GET', '/account/wash-sales?year=2200');
    assert.equal(far.body.message, 'year: must be between 1970 and 2100');
    assert.equal((await call(tokenOf('alpha'), 'GET', '/account/wash-sales?year=2024')).status, 403);
  });

  it("POST /deployments/{id}/flatten: another deployment's token is refused; its own token flattens it", async () => {
    assert.equal((await call(tokenOf('beta'), 'POST', '/deployments/alpha/flatten', {})).status, 403);
    const bad = await call(ADMIN, 'POST', '/deployments/alpha/flatten', { reason: 5 });
    assert.equal(bad.status, 400);
    assert.match(String(bad.body.message), /^reason: /);
    const { status, body } = await call(tokenOf('alpha'), 'POST', '/deployments/alpha/flatten', {
      reason: 'my own stop',
    });
    assert.equal(status, 200);
    assert.equal(body.by, 'deployment:alpha');
    assert.equal(body.reason, 'my own stop');
    assert.equal(t.app.getDeployment(A).status, 'stopped');
    assert.equal(t.app.getDeployment(B).status, 'active');
    assert.equal((await call(ADMIN, 'POST', '/deployments/nobody/flatten', {})).status, 404);
    assert.deepEqual((await call(ADMIN, 'GET', '/deployments/alpha/breaches')).body, []);
  });
});
