/**
 * The dashboard's server side (src/http/routes/web.ts, web-events.ts) over real HTTP on the real
 * app: the page and its assets (content types, caching, no way out of dist/assets), the page
 * that says how to build a missing bundle, `/session`, and `/events` (a change per journal
 * batch; a deployment token hears only of itself and of marks).
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { dec } from '../../src/core/decimal.js';
import type { DeploymentId, Symbol } from '../../src/core/ids.js';
import { deploymentToken } from '../../src/http/auth.js';
import { journalFeed, registerWeb } from '../../src/http/routes/web.js';
import { changeFor, classify } from '../../src/http/routes/web-events.js';
import { buildServer } from '../../src/http/server.js';
import { type TestApp, startTestApp } from '../helpers/app.js';
import { tempDir } from '../helpers/tmp.js';

const auth = { adminToken: 'admin-token-0123456789', tokenSecret: 'secret-0123456789abcdef' };
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const admin = bearer(auth.adminToken);
const tokenOf = (id: string) => bearer(deploymentToken(auth.tokenSecret, id));

/** A server-sent event stream: `next()` resolves with each event in turn (rejects after `ms`). */
async function openEvents(url: string, headers: Record<string, string>) {
  const abort = new AbortController();
  const response = await fetch(url, { headers, signal: abort.signal });
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const next = async (ms = 3000): Promise<{ event: string; data: unknown }> => {
    const deadline = Date.now() + ms;
    for (;;) {
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.+)$/m.exec(block)?.[1];
        const data = /^data: (.+)$/m.exec(block)?.[1];
        if (event && data) return { event, data: JSON.parse(data) };
      }
      const timeout = new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error('no event in time')), Math.max(0, deadline - Date.now())).unref(),
      );
      const { value, done } = await Promise.race([reader.read(), timeout]);
      if (done) throw new Error('the stream ended');
      buffer += decoder.decode(value, { stream: true });
    }
  };
  return { next, close: () => abort.abort() };
}

describe('dashboard routes', () => {
  let t: TestApp;
  let http: FastifyInstance;
  let url: string;
  const { dir: dist, cleanup } = tempDir('subledger-dist-');

  before(async () => {
    mkdirSync(join(dist, 'assets'));
    writeFileSync(
      join(dist, 'index.html'),
      '<!doctype html><title>Subledger</title><script type="module" src="./assets/app-1.js"></script>',
    );
    writeFileSync(join(dist, 'assets', 'app-1.js'), 'console.log(1)');
    writeFileSync(join(dist, 'assets', 'app-1.css'), 'body{}');
    writeFileSync(join(dist, 'secret.txt'), 'not an asset');
    t = await startTestApp({ seed: 5 });
    for (const id of ['a', 'b']) await t.app.createDeployment({ id: id as DeploymentId, initialCapital: dec('10000') });
    http = buildServer({ api: t.app, auth });
    registerWeb(http, { feed: journalFeed(t.app.service), distDir: dist });
    url = await http.listen({ host: '127.0.0.1', port: 0 });
  });
  after(async () => {
    await http.close();
    await t.close();
    cleanup();
  });

  it('GET / serves the built page without a token, never cached, with a content security policy', async () => {
    const r = await http.inject({ url: '/' });
    assert.equal(r.statusCode, 200);
    assert.equal(r.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(r.headers['cache-control'], 'no-cache');
    assert.match(String(r.headers['content-security-policy']), /default-src 'self'/);
    assert.match(r.body, /<title>Subledger<\/title>/);
  });

  it('assets get their content type and a long cache; nothing outside dist/assets is served', async () => {
    const js = await http.inject({ url: '/assets/app-1.js' });
    assert.equal(js.statusCode, 200);
    assert.equal(js.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.equal(js.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal((await http.inject({ url: '/assets/app-1.css' })).headers['content-type'], 'text/css; charset=utf-8');
    for (const path of [
      '/assets/..%2Fsecret.txt',
      '/assets/..%2F..%2Fpackage.json',
      '/assets/.hidden.js',
      '/assets/missing.js',
      '/assets/app-1.exe',
      '/assets/..\\secret.txt',
      '/secret.txt',
    ]) {
      const r = await http.inject({ url: path });
      assert.equal(r.statusCode, 404, path);
      assert.equal(JSON.parse(r.body).code, 'NOT_FOUND', path);
    }
  });

  it('a missing bundle answers 503 with a page saying how to build it', async () => {
    const { dir, cleanup: done } = tempDir('subledger-nodist-');
    const bare = buildServer({ api: t.app, auth });
    registerWeb(bare, { feed: journalFeed(t.app.service), distDir: join(dir, 'dist') });
    const r = await bare.inject({ url: '/' });
    assert.equal(r.statusCode, 503);
    assert.equal(r.headers['content-type'], 'text/html; charset=utf-8');
    assert.match(r.body, /npm run build:web/);
    await bare.close();
    done();
  });

  it('GET /session names the principal; without a valid token it is 401', async () => {
    assert.deepEqual(JSON.parse((await http.inject({ url: '/session', headers: admin })).body), { principal: 'admin' });
    assert.deepEqual(JSON.parse((await http.inject({ url: '/session', headers: tokenOf('a') })).body), {
      principal: 'deployment',
      deployment: 'a',
    });
    const r = await http.inject({ url: '/session', headers: bearer('nope-nope-nope-nope') });
    assert.equal(r.statusCode, 401);
    assert.equal(JSON.parse(r.body).code, 'UNAUTHORIZED');
    assert.equal((await http.inject({ url: '/events' })).statusCode, 401);
  });

  it("GET /events: the admin hears every change; a deployment token only its own and the account's marks", async () => {
    const adminStream = await openEvents(`${url}/events`, admin);
    const aStream = await openEvents(`${url}/events`, tokenOf('a'));
    try {
      assert.deepEqual(await adminStream.next(), { event: 'hello', data: { principal: 'admin' } });
      assert.deepEqual(await aStream.next(), { event: 'hello', data: { principal: 'deployment', deployment: 'a' } });
      await t.app.moveCapital('b' as DeploymentId, dec('100'));
      const first = (await adminStream.next()).data as { kinds: string[]; deployments: string[] };
      assert.deepEqual(first.kinds, ['capital_flow']);
      assert.deepEqual(first.deployments, ['b', 'house']);
      await t.app.moveCapital('a' as DeploymentId, dec('50'));
      // The first thing deployment a hears of is its own flow: b's was not for it.
      assert.deepEqual((await aStream.next()).data, {
        seq: t.app.service.lastSeq,
        kinds: ['capital_flow'],
        deployments: ['a'],
      });
      await t.app.service.append([
        {
          type: 'mark',
          symbol: 'AAPL' as Symbol,
          price: dec('150'),
          ts: t.broker.clock.now().toISOString(),
          source: 'test',
        },
      ]);
      const mark = (await aStream.next()).data as { kinds: string[]; deployments: string[] };
      assert.deepEqual(mark, { seq: t.app.service.lastSeq, kinds: ['mark'], deployments: [] });
    } finally {
      adminStream.close();
      aStream.close();
    }
  });
});

describe('closing the server', () => {
  it('ends the open event streams, so close() does not wait for the browsers', async () => {
    const t = await startTestApp({ seed: 6 });
    const http = buildServer({ api: t.app, auth });
    registerWeb(http, { feed: journalFeed(t.app.service) });
    const url = await http.listen({ host: '127.0.0.1', port: 0 });
    const stream = await openEvents(`${url}/events`, admin);
    assert.equal((await stream.next()).event, 'hello');
    const started = Date.now();
    await http.close();
    assert.ok(Date.now() - started < 2000, `close took ${Date.now() - started} ms`);
    await assert.rejects(stream.next(), /the stream ended|terminated/);
    await t.close();
  });
});

describe('what a journal record tells whom', () => {
  const record = (payload: object) => ({ type: (payload as { type: string }).type, payload: JSON.stringify(payload) });

  it('classifies fills by their legs, orders by their client id, marks as account-wide', () => {
    assert.deepEqual(
      classify(record({ type: 'fill', legs: [{ deployment: 'b' }, { deployment: 'a' }, { deployment: 'b' }] })),
      { kind: 'fill', deployments: ['a', 'b'], global: false },
    );
    assert.deepEqual(classify(record({ type: 'order_updated', id: 's.alpha.m5x0a1b2c3d4e5' })), {
      kind: 'order',
      deployments: ['alpha'],
      global: false,
    });
    assert.deepEqual(classify(record({ type: 'order_updated', id: 'b.m5x0a1b2c3d4e5' })), {
      kind: 'order',
      deployments: [],
      global: false,
    });
    assert.deepEqual(classify(record({ type: 'mark', symbol: 'AAPL' })), {
      kind: 'mark',
      deployments: [],
      global: true,
    });
    assert.equal(classify(record({ type: 'something_new' })), undefined);
  });

  it('a deployment hears its own items and global ones, never another id', () => {
    const change = {
      seq: 9,
      items: [
        { kind: 'fill' as const, deployments: ['a', 'b'], global: false },
        { kind: 'capital_flow' as const, deployments: ['b'], global: false },
        { kind: 'mark' as const, deployments: [], global: true },
      ],
    };
    assert.deepEqual(changeFor({ kind: 'admin' }, change), {
      seq: 9,
      kinds: ['capital_flow', 'fill', 'mark'],
      deployments: ['a', 'b'],
    });
    assert.deepEqual(changeFor({ kind: 'deployment', deployment: 'a' as DeploymentId }, change), {
      seq: 9,
      kinds: ['fill', 'mark'],
      deployments: ['a'],
    });
    assert.deepEqual(changeFor({ kind: 'deployment', deployment: 'c' as DeploymentId }, change), {
      seq: 9,
      kinds: ['mark'],
      deployments: [],
    });
    assert.equal(
      changeFor({ kind: 'deployment', deployment: 'c' as DeploymentId }, { seq: 10, items: [change.items[1]!] }),
      undefined,
    );
  });
});
