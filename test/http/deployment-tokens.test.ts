/**
 * A deployment created over the API gets its token at once (issue 13, item 3; before, `serve`
 * printed tokens only at start, so a new deployment's bot had none until a restart): the answer to
 * `POST /deployments` carries it, once; `POST /deployments/{id}/token` (admin) re-issues it and
 * the token before stops working — also after a restart, the generations being in the store.
 * Over HTTP on the real application (SQLite file, paper broker), and through the composition root.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../../src/config.js';
import { deploymentToken } from '../../src/http/auth.js';
import { buildServer } from '../../src/http/server.js';
import { DeploymentTokens } from '../../src/http/tokens.js';
import { createRuntime } from '../../src/server.js';
import { type TestApp, startTestApp } from '../helpers/app.js';
import { tempDir } from '../helpers/tmp.js';

const auth = { adminToken: 'admin-token-0123456789', tokenSecret: 'secret-0123456789abcdef' };
const admin = `Bearer ${auth.adminToken}`;

describe('deployment tokens over HTTP', () => {
  let t: TestApp;
  let http: FastifyInstance;
  const serve = async () => {
    await http?.close();
    http = buildServer({ api: t.app, auth, tokens: await DeploymentTokens.load(auth.tokenSecret, t.store) });
  };
  const call = async (method: 'GET' | 'POST', url: string, token?: string, payload?: object) => {
    const r = await http.inject({
      method,
      url,
      headers: {
        ...(token ? { authorization: token.startsWith('Bearer ') ? token : `Bearer ${token}` } : {}),
        ...(payload ? { 'content-type': 'application/json' } : {}),
      },
      ...(payload ? { payload: JSON.stringify(payload) } : {}),
    });
    return { status: r.statusCode, body: r.body ? (JSON.parse(r.body) as Record<string, unknown>) : undefined };
  };

  before(async () => {
    t = await startTestApp();
    await serve();
  });
  after(async () => {
    await http.close();
    await t.close();
  });

  let first: string;

  it('POST /deployments answers the new deployment with its token, which works at once and only on its own sleeve', async () => {
    const created = await call('POST', '/deployments', admin, { id: 'bot1', initial_capital: '1000' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    first = created.body!.token as string;
    assert.equal(first, deploymentToken(auth.tokenSecret, 'bot1'), 'generation 0: the token serve prints');
    assert.match(first, /^sld_bot1_[0-9a-f]{32}$/);
    assert.equal(created.body!.id, 'bot1');
    assert.equal((await call('GET', '/deployments/bot1/metrics', first)).status, 200);
    assert.equal((await call('POST', '/deployments', admin, { id: 'bot2', initial_capital: '1000' })).status, 201);
    assert.equal((await call('GET', '/deployments/bot2/metrics', first)).status, 403);
    // Shown once: reading the deployment back never shows a token.
    assert.equal('token' in (await call('GET', '/deployments/bot1', admin)).body!, false);
    const list = (await call('GET', '/deployments', admin)).body as unknown as Record<string, unknown>[];
    assert.ok(list.every((d) => !('token' in d)));
  });

  it('POST /deployments/{id}/token re-issues it: the new one works, the one before is refused', async () => {
    const r = await call('POST', '/deployments/bot1/token', admin);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const second = r.body!.token as string;
    assert.deepEqual(Object.keys(r.body!).sort(), ['deployment_id', 'token']);
    assert.equal(r.body!.deployment_id, 'bot1');
    assert.match(second, /^sld_bot1_[0-9a-f]{32}$/);
    assert.notEqual(second, first);
    assert.equal((await call('GET', '/deployments/bot1/metrics', second)).status, 200);
    assert.deepEqual(await call('GET', '/deployments/bot1/metrics', first), {
      status: 401,
      body: { code: 'UNAUTHORIZED', message: 'The API token is not valid.', details: {} },
    });
    // Another deployment's token is untouched.
    assert.equal(
      (await call('GET', '/deployments/bot2/metrics', deploymentToken(auth.tokenSecret, 'bot2'))).status,
      200,
    );
    // Again: the second goes too.
    const third = (await call('POST', '/deployments/bot1/token', admin)).body!.token as string;
    assert.equal((await call('GET', '/deployments/bot1/metrics', second)).status, 401);
    assert.equal((await call('GET', '/deployments/bot1/metrics', third)).status, 200);
    first = third;
  });

  it('only the admin re-issues; an unknown deployment (or the house) is 404', async () => {
    assert.equal((await call('POST', '/deployments/bot1/token', first)).status, 403);
    assert.equal((await call('POST', '/deployments/bot2/token', first)).status, 403);
    assert.equal((await call('POST', '/deployments/bot1/token')).status, 401);
    const missing = await call('POST', '/deployments/ghost/token', admin);
    assert.deepEqual([missing.status, missing.body!.code], [404, 'NOT_FOUND']);
    assert.equal((await call('POST', '/deployments/house/token', admin)).status, 404);
  });

  it('a restart keeps what was re-issued: the revoked tokens stay refused', async () => {
    await serve(); // a new server, its tokens read back from the store
    assert.equal((await call('GET', '/deployments/bot1/metrics', first)).status, 200);
    assert.equal(
      (await call('GET', '/deployments/bot1/metrics', deploymentToken(auth.tokenSecret, 'bot1'))).status,
      401,
    );
  });

  it('the OpenAPI document has the token in the creation answer and the re-issue route', async () => {
    const doc = (await call('GET', '/openapi.json')).body as {
      paths: Record<
        string,
        Record<string, { responses: Record<string, { content: Record<string, { schema: unknown }> }> }>
      >;
      components: { schemas: Record<string, { properties?: Record<string, unknown>; required?: string[] }> };
    };
    const created = doc.paths['/deployments']!.post!.responses['201']!.content['application/json']!.schema;
    assert.deepEqual(created, { $ref: '#/components/schemas/CreatedDeployment' });
    assert.ok(doc.components.schemas.CreatedDeployment!.required!.includes('token'));
    const reissue = doc.paths['/deployments/{id}/token']!.post!.responses['200']!.content['application/json']!.schema;
    assert.deepEqual(reissue, { $ref: '#/components/schemas/DeploymentToken' });
    assert.deepEqual(doc.components.schemas.DeploymentToken!.required!.sort(), ['deployment_id', 'token']);
  });
});

describe('deployment tokens through the composition root', () => {
  const { dir, cleanup } = tempDir('subledger-tokens-');
  after(cleanup);
  const config = loadConfig(
    { db: join(dir, 'tokens.db'), port: '0', stepMs: '3600000', logLevel: 'silent', ...auth },
    {},
  );

  it('serve hands out a new deployment’s token at once; a re-issued one is what the next start prints', async () => {
    const runtime = await createRuntime(config);
    let reissued: string;
    try {
      const url = await runtime.serve();
      const post = (path: string, body?: object) =>
        fetch(`${url}${path}`, {
          method: 'POST',
          headers: { authorization: admin, ...(body ? { 'content-type': 'application/json' } : {}) },
          ...(body ? { body: JSON.stringify(body) } : {}),
        });
      const created = (await (await post('/deployments', { id: 'late', initial_capital: '500' })).json()) as {
        token: string;
      };
      const metrics = await fetch(`${url}/deployments/late/metrics`, {
        headers: { authorization: `Bearer ${created.token}` },
      });
      assert.equal(metrics.status, 200);
      reissued = ((await (await post('/deployments/late/token')).json()) as { token: string }).token;
      assert.equal(runtime.tokenFor('late'), reissued);
    } finally {
      await runtime.close();
    }
    const restarted = await createRuntime(config);
    try {
      assert.equal(restarted.tokenFor('late'), reissued, 'the token the restarted server prints');
      const url = await restarted.serve();
      const old = await fetch(`${url}/deployments/late/metrics`, {
        headers: { authorization: `Bearer ${deploymentToken(auth.tokenSecret, 'late')}` },
      });
      assert.equal(old.status, 401);
    } finally {
      await restarted.close();
    }
  });
});
