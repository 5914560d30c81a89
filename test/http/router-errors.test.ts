/**
 * What the router refuses before any route runs is answered in the API's own error shape: a path
 * parameter over the documented bound reaches the route's schema (400 naming the field), one past
 * the router's own limit and a malformed %-encoding are 400 VALIDATION_FAILED on `path` — never
 * Fastify's 414 or its `{error, statusCode}` body (found by the schemathesis run, issue 12).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/http/server.js';
import { type TestApp, startTestApp } from '../helpers/app.js';

const auth = { adminToken: 'admin-token-0123456789', tokenSecret: 'secret-0123456789abcdef' };
const admin = { authorization: `Bearer ${auth.adminToken}` };

describe('router-level refusals in the API error shape', () => {
  let t: TestApp;
  let http: FastifyInstance;
  before(async () => {
    t = await startTestApp({ seed: 3 });
    http = buildServer({ api: t.app, auth });
  });
  after(async () => {
    await http.close();
    await t.close();
  });
  const get = async (url: string) => {
    const r = await http.inject({ method: 'GET', url, headers: admin });
    return { status: r.statusCode, body: JSON.parse(r.body) as { code: string; message: string; details: unknown } };
  };

  it('a 101–1000 character id reaches the schema: 400 naming the field', async () => {
    const r = await get(`/deployments/${'a'.repeat(129)}/metrics`);
    assert.equal(r.status, 400);
    assert.equal(r.body.code, 'VALIDATION_FAILED');
    assert.match(r.body.message, /^id: /);
  });

  it('past the router limit: 400 VALIDATION_FAILED on path', async () => {
    const r = await get(`/deployments/${'a'.repeat(1001)}/metrics`);
    assert.deepEqual(r, {
      status: 400,
      body: {
        code: 'VALIDATION_FAILED',
        message: 'path: a path parameter is longer than 1000 characters',
        details: {
          in: 'params',
          fields: [{ field: 'path', message: 'a path parameter is longer than 1000 characters' }],
        },
      },
    });
  });

  it('a malformed %-encoding: 400 VALIDATION_FAILED on path', async () => {
    const r = await get('/deployments/%E0%A4%A/metrics');
    assert.equal(r.status, 400);
    assert.deepEqual(r.body.code, 'VALIDATION_FAILED');
    assert.equal(r.body.message, 'path: not a valid URL (malformed %-encoding)');
  });
});
