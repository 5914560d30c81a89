/**
 * Shared set-up for the HTTP tests: a server over the in-memory fake facade with deployments
 * `alpha` ($10,000) and `beta` ($5,000), the admin token, deployment tokens, and `call` (inject
 * with a bearer token, parsed JSON body).
 */
import type { FastifyInstance, InjectOptions } from 'fastify';
import { dec } from '../../src/core/decimal.js';
import type { DeploymentId } from '../../src/core/ids.js';
import { deploymentToken } from '../../src/http/auth.js';
import { buildServer } from '../../src/http/server.js';
import { FakeApi } from '../helpers/fake-api.js';

export const AUTH = { adminToken: 'admin-token-for-tests-0001', tokenSecret: 'secret-for-deployment-tokens' };
export const ADMIN = AUTH.adminToken;
export const tokenOf = (id: string) => deploymentToken(AUTH.tokenSecret, id);

export interface Fixture {
  app: FastifyInstance;
  api: FakeApi;
  /** Injects a request with `token` (none when null) and parses the JSON body. */
  call(
    token: string | null,
    options: InjectOptions,
  ): Promise<{ status: number; body: unknown; headers: Record<string, unknown> }>;
}

export async function setUp(): Promise<Fixture> {
  const api = new FakeApi();
  await api.createDeployment({ id: 'alpha' as DeploymentId, initialCapital: dec('10000') });
  await api.createDeployment({ id: 'beta' as DeploymentId, initialCapital: dec('5000') });
  api.calls.length = 0;
  const app = buildServer({ api, auth: AUTH });
  return {
    app,
    api,
    async call(token, options) {
      const headers = { ...(options.headers ?? {}), ...(token === null ? {} : { authorization: `Bearer ${token}` }) };
      const res = await app.inject({ ...options, headers });
      const type = String(res.headers['content-type'] ?? '');
      return {
        status: res.statusCode,
        body: type.startsWith('application/json') ? res.json() : res.body,
        headers: res.headers,
      };
    },
  };
}

/** The error body `VALIDATION_FAILED` gives for these `[field, message]` pairs. */
export function validationError(part: string, ...fields: [string, string][]) {
  return {
    code: 'VALIDATION_FAILED',
    message: fields.map(([f, m]) => `${f}: ${m}`).join('; '),
    details: { in: part, fields: fields.map(([field, message]) => ({ field, message })) },
  };
}
