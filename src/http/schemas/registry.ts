/**
 * The REST API's own zod registry: component names and descriptions for the OpenAPI document.
 * Private (not zod's global registry) so other edges can name their schemas freely. Use `doc`
 * instead of `.meta()`: the OpenAPI transform reads metadata from this registry only.
 */
import { z } from 'zod';

export interface SchemaMeta {
  id?: string;
  description?: string;
  examples?: unknown[];
  [key: string]: unknown;
}

export const schemaRegistry = z.registry<SchemaMeta>();

/** Attaches documentation (and, with `id`, a component name) to `schema`; returns it. */
export function doc<T extends z.ZodType>(schema: T, meta: SchemaMeta): T {
  schemaRegistry.add(schema, meta);
  return schema;
}
