/**
 * The OpenAPI 3.1 document (built from the routes' zod schemas by @fastify/swagger) served at
 * GET /openapi.json, and a browsable Swagger UI at /docs. Both are public.
 * Must be registered before the routes so that every route is collected.
 */
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { createJsonSchemaTransform, createJsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { schemaRegistry } from './schemas/registry.js';

const toObject = createJsonSchemaTransformObject({ schemaRegistry });

/**
 * The zod provider emits every registered schema twice (`X` for responses, `XInput` for
 * requests); ours are all response schemas, so the unreferenced `XInput` copies are dropped.
 */
function dropUnusedInputComponents<T extends object>(document: T): T {
  const components = (document as { components?: { schemas?: Record<string, unknown> } }).components;
  if (!components?.schemas) return document;
  const text = JSON.stringify({ ...document, components: { ...components, schemas: {} } });
  const kept = Object.entries(components.schemas).filter(
    ([name]) => !name.endsWith('Input') || text.includes(`#/components/schemas/${name}"`),
  );
  return { ...document, components: { ...components, schemas: Object.fromEntries(kept) } };
}

export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Subledger',
        description:
          'Per-bot virtual sub-accounts (sleeves) on one shared brokerage account. Decimals are exact strings in and out. ' +
          'Errors are `{ code, message, details }` with the stable codes of docs/errors.md.',
        version: '0.1.0',
      },
      components: {
        securitySchemes: {
          bearerAuth: {
            type: 'http',
            scheme: 'bearer',
            description: 'The admin token, or a deployment token `sld_<id>_<mac>` (its own sleeve only).',
          },
        },
      },
    },
    transform: createJsonSchemaTransform({ schemaRegistry }),
    transformObject: (document) => dropUnusedInputComponents(toObject(document)),
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger());
}
