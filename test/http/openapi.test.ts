// The OpenAPI document is served at /openapi.json (public), lists the seed paths and every
// route with its security, and the Swagger UI page is served at /docs (on the real application).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setUp } from './fixture.js';

interface OpenApi {
  openapi: string;
  paths: Record<
    string,
    Record<
      string,
      { security?: unknown[]; parameters?: { name: string; in: string }[]; responses: Record<string, unknown> }
    >
  >;
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
}

test('GET /openapi.json lists the seed paths and every route', async (t) => {
  const fx = await setUp(t);
  const res = await fx.call(null, { url: '/openapi.json' });
  assert.equal(res.status, 200);
  const doc = res.body as OpenApi;
  assert.equal(doc.openapi, '3.1.0');
  for (const seed of ['/deployments/{id}/metrics', '/deployments/{id}/positions', '/deployments/{id}/trades']) {
    assert.ok(doc.paths[seed]?.get, `${seed} is documented`);
  }
  const routes = Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
  );
  assert.deepEqual(routes.sort(), [
    'DELETE /deployments/{id}/orders/{orderId}',
    'GET /account',
    'GET /account/reconciliation',
    'GET /deployments',
    'GET /deployments/{id}',
    'GET /deployments/{id}/capital-flows',
    'GET /deployments/{id}/metrics',
    'GET /deployments/{id}/orders',
    'GET /deployments/{id}/positions',
    'GET /deployments/{id}/trades',
    'GET /health',
    'POST /deployments',
    'POST /deployments/{id}/capital-flows',
    'POST /deployments/{id}/orders',
    'POST /deployments/{id}/pause',
    'POST /deployments/{id}/resume',
    'POST /deployments/{id}/stop',
    'POST /deployments/{id}/token',
  ]);
});

test('every route but /health needs the bearer token; the trades query is documented', async (t) => {
  const fx = await setUp(t);
  const doc = (await fx.call(null, { url: '/openapi.json' })).body as OpenApi;
  assert.ok(doc.components.securitySchemes.bearerAuth);
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      assert.deepEqual(op.security, path === '/health' ? undefined : [{ bearerAuth: [] }], `${method} ${path}`);
    }
  }
  const params = doc.paths['/deployments/{id}/trades']!.get!.parameters!.map((p) => `${p.in}:${p.name}`);
  assert.deepEqual(params.sort(), ['path:id', 'query:cursor', 'query:from', 'query:limit', 'query:symbol', 'query:to']);
  assert.deepEqual(Object.keys(doc.components.schemas).sort(), [
    'Account',
    'CapitalFlow',
    'CreatedDeployment',
    'Deployment',
    'DeploymentToken',
    'Error',
    'GatewayKey',
    'GatewayKeyCreated',
    'Health',
    'Metrics',
    'Order',
    'Position',
    'Reconciliation',
    'TradePage',
  ]);
});

test('GET /docs serves the Swagger UI page without a token', async (t) => {
  const fx = await setUp(t);
  const res = await fx.app.inject({ url: '/docs' });
  assert.equal(res.statusCode, 200);
  assert.match(res.body, /swagger/i);
  assert.equal((await fx.app.inject({ url: '/docs/json' })).statusCode, 200);
});
