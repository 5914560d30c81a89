/**
 * Small HTTP helpers shared by the emulator's routes: Alpaca's error body `{code, message}`
 * (spec `Error`; the first three digits of `code` are the HTTP status, FACTS §5), query parsing,
 * and time-filter parsing.
 *
 * Entry points: `sendError`, `sendRejection`, `sendJson`, `queryOf`, `timeFilter`.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Rejection } from '../sim/index.js';
import { stringifyJson } from '../core/exact-json.js';

export function sendJson(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  return reply.code(status).header('content-type', 'application/json; charset=utf-8').send(stringifyJson(body));
}

export function sendError(reply: FastifyReply, status: number, code: number, message: string): FastifyReply {
  return sendJson(reply, status, { code, message });
}

export function sendRejection(reply: FastifyReply, rejection: Rejection): FastifyReply {
  return sendError(reply, rejection.httpStatus, rejection.alpacaCode, rejection.message);
}

/** The query string as single string values (the last one wins when a key repeats). */
export function queryOf(request: FastifyRequest): Record<string, string | undefined> {
  const raw = (request.query ?? {}) as Record<string, string | string[] | undefined>;
  const out: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(raw)) out[key] = Array.isArray(value) ? value.at(-1) : value;
  return out;
}

/**
 * A time bound of Alpaca's `after` / `until` / `date` parameters: `YYYY-MM-DD` or RFC3339, as
 * epoch milliseconds; undefined when absent; NaN when malformed (the caller answers 422).
 */
export function timeFilter(text: string | undefined): number | undefined {
  if (text === undefined || text === '') return undefined;
  return /^\d{4}-\d{2}-\d{2}$/.test(text) ? Date.parse(`${text}T00:00:00Z`) : Date.parse(text);
}

/** A positive whole number parameter within [1, max], else undefined (or NaN when malformed). */
export function countParam(text: string | undefined, fallback: number, max: number): number {
  if (text === undefined || text === '') return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) return Number.NaN;
  return Math.min(n, max);
}
