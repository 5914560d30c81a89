/**
 * Every failure leaves as JSON `{ code, message, details }` with a stable code
 * (src/app/errors.ts, docs/errors.md). Entry points: `installErrorHandling` (error and not-found
 * handlers), `INTERNAL` (the one code outside the catalog: an unexpected error, logged, with a
 * generic message and the request id; never a stack trace).
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, ERROR_CODES, type ErrorCode } from '../app/errors.js';
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

function handleError(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  if (error instanceof AppError) {
    return send(reply, error.status, { code: error.code, message: error.message, details: error.details });
  }
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
  request.log.error({ err: error }, 'unexpected error');
  return send(reply, 500, {
    code: INTERNAL.code,
    message: 'An unexpected error occurred; it has been logged.',
    details: { request_id: request.id },
  });
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler(handleError);
  app.setNotFoundHandler((request, reply) =>
    send(reply, ERROR_CODES.NOT_FOUND.status, {
      code: 'NOT_FOUND',
      message: `No route ${request.method} ${request.url.split('?')[0]!.slice(0, 200)}.`,
      details: {},
    }),
  );
}
