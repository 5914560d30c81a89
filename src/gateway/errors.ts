/**
 * Subledger's errors in Alpaca's shape: `{code, message}` with an 8-digit code whose first three
 * digits are the HTTP status (FACTS §5), so a client's own error handling reads them as it reads
 * Alpaca's. The sleeve's risk refusals are what Alpaca says of an account that cannot afford an
 * order (403 40310000); a refusal by the broker keeps the broker's words.
 *
 * Entry points: `alpacaError(error)` → `{ status, body }`; `brokerReadFailed(what, error)`, the 503 of a
 * read passed through to the broker.
 */
import { AppError } from '../app/errors.js';
import { brokerUnavailable } from '../app/ports/broker-port.js';

export interface AlpacaErrorAnswer {
  readonly status: number;
  readonly body: { code: number; message: string };
}

const answer = (status: number, code: number, message: string): AlpacaErrorAnswer => ({
  status,
  body: { code, message },
});

/** Broker refusal codes (src/sim/rejections.ts) → Alpaca's status and code. */
const BROKER: Readonly<Record<string, [number, number]>> = {
  wash_trade: [403, 40310000],
  insufficient_qty: [403, 40310000],
  insufficient_buying_power: [403, 40310000],
  position_flip: [403, 40310000],
  opposite_order_open: [403, 40310000],
  duplicate_client_order_id: [422, 40010001],
  sub_penny: [422, 42210000],
};

/** What a bot receives for `error` (an unexpected one: 500 with Alpaca's internal error words). */
export function alpacaError(error: unknown): AlpacaErrorAnswer {
  const unavailable = brokerUnavailable(error);
  if (unavailable) return answer(503, 50310000, unavailable.message);
  if (!(error instanceof AppError)) return answer(500, 50010000, 'internal server error');
  const details = (error.details ?? {}) as Record<string, unknown>;
  switch (error.code) {
    case 'VALIDATION_FAILED':
      return answer(422, 40010001, error.message);
    case 'UNAUTHORIZED':
      return answer(401, 40110000, 'request is not authorized');
    case 'FORBIDDEN':
      return answer(403, 40310000, error.message);
    case 'NOT_FOUND':
      return answer(404, 40410000, error.message);
    case 'ORDER_NOT_CANCELABLE':
      return answer(422, 42210000, error.message);
    case 'IDEMPOTENCY_CONFLICT':
      return answer(422, 40010001, 'client_order_id must be unique');
    case 'WASH_TRADE':
      return answer(403, 40310000, `potential wash trade detected. use complex orders (${error.message})`);
    case 'BROKER_REJECTED': {
      const [status, code] = BROKER[String(details.broker_code)] ?? [422, 42210000];
      return answer(status, code, String(details.broker_message ?? error.message));
    }
    case 'BROKER_UNAVAILABLE':
    case 'WRITER_FENCED':
      return answer(503, 50310000, error.message);
    case 'CONFLICT':
    case 'JOURNAL_CONFLICT':
      return answer(409, 40910000, error.message);
    default:
      // The sleeve's own risk check: the account (the sleeve) cannot take the order.
      return answer(403, 40310000, error.message);
  }
}

/**
 * A read the gateway passes through to the broker (clock, calendar, assets) got no answer: 503 in
 * Alpaca's shape, naming what is unavailable and why; never an answer made up in its place.
 */
export function brokerReadFailed(what: string, error: unknown): AlpacaErrorAnswer {
  const why = error instanceof Error ? error.message : 'no answer';
  return { status: 503, body: { code: 50300000, message: `the broker's ${what} unavailable: ${why}` } };
}
