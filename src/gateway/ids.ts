/**
 * Stable UUIDs for what Alpaca's clients expect as UUIDs (order ids, account ids, asset ids): the
 * same input always gives the same UUID, so an order keeps its id across restarts without a table.
 *
 * Entry point: `uuidOf(kind, key)` — a name-based UUID (version 5 layout over SHA-256).
 */
import { createHash } from 'node:crypto';

/** A UUID derived from `kind` and `key` (RFC 4122 layout, version 5 bits, variant 10). */
export function uuidOf(kind: string, key: string): string {
  const hex = createHash('sha256').update(`subledger:${kind}:${key}`).digest('hex');
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The `execution_id` of a fill as Alpaca's clients parse it (a UUID: alpaca-py's TradeUpdate drops
 * an event whose execution_id is not one): a broker's execution id as it is, and any other fill id
 * (an internal cross's `x.…`) as a stable UUID. The same for the stream and FILL activities.
 */
export const executionIdOf = (fillId: string): string => (UUID.test(fillId) ? fillId : uuidOf('fill', fillId));
