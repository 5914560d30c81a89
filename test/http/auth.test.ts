// Auth, on the real application: every route × {admin, own deployment token, another
// deployment's token, none}, plus malformed and forged tokens, and the token format the CLI prints.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { InjectOptions } from 'fastify';
import type { DeploymentId } from '../../src/core/ids.js';
import { dec } from '../../src/core/decimal.js';
import { deploymentToken } from '../../src/http/auth.js';
import { buildServer } from '../../src/http/server.js';
import { ADMIN, AUTH, type Fixture, setUp, tokenOf } from './fixture.js';

type Who = 'admin' | 'own' | 'other' | 'none';
const tokenFor: Record<Who, string | null> = {
  admin: ADMIN,
  own: tokenOf('alpha'),
  other: tokenOf('beta'),
  none: null,
};

interface Case {
  route: string;
  /**
   * Builds the request. The four cells of a route share one fresh app: a refused call changes
   * nothing, and the cancel cells each place the order they cancel.
   */
  request: (fx: Fixture) => Promise<InjectOptions> | InjectOptions;
  expect: Record<Who, number>;
}

/** An order resting far below the market, for the cancel route. */
const openOrder = async (fx: Fixture) =>
  (
    await fx.t.app.submitOrder('alpha' as DeploymentId, {
      symbol: 'AAPL',
      side: 'buy',
      qty: dec('1'),
      type: 'limit',
      limitPrice: dec('100'),
      timeInForce: 'day',
    })
  ).id;

const order = { symbol: 'AAPL', side: 'buy', qty: '1', type: 'market' };

const CASES: Case[] = [
  {
    route: 'GET /health',
    request: () => ({ url: '/health' }),
    expect: { admin: 200, own: 200, other: 200, none: 200 },
  },
  {
    route: 'GET /account',
    request: () => ({ url: '/account' }),
    expect: { admin: 200, own: 403, other: 403, none: 401 },
  },
  {
    route: 'GET /deployments',
    request: () => ({ url: '/deployments' }),
    expect: { admin: 200, own: 200, other: 200, none: 401 },
  },
  {
    route: 'POST /deployments',
    request: () => ({ method: 'POST', url: '/deployments', payload: { id: 'gamma', initial_capital: '100' } }),
    expect: { admin: 201, own: 403, other: 403, none: 401 },
  },
  {
    route: 'GET /deployments/{id}',
    request: () => ({ url: '/deployments/alpha' }),
    expect: { admin: 200, own: 200, other: 403, none: 401 },
  },
  ...['pause', 'resume', 'stop'].map((action) => ({
    route: `POST /deployments/{id}/${action}`,
    request: () => ({ method: 'POST' as const, url: `/deployments/alpha/${action}` }),
    expect: { admin: 200, own: 403, other: 403, none: 401 },
  })),
  ...['metrics', 'positions', 'trades', 'orders', 'capital-flows'].map((read) => ({
    route: `GET /deployments/{id}/${read}`,
    request: () => ({ url: `/deployments/alpha/${read}` }),
    expect: { admin: 200, own: 200, other: 403, none: 401 },
  })),
  {
    route: 'POST /deployments/{id}/orders',
    request: () => ({ method: 'POST', url: '/deployments/alpha/orders', payload: order }),
    expect: { admin: 201, own: 201, other: 403, none: 401 },
  },
  {
    route: 'DELETE /deployments/{id}/orders/{orderId}',
    request: async (fx) => ({ method: 'DELETE', url: `/deployments/alpha/orders/${await openOrder(fx)}` }),
    expect: { admin: 200, own: 200, other: 403, none: 401 },
  },
  {
    route: 'POST /deployments/{id}/capital-flows',
    request: () => ({ method: 'POST', url: '/deployments/alpha/capital-flows', payload: { amount: '100' } }),
    expect: { admin: 201, own: 403, other: 403, none: 401 },
  },
];

describe('auth matrix', () => {
  for (const c of CASES) {
    describe(c.route, () => {
      let fx: Fixture;
      before(async () => (fx = await setUp()));
      after(() => fx.close());
      for (const who of ['admin', 'own', 'other', 'none'] as const) {
        test(`${c.route} as ${who} → ${c.expect[who]}`, async () => {
          const res = await fx.call(tokenFor[who], await c.request(fx));
          assert.equal(res.status, c.expect[who], JSON.stringify(res.body));
          if (res.status === 401) {
            assert.deepEqual(res.body, {
              code: 'UNAUTHORIZED',
              message: 'An API token is required: send the header "Authorization: Bearer <token>".',
              details: {},
            });
          }
          if (res.status === 403) assert.equal((res.body as { code: string }).code, 'FORBIDDEN');
        });
      }
    });
  }
});

describe('what each token sees and may do', () => {
  test('a deployment token lists only its own deployment; the admin lists all', async (t) => {
    const fx = await setUp(t);
    const own = await fx.call(tokenOf('alpha'), { url: '/deployments' });
    assert.deepEqual(
      (own.body as { id: string }[]).map((d) => d.id),
      ['alpha'],
    );
    const all = await fx.call(ADMIN, { url: '/deployments' });
    assert.deepEqual(
      (all.body as { id: string }[]).map((d) => d.id),
      ['alpha', 'beta'],
    );
  });

  test("another deployment's path is FORBIDDEN with a message naming both", async (t) => {
    const fx = await setUp(t);
    const res = await fx.call(tokenOf('beta'), { url: '/deployments/alpha/positions' });
    assert.deepEqual(res.body, {
      code: 'FORBIDDEN',
      message: "This token belongs to deployment 'beta' and may not use deployment 'alpha'.",
      details: { deployment_id: 'beta' },
    });
  });

  test('an admin-only route is FORBIDDEN for a deployment token, and writes nothing', async (t) => {
    const fx = await setUp(t);
    const before = await fx.journal();
    const res = await fx.call(tokenOf('alpha'), {
      method: 'POST',
      url: '/deployments/alpha/capital-flows',
      payload: { amount: '1' },
    });
    assert.deepEqual(res.body, {
      code: 'FORBIDDEN',
      message: 'This route needs the admin token; a deployment token may only use its own sleeve.',
      details: { deployment_id: 'alpha' },
    });
    assert.equal(await fx.journal(), before);
    assert.deepEqual(fx.t.app.capitalFlows('alpha' as DeploymentId), []);
  });

  test('a token for a deployment that does not exist reaches only its own (missing) sleeve: 404', async (t) => {
    const fx = await setUp(t);
    const res = await fx.call(tokenOf('ghost'), { url: '/deployments/ghost/metrics' });
    assert.equal(res.status, 404);
    assert.deepEqual(res.body, { code: 'NOT_FOUND', message: "no deployment 'ghost'", details: {} });
    assert.equal((await fx.call(tokenOf('ghost'), { url: '/deployments/alpha/metrics' })).status, 403);
  });

  test('auth is checked before the body: no token and a malformed body is 401, a foreign token 403', async (t) => {
    const fx = await setUp(t);
    const bad = { method: 'POST' as const, url: '/deployments/alpha/orders', payload: { qty: -1 } };
    assert.equal((await fx.call(null, bad)).status, 401);
    assert.equal((await fx.call(tokenOf('beta'), bad)).status, 403);
    assert.equal((await fx.call(tokenOf('alpha'), bad)).status, 400);
  });
});

describe('rejected credentials', () => {
  let fx: Fixture;
  before(async () => (fx = await setUp()));
  after(() => fx.close());
  const forged: [string, Record<string, string>][] = [
    ['wrong MAC', { authorization: `Bearer sld_alpha_${'0'.repeat(32)}` }],
    ['MAC of another secret', { authorization: `Bearer ${deploymentToken('another-secret-0123456789', 'alpha')}` }],
    ["beta's MAC on alpha", { authorization: `Bearer sld_alpha_${tokenOf('beta').slice(-32)}` }],
    ['truncated token', { authorization: `Bearer ${tokenOf('alpha').slice(0, -1)}` }],
    ['admin token with a suffix', { authorization: `Bearer ${ADMIN}x` }],
    ['admin token prefix', { authorization: `Bearer ${ADMIN.slice(0, -1)}` }],
    ['invalid deployment id in the token', { authorization: `Bearer ${deploymentToken(AUTH.tokenSecret, 'Alpha!')}` }],
    ['no prefix', { authorization: `Bearer ${tokenOf('alpha').slice(4)}` }],
  ];
  for (const [name, headers] of forged) {
    test(`${name} → 401 "The API token is not valid."`, async () => {
      const res = await fx.call(null, { url: '/deployments/alpha/metrics', headers });
      assert.equal(res.status, 401);
      assert.deepEqual(res.body, { code: 'UNAUTHORIZED', message: 'The API token is not valid.', details: {} });
    });
  }

  for (const header of ['', 'Bearer', 'Bearer ', `Basic ${ADMIN}`, ADMIN, `Bearer ${ADMIN} extra`]) {
    test(`Authorization ${JSON.stringify(header)} → 401 asking for a bearer token`, async () => {
      const res = await fx.call(null, { url: '/account', headers: { authorization: header } });
      assert.equal(res.status, 401);
      assert.equal(
        (res.body as { message: string }).message,
        'An API token is required: send the header "Authorization: Bearer <token>".',
      );
    });
  }

  test('the scheme is case-insensitive', async () => {
    assert.equal((await fx.call(null, { url: '/account', headers: { authorization: `bearer ${ADMIN}` } })).status, 200);
  });
});

describe('deploymentToken', () => {
  test('is sld_<id>_<first 32 hex chars of HMAC-SHA256(secret, id)>', () => {
    const mac = createHmac('sha256', 'the-secret-0123456789').update('alpha').digest('hex').slice(0, 32);
    assert.equal(deploymentToken('the-secret-0123456789', 'alpha'), `sld_alpha_${mac}`);
    assert.match(deploymentToken('s'.repeat(16), 'my_bot-1'), /^sld_my_bot-1_[0-9a-f]{32}$/);
  });

  test('ids with underscores authenticate as themselves', async (t) => {
    const fx = await setUp(t);
    await fx.t.app.createDeployment({ id: 'my_bot_1' as DeploymentId, initialCapital: dec('1') });
    const res = await fx.call(tokenOf('my_bot_1'), { url: '/deployments/my_bot_1' });
    assert.equal(res.status, 200);
    assert.equal((res.body as { id: string }).id, 'my_bot_1');
  });

  test('buildServer refuses short admin tokens and secrets', async (t) => {
    const api = (await setUp(t)).t.app;
    assert.throws(
      () => buildServer({ api, auth: { adminToken: 'short', tokenSecret: AUTH.tokenSecret } }),
      /admin token/,
    );
    assert.throws(() => buildServer({ api, auth: { adminToken: AUTH.adminToken, tokenSecret: '' } }), /token secret/);
  });
});
