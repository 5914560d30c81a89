/**
 * Request validation: a Fastify schema compiler for zod that turns every issue into
 * `{ field, message }` with a message a person can act on (`qty: must be greater than 0`).
 * Entry points: `validatorCompiler` (set on the server), `fieldErrorsOf` (used by the error
 * handler). Unknown keys become one entry each; a missing or non-object body is field `body`.
 */
import type { FastifySchemaCompiler } from 'fastify';
import { z } from 'zod';

/** One bad field: its dotted path (`limits.max_order_notional`) and why. */
export interface FieldError {
  field: string;
  message: string;
}

/** Messages for the issues a schema does not word itself (zod's defaults name types, not fixes). */
function describeIssue(issue: z.core.$ZodRawIssue): string | undefined {
  if (issue.input === undefined && (issue.code === 'invalid_type' || issue.code === 'invalid_value')) {
    return 'is required';
  }
  switch (issue.code) {
    case 'invalid_type':
      return issue.expected === 'object' ? 'must be a JSON object' : `must be ${article(issue.expected)}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'unrecognized_keys':
      return 'is not a known field';
    default:
      return undefined;
  }
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

/** A Fastify validation error item carrying our field error (Fastify keeps the array as `validation`). */
interface ValidationItem extends FieldError {
  keyword: string;
  instancePath: string;
  schemaPath: string;
  params: Record<string, unknown>;
}

function toItems(issues: readonly z.core.$ZodIssue[], part: string): ValidationItem[] {
  const items: ValidationItem[] = [];
  for (const issue of issues) {
    const base = issue.path.map(String);
    const paths = issue.code === 'unrecognized_keys' ? issue.keys.map((key) => [...base, key]) : [base];
    for (const path of paths) {
      const field = path.length ? path.join('.') : part === 'body' ? 'body' : part;
      items.push({
        field,
        message: issue.message,
        keyword: issue.code,
        instancePath: '/' + path.join('/'),
        schemaPath: '#',
        params: {},
      });
    }
  }
  return items;
}

export const validatorCompiler: FastifySchemaCompiler<z.ZodType> =
  ({ schema, httpPart }) =>
  (data) => {
    const result = schema.safeParse(data, { error: describeIssue });
    if (result.success) return { value: result.data };
    return { error: toItems(result.error.issues, httpPart ?? 'body') as never };
  };

/** The field errors of a Fastify validation error made by `validatorCompiler`, else undefined. */
export function fieldErrorsOf(error: unknown): FieldError[] | undefined {
  const validation = (error as { validation?: unknown }).validation;
  if (!Array.isArray(validation) || validation.length === 0) return undefined;
  return validation.map((item: Partial<ValidationItem>) => ({
    field: item.field ?? (item.instancePath ? item.instancePath.slice(1).replaceAll('/', '.') : 'body'),
    message: item.message ?? 'is invalid',
  }));
}
