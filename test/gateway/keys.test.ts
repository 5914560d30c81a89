/**
 * Gateway keys over the admin API, on the real app and its SQLite store: created with the secret
 * shown once (only its SHA-256 is stored), listed without secrets and with the last use, revoked
 * at once and still revoked after a restart (a reload from the store); a deployment token cannot
 * manage keys.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { dec } from '../../src/core/decimal.js';
import { buildServer } from '../../src/http/server.js';
import { DeploymentTokens } from '../../src/http/tokens.js';
import { GATEWAY_KEYS_CURSOR, GatewayKeys } from '../../src/gateway/keys.js';
import { type TestApp, startTestApp } from '../helpers/app.js';

const auth = { adminToken: 'admin-token-0123456789', tokenSecret: 'secret-0123456789abcdef' };
const admin = `Bearer ${auth.adminToken}`;

describe('gateway keys (admin API, stored hashed)', () => {
  let t: TestApp;
  let http: FastifyInstance;
  let keys: GatewayKeys;
  const call = async (method: 'GET' | 'POST' | 'DELETE', url: string, token = admin) => {
    const r = await http.inject({ method, url, headers: { authorization: token } });
    return { status: r.statusCode, body: JSON.parse(r.body) as Record<string, unknown> & Record<string, unknown>[] };
  };

  before(async () => {
    t = await startTestApp();
    await t.app.createDeployment({ id: 'bot1' as never, initialCapital: dec('1000') });
    keys = await GatewayKeys.load(t.store);
    http = buildServer({
      api: t.app,
      auth,
      tokens: await DeploymentTokens.load(auth.tokenSecret, t.store),
      gatewayKeys: keys,
    });
  });
  after(async () => {
    await http.close();
    await t.close();
  });

  it('creates, lists, verifies and revokes; the store holds hashes only; a restart keeps the revocation', async () => {
    const created = await call('POST', '/deployments/bot1/gateway-keys');
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const keyId = String(created.body.key_id);
    const secret = String(created.body.secret);
    assert.match(keyId, /^SL[A-Z2-7]{18}$/);
    assert.match(secret, /^[A-Za-z0-9]{40}$/);
    assert.equal(keys.verify(keyId, secret), 'bot1');
    assert.equal(keys.verify(keyId, `${secret}x`), undefined);
    const stored = String(await t.store.getCursor(GATEWAY_KEYS_CURSOR));
    assert.ok(!stored.includes(secret), 'the secret itself is never stored');
    assert.ok(stored.includes(createHash('sha256').update(secret).digest('hex')));

    const listed = await call('GET', '/deployments/bot1/gateway-keys');
    assert.equal(listed.status, 200);
    assert.deepEqual(
      listed.body.map((k) => [k.key_id, k.deployment_id, k.revoked_at, typeof k.last_used_at, 'secret' in k]),
      [[keyId, 'bot1', null, 'string', false]],
    );
    const own = await call(
      'GET',
      '/deployments/bot1/gateway-keys',
      `Bearer ${DeploymentTokens.inMemory(auth.tokenSecret).token('bot1')}`,
    );
    assert.equal(own.status, 403, 'a deployment token cannot manage keys');

    const revoked = await call('DELETE', `/deployments/bot1/gateway-keys/${keyId}`);
    assert.equal(revoked.status, 200);
    assert.equal(typeof revoked.body.revoked_at, 'string');
    assert.equal(keys.verify(keyId, secret), undefined);
    assert.equal((await GatewayKeys.load(t.store)).verify(keyId, secret), undefined, 'revoked after a restart too');
    assert.equal((await call('DELETE', '/deployments/bot1/gateway-keys/SLNOSUCHKEY')).status, 404);
    assert.equal((await call('POST', '/deployments/nobody/gateway-keys')).status, 404);
  });
});

describe('a standby’s keys and tokens follow the writer’s (reload from the store)', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp();
  });
  after(async () => {
    await t.close();
  });

  it('a key created, then revoked, by the writer is accepted, then refused, by the standby after its reload', async () => {
    const writer = await GatewayKeys.load(t.store);
    const standby = await GatewayKeys.load(t.store);
    const { keyId, secret } = await writer.create('bot1');
    assert.equal(standby.verify(keyId, secret), undefined, 'not known before the reload');
    await standby.reload();
    assert.equal(standby.verify(keyId, secret), 'bot1');
    await writer.revoke('bot1', keyId);
    await standby.reload();
    assert.equal(standby.verify(keyId, secret), undefined, 'revoked on the writer: refused on the standby');
  });

  it('a token re-issued by the writer replaces the old one on the standby after its reload', async () => {
    const writer = await DeploymentTokens.load(auth.tokenSecret, t.store);
    const standby = await DeploymentTokens.load(auth.tokenSecret, t.store);
    const old = standby.token('bot1');
    const fresh = await writer.reissue('bot1');
    assert.notEqual(fresh, old);
    await standby.reload();
    assert.deepEqual([standby.token('bot1'), standby.generationOf('bot1')], [fresh, 1]);
  });
});
