/**
 * Client order ids carry the attribution: `s.<deployment>.<time36><random36>`, at most 48
 * characters (Alpaca's limit) for the longest deployment id (32): 8 base-36 digits of
 * milliseconds (enough until 2059) and 5 of randomness (25 bits), unique forever in practice (one
 * deployment would need two orders in the same millisecond with the same 25 random bits). After a
 * restart, or on a fresh store against an account with history, the deployment is read back from
 * the id alone. Anything else (a manual order, another tool's order) belongs to the house.
 */
import type { DeploymentId } from '../../core/ids.js';
import { deploymentIdProblem } from '../../core/ids.js';

const PATTERN = /^s\.([a-z0-9][a-z0-9_-]{0,31})\.[0-9a-z]{13,17}$/;

/** A new client order id for `deployment`; `randomBits`: a random integer (its low 25 bits are used). */
export function makeClientOrderId(deployment: DeploymentId, nowMs: number, randomBits: number): string {
  const time = nowMs.toString(36).padStart(8, '0');
  const random = (Math.floor(randomBits) % 2 ** 25).toString(36).padStart(5, '0');
  const id = `s.${deployment}.${time}${random}`;
  if (id.length > 48) throw new Error(`client order id too long: ${id}`);
  return id;
}

/** The deployment a client order id names, or undefined when it is not one of ours. */
export function deploymentOfClientOrderId(id: string): DeploymentId | undefined {
  const match = PATTERN.exec(id);
  if (!match || deploymentIdProblem(match[1]!)) return undefined;
  return match[1] as DeploymentId;
}

/** A block order's id: `b.<time36><random36>` (the participants are in the journaled plan). */
export function makeBlockOrderId(nowMs: number, randomBits: number): string {
  return `b.${nowMs.toString(36).padStart(9, '0')}${Math.floor(randomBits).toString(36).padStart(8, '0').slice(-8)}`;
}
