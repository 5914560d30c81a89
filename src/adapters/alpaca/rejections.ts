/**
 * Alpaca's refusals (HTTP 403/422/… with `{code, message}`) as `BrokerRejection`s: Subledger's
 * code, chosen by the broker's words (FACTS §0, §3, §4 record them), and the broker's message kept
 * verbatim. The codes are the simulation's (src/sim/rejections.ts), so a rejection reads the same
 * from the paper broker and from Alpaca.
 *
 * Entry point: `toBrokerRejection(error)`.
 * Invariant: only 429 is retryable; an unrecognised message falls back to a code by HTTP status.
 */
import { BrokerRejection } from '../../app/ports/broker-port.js';
import type { RejectionCode } from '../../sim/index.js';
import type { AlpacaHttpError } from './errors.js';

export type AlpacaRejectionCode =
  RejectionCode | 'pattern_day_trader' | 'not_fractionable' | 'broker_forbidden' | 'unauthorized' | 'rate_limited';

const BY_MESSAGE: ReadonlyArray<readonly [RegExp, AlpacaRejectionCode]> = [
  [/client_order_id must be unique/i, 'duplicate_client_order_id'],
  [/wash trade/i, 'wash_trade'],
  [/insufficient qty available/i, 'insufficient_qty'],
  [/cannot open a (long buy|short sell) while a (short sell|long buy) order is open/i, 'opposite_order_open'],
  [/insufficient (buying power|balance)/i, 'insufficient_buying_power'],
  // Alpaca documents the 403 for a one-order flip but not its words (FACTS §3); the emulator's say "flip".
  [/flip/i, 'position_flip'],
  [/sub-penny/i, 'sub_penny_price'],
  [/not fractionable/i, 'not_fractionable'],
  [/asset .*not (found|active|tradable)|could not find asset|not tradable/i, 'unknown_symbol'],
  [/order not found/i, 'order_not_found'],
  [/already in .* state|not cancel+able/i, 'order_not_cancelable'],
  [/pattern day trad/i, 'pattern_day_trader'],
];

export function toBrokerRejection(error: AlpacaHttpError): BrokerRejection {
  const message = error.brokerMessage;
  const matched = BY_MESSAGE.find(([pattern]) => pattern.test(message))?.[1];
  const code: AlpacaRejectionCode =
    error.code === 40310100
      ? 'pattern_day_trader'
      : (matched ??
        (error.status === 401
          ? 'unauthorized'
          : error.status === 403
            ? 'broker_forbidden'
            : error.status === 404
              ? 'order_not_found'
              : error.status === 429
                ? 'rate_limited'
                : 'invalid_order'));
  return new BrokerRejection(code, message, error.status === 429);
}
