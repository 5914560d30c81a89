/**
 * Bearer-token auth for the REST API. The admin token (from config) may do everything. A
 * deployment token `sld_<id>_<mac>` (see `deploymentToken`) reads and trades only its own sleeve;
 * it is derived from the token secret and the deployment's token generation, which re-issuing
 * bumps (src/http/tokens.ts), so a re-issued token revokes the one before.
 * Entry points: `deploymentToken` (mint), `authenticate` (token → principal), `authorize`
 * (principal × route access → allowed or an AppError). Tokens are compared in constant time.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { AppError } from '../app/errors.js';
import type { Principal } from '../app/api.js';
import { type DeploymentId, deploymentIdProblem } from '../core/ids.js';

export interface AuthConfig {
  /** The admin token: sees and does everything. At least 16 characters. */
  readonly adminToken: string;
  /** The secret deployment tokens are derived from (HMAC-SHA256). At least 16 characters. */
  readonly tokenSecret: string;
  /** A deployment's token generation: 0 until its token is re-issued (default: always 0). */
  readonly generationOf?: (deployment: string) => number;
}

/**
 * Who may call a route: anyone (`public`), any valid token (`token`), the admin or the token of
 * the deployment named by the path's `:id` (`own`), or only the admin (`admin`).
 */
export type Access = 'public' | 'token' | 'own' | 'admin';

const PREFIX = 'sld_';
const MAC_CHARS = 32;

/**
 * The API token of deployment `id` at token generation `generation`: `sld_<id>_<mac>`, the mac the
 * first 32 hex characters of HMAC-SHA256(secret, id) at generation 0 (every token issued before
 * re-issuing existed), of HMAC-SHA256(secret, id + "\n" + generation) after.
 */
export function deploymentToken(secret: string, id: string, generation = 0): string {
  const message = generation === 0 ? id : `${id}\n${generation}`;
  return `${PREFIX}${id}_${createHmac('sha256', secret).update(message).digest('hex').slice(0, MAC_CHARS)}`;
}

/** Throws when the config would make tokens guessable. */
export function checkAuthConfig(config: AuthConfig): void {
  if (typeof config.adminToken !== 'string' || config.adminToken.length < 16) {
    throw new Error('auth: the admin token must be at least 16 characters');
  }
  if (typeof config.tokenSecret !== 'string' || config.tokenSecret.length < 16) {
    throw new Error('auth: the token secret must be at least 16 characters');
  }
}

/** Equal strings, compared in time independent of where they differ (hashing first evens out lengths). */
function sameSecret(a: string, b: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(a), digest(b));
}

/** The principal an `Authorization` header proves, or throws UNAUTHORIZED. */
export function authenticate(header: string | undefined, config: AuthConfig): Principal {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (!match) {
    throw new AppError('UNAUTHORIZED', 'An API token is required: send the header "Authorization: Bearer <token>".');
  }
  const token = match[1]!;
  if (sameSecret(token, config.adminToken)) return { kind: 'admin' };
  const id = token.startsWith(PREFIX) ? token.slice(PREFIX.length, token.lastIndexOf('_')) : '';
  if (
    id &&
    !deploymentIdProblem(id) &&
    sameSecret(token, deploymentToken(config.tokenSecret, id, config.generationOf?.(id) ?? 0))
  ) {
    return { kind: 'deployment', deployment: id as DeploymentId };
  }
  throw new AppError('UNAUTHORIZED', 'The API token is not valid.');
}

/** Throws FORBIDDEN unless `principal` may use a route with `access` on deployment `pathId`. */
export function authorize(principal: Principal, access: Access, pathId: string | undefined): void {
  if (principal.kind === 'admin' || access === 'public' || access === 'token') return;
  if (access === 'admin') {
    throw new AppError(
      'FORBIDDEN',
      'This route needs the admin token; a deployment token may only use its own sleeve.',
      {
        deployment_id: principal.deployment,
      },
    );
  }
  if (pathId !== principal.deployment) {
    throw new AppError(
      'FORBIDDEN',
      `This token belongs to deployment '${principal.deployment}' and may not use deployment '${pathId}'.`,
      {
        deployment_id: principal.deployment,
      },
    );
  }
}
