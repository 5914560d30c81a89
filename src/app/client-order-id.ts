/**
 * Client order ids carry the attribution: `s.<deployment>.<time36><random36>`, at most 48
 * characters (Alpaca's limit), unique forever (millisecond time plus 40 random bits). After a
 * restart, or on a fresh store against an account with history, the deployment is read back from
 * the id alone. Anything else (a manual order, another tool's order) belongs to the house.
 */
import type { DeploymentId } from '../core/ids.js';
import { deploymentIdProblem } from '../core/ids.js';

const PATTERN = /^s\.([a-z0-9][a-z0-9_-]{0,31})\.[0-9a-z]{10,14}$/;

/** A new client order id for `deployment`; `randomBits` is 40 bits of randomness as a number. */
export function makeClientOrderId(deployment: DeploymentId, nowMs: number, randomBits: number): string {
  const time = nowMs.toString(36).padStart(9, '0');
  const random = Math.floor(randomBits).toString(36).padStart(8, '0').slice(-8);
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
