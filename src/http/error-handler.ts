/**
 * Every failure leaves as JSON `{ code, message, details }` with a stable code
 * (src/app/errors.ts, docs/errors.md). Entry points: `installErrorHandling` (error and not-found
 * handlers), `INTERNAL` (the one code outside the catalog: an unexpected error, logged, with a
 * generic message and the request id; never a stack trace).
 *
 * An unreachable broker (`BrokerUnavailableError`, or an error caused by one) is
 * `503 BROKER_UNAVAILABLE` with `details.retryable: true` on every route, whichever called it. A
 * corrupt journal entry is a 500 that also calls `onFatal`: the process must stop.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { brokerUnavailable } from '../app/ports/broker-port.js';
import { AppError, ERROR_CODES, type ErrorCode, journalCorruption } from '../app/errors.js';
import { fieldErrorsOf } from './validation.js';

/** The largest request body accepted (orders and deployments are a few hundred bytes). */
export const BODY_LIMIT_BYTES = 64 * 1024;

export const INTERNAL = {
  code: 'INTERNAL',
  status: 500,
  summary: 'An unexpected error; the server log has it under the request id in `details`.',
} as const;

export interface ErrorBody {
  code: ErrorCode | typeof INTERNAL.code;
  message: string;
  details: Record<string, unknown>;
}

function send(reply: FastifyReply, status: number, body: ErrorBody): FastifyReply {
  return reply.code(status).type('application/json').send(body);
}

function validationFailed(reply: FastifyReply, part: string, fields: { field: string; message: string }[]) {
  const message = fields.map((f) => `${f.field}: ${f.message}`).join('; ');
  return send(reply, 400, { code: 'VALIDATION_FAILED', message, details: { in: part, fields } });
}

/** What Fastify says about a body it could not read, in our words. */
function bodyProblem(error: FastifyError): string | undefined {
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return 'is not valid JSON';
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return 'is empty; send a JSON object';
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'must be JSON (send the header "Content-Type: application/json")';
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return `is too large (at most ${BODY_LIMIT_BYTES / 1024} KiB)`;
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return 'does not match its Content-Length';
    default:
      return undefined;
  }
}

function sendAppError(request: FastifyRequest, reply: FastifyReply, error: AppError) {
  if (error.status >= 500) request.log.warn({ code: error.code, error: error.message }, 'service unavailable');
  return send(reply, error.status, { code: error.code, message: error.message, details: error.details });
}

function handleError(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
  onFatal?: (error: Error) => void,
) {
  if (error instanceof AppError) return sendAppError(request, reply, error);
  const unavailable = brokerUnavailable(error);
  if (unavailable) return sendAppError(request, reply, unavailable);
  const fields = fieldErrorsOf(error);
  if (fields) return validationFailed(reply, error.validationContext ?? 'body', fields);
  const problem = bodyProblem(error);
  if (problem) return validationFailed(reply, 'body', [{ field: 'body', message: problem }]);
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    // Any other client error Fastify detects (bad header, URL, ...): the request is malformed.
    return send(reply, 400, {
      code: 'VALIDATION_FAILED',
      message: `request: ${error.message}`,
      details: { fields: [] },
    });
  }
  const corrupt = journalCorruption(error);
  if (corrupt) request.log.fatal({ err: corrupt }, `${corrupt.message}; stopping`);
  else request.log.error({ err: error }, 'unexpected error');
  send(reply, 500, {
    code: INTERNAL.code,
    message: 'An unexpected error occurred; it has been logged.',
    details: { request_id: request.id },
  });
  if (corrupt) onFatal?.(corrupt);
  return reply;
}

export function installErrorHandling(app: FastifyInstance, options: { onFatal?: (error: Error) => void } = {}): void {
  app.setErrorHandler((error: FastifyError, request, reply) => handleError(error, request, reply, options.onFatal));
  app.setNotFoundHandler((request, reply) =>
    send(reply, ERROR_CODES.NOT_FOUND.status, {
      code: 'NOT_FOUND',
      message: `No route ${request.method} ${request.url.split('?')[0]!.slice(0, 200)}.`,
      details: {},
    }),
  );
}
