/**
 * A small validator for OpenAPI 3.0 schemas — the subset Alpaca's spec uses: `$ref` to
 * components, `type`, `nullable`, `enum`, `properties` / `required`, `items`, `minLength` /
 * `maxLength`, `format` (date-time, date, uuid), `anyOf` / `oneOf` / `allOf`. It also lists keys a
 * value has that the schema does not name ("extra"), so field-name typos surface.
 *
 * Entry point: `validateAgainst(spec, schemaName, value)` → `{ errors, extra }`.
 */

type Schema = Record<string, unknown>;
export interface Spec {
  components: { schemas: Record<string, Schema> };
}

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function validateAgainst(spec: Spec, name: string, value: unknown): { errors: string[]; extra: string[] } {
  const errors: string[] = [];
  const extra: string[] = [];
  const resolve = (schema: Schema): Schema => {
    const ref = schema.$ref as string | undefined;
    if (!ref) return schema;
    const target = spec.components.schemas[ref.replace('#/components/schemas/', '')];
    if (!target) throw new Error(`unresolved ${ref}`);
    return resolve(target);
  };
  const check = (raw: Schema, v: unknown, path: string, sink: string[]): void => {
    const schema = resolve(raw);
    if (v === null) {
      if (!schema.nullable && schema.type !== undefined) sink.push(`${path}: null but not nullable`);
      return;
    }
    for (const key of ['anyOf', 'oneOf'] as const) {
      const options = schema[key] as Schema[] | undefined;
      if (options && !options.some((o) => attempt(o, v, path))) sink.push(`${path}: matches no ${key} option`);
    }
    for (const part of (schema.allOf as Schema[] | undefined) ?? []) check(part, v, path, sink);
    const type = schema.type as string | undefined;
    const is: Record<string, (x: unknown) => boolean> = {
      object: (x) => typeof x === 'object' && x !== null && !Array.isArray(x),
      array: Array.isArray,
      string: (x) => typeof x === 'string',
      number: (x) => typeof x === 'number',
      integer: (x) => Number.isInteger(x),
      boolean: (x) => typeof x === 'boolean',
    };
    if (type && !is[type]!(v)) return void sink.push(`${path}: expected ${type}, got ${JSON.stringify(v)}`);
    if (schema.enum && !(schema.enum as unknown[]).includes(v)) sink.push(`${path}: ${JSON.stringify(v)} not in enum`);
    if (typeof v === 'string') {
      if (typeof schema.minLength === 'number' && v.length < schema.minLength)
        sink.push(`${path}: shorter than ${schema.minLength}`);
      if (typeof schema.maxLength === 'number' && v.length > schema.maxLength)
        sink.push(`${path}: longer than ${schema.maxLength}`);
      const format = schema.format as string | undefined;
      if (format === 'date-time' && !DATE_TIME.test(v)) sink.push(`${path}: "${v}" is not a date-time`);
      if (format === 'date' && !DATE.test(v)) sink.push(`${path}: "${v}" is not a date`);
      if (format === 'uuid' && !UUID.test(v)) sink.push(`${path}: "${v}" is not a uuid`);
    }
    if (Array.isArray(v) && schema.items)
      v.forEach((item, i) => check(schema.items as Schema, item, `${path}[${i}]`, sink));
    if (is.object!(v) && schema.properties) {
      const props = schema.properties as Record<string, Schema>;
      const obj = v as Record<string, unknown>;
      for (const key of (schema.required as string[] | undefined) ?? [])
        if (!(key in obj)) sink.push(`${path}.${key}: required`);
      for (const [key, item] of Object.entries(obj)) {
        if (props[key]) check(props[key], item, `${path}.${key}`, sink);
        else if (sink === errors) extra.push(`${path}.${key}`);
      }
    }
  };
  const attempt = (schema: Schema, v: unknown, path: string): boolean => {
    const local: string[] = [];
    check(schema, v, path, local);
    return local.length === 0;
  };
  check({ $ref: `#/components/schemas/${name}` }, value, name, errors);
  return { errors, extra };
}
