/**
 * The journal's wire format: one JSON object per event, decimals as strings, snake_case fields
 * (the same shapes `subledger import` reads). Parsing is strict: an unknown field, a number where
 * a decimal string belongs, or a malformed decimal is an error naming the field.
 *
 * Entry points: `parseJournalLine` (text → event or problems), `encodeEvent` (event → canonical
 * payload), `decodeRecord` (stored payload → event; throws on a corrupt journal).
 */
import { z } from 'zod';
import { decimalProblem, parseDec, toPlain } from '../core/decimal.js';
import type { CostMethod, DeploymentOpened, LedgerEvent } from '../core/events.js';
import { type DeploymentId, type FillId, type Symbol, deploymentIdProblem, symbolProblem } from '../core/ids.js';

/** A deployment's settings beyond what the ledger needs (kept in the same journal event). */
export interface DeploymentSettings {
  readonly name: string;
  readonly strategy: string;
  readonly limits: Readonly<Record<string, unknown>>;
}

/** The `deployment` event as journaled: the ledger's part plus its settings. */
export type DeploymentCreated = DeploymentOpened & DeploymentSettings;

export type JournalEvent = Exclude<LedgerEvent, DeploymentOpened> | DeploymentCreated;

/** A deployment event's settings, with defaults for events built without them (name = id). */
export function deploymentSettings(event: DeploymentOpened & Partial<DeploymentSettings>): DeploymentSettings {
  return {
    name: event.name ?? event.deployment,
    strategy: event.strategy ?? event.deployment,
    limits: event.limits ?? {},
  };
}

export interface FieldProblem {
  readonly field: string;
  readonly message: string;
}

const decimal = z.string({ error: 'must be a decimal string, e.g. "150.25"' }).superRefine((value, ctx) => {
  const problem = decimalProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});
const isoTime = z.iso.datetime({
  offset: true,
  error: 'must be an ISO-8601 time with a zone, e.g. "2025-01-02T15:00:00Z"',
});
const deploymentId = z.string({ error: 'must be a string' }).superRefine((value, ctx) => {
  const problem = deploymentIdProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});
const symbol = z.string({ error: 'must be a string' }).superRefine((value, ctx) => {
  const problem = symbolProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});
const side = z.enum(['buy', 'sell'], { error: 'must be "buy" or "sell"' });
const feeCurrency = z.enum(['quote', 'base'], { error: 'must be "quote" or "base"' });

const leg = z.strictObject({
  deployment: deploymentId,
  side,
  qty: decimal,
  fee: decimal.optional(),
  fee_currency: feeCurrency.optional(),
});

const schemas = {
  deployment: z.strictObject({
    type: z.literal('deployment'),
    deployment: deploymentId,
    initial_capital: decimal,
    cost_method: z.enum(['average', 'fifo'], { error: 'must be "average" or "fifo"' }).optional(),
    name: z.string().min(1).max(100).optional(),
    strategy: z.string().min(1).max(100).optional(),
    limits: z.record(z.string(), z.unknown()).optional(),
    ts: isoTime.optional(),
  }),
  fill_legs: z.strictObject({
    type: z.literal('fill'),
    id: z.string().min(1).max(128),
    symbol,
    price: decimal,
    ts: isoTime,
    legs: z.array(leg).min(1),
  }),
  fill: z.strictObject({
    type: z.literal('fill'),
    id: z.string().min(1).max(128),
    deployment: deploymentId,
    symbol,
    side,
    qty: decimal,
    price: decimal,
    fee: decimal.optional(),
    fee_currency: feeCurrency.optional(),
    ts: isoTime,
  }),
  capital_flow: z.strictObject({
    type: z.literal('capital_flow'),
    id: z.string().min(1).max(128),
    deployment: deploymentId,
    amount: decimal,
    ts: isoTime,
  }),
  split: z.strictObject({ type: z.literal('split'), symbol, ratio: decimal, ts: isoTime }),
  dividend: z.strictObject({ type: z.literal('dividend'), symbol, amount_per_share: decimal, ts: isoTime }),
  mark: z.strictObject({
    type: z.literal('mark'),
    symbol,
    price: decimal,
    ts: isoTime,
    source: z.string().min(1).max(64).optional(),
  }),
};

const TYPES = ['deployment', 'fill', 'capital_flow', 'split', 'dividend', 'mark'] as const;
const EPOCH = '1970-01-01T00:00:00.000Z';

/** Turns zod issues into field problems ("legs.0.qty: must be a decimal string"). */
function problemsOf(error: z.ZodError): FieldProblem[] {
  const seen = new Set<string>();
  const out: FieldProblem[] = [];
  for (const issue of error.issues) {
    let field = issue.path.join('.') || '(object)';
    let message = issue.message;
    if (issue.code === 'unrecognized_keys') {
      field = issue.keys.map((k) => [...issue.path, k].join('.')).join(', ');
      message = 'unknown field';
    }
    const text = `${field}: ${message}`;
    if (!seen.has(text)) {
      out.push({ field, message });
      seen.add(text);
    }
  }
  return out;
}

/**
 * Parses one journal object (already JSON-decoded). Decimals are checked for form here; rules
 * that need the ledger (unknown deployment, qty > 0) are checked by `eventProblem` in the core.
 */
export function parseJournalObject(value: unknown): { event: JournalEvent } | { problems: FieldProblem[] } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { problems: [{ field: '(line)', message: 'must be a JSON object' }] };
  }
  const type = (value as { type?: unknown }).type;
  if (typeof type !== 'string' || !(TYPES as readonly string[]).includes(type)) {
    return { problems: [{ field: 'type', message: `must be one of ${TYPES.map((t) => `"${t}"`).join(', ')}` }] };
  }
  // A fill comes flat (one deployment) or with `legs` (a block or an internal cross).
  const schema = type === 'fill' && 'legs' in value ? schemas.fill_legs : schemas[type as (typeof TYPES)[number]];
  const parsed = schema.safeParse(value);
  if (!parsed.success) return { problems: problemsOf(parsed.error) };
  return { event: toEvent(parsed.data) };
}

/** Parses one line of JSON-lines text. */
export function parseJournalLine(line: string): { event: JournalEvent } | { problems: FieldProblem[] } {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    return { problems: [{ field: '(line)', message: `not valid JSON (${(error as Error).message})` }] };
  }
  return parseJournalObject(value);
}

type Parsed = { [K in keyof typeof schemas]: z.infer<(typeof schemas)[K]> }[keyof typeof schemas];

function toEvent(data: Parsed): JournalEvent {
  switch (data.type) {
    case 'deployment':
      return {
        type: 'deployment',
        deployment: data.deployment as DeploymentId,
        initialCapital: parseDec(data.initial_capital),
        costMethod: (data.cost_method ?? 'average') as CostMethod,
        name: data.name ?? data.deployment,
        strategy: data.strategy ?? data.deployment,
        limits: data.limits ?? {},
        ts: data.ts ?? EPOCH,
      };
    case 'fill': {
      const legs =
        'legs' in data
          ? data.legs
          : [
              {
                deployment: data.deployment,
                side: data.side,
                qty: data.qty,
                fee: data.fee,
                fee_currency: data.fee_currency,
              },
            ];
      return {
        type: 'fill',
        id: data.id as FillId,
        symbol: data.symbol as Symbol,
        price: parseDec(data.price),
        ts: data.ts,
        legs: legs.map((l) => ({
          deployment: l.deployment as DeploymentId,
          side: l.side,
          qty: parseDec(l.qty),
          fee: parseDec(l.fee ?? '0'),
          feeCurrency: l.fee_currency ?? 'quote',
        })),
      };
    }
    case 'capital_flow':
      return {
        type: 'capital_flow',
        id: data.id,
        deployment: data.deployment as DeploymentId,
        amount: parseDec(data.amount),
        ts: data.ts,
      };
    case 'split':
      return { type: 'split', symbol: data.symbol as Symbol, ratio: parseDec(data.ratio), ts: data.ts };
    case 'dividend':
      return {
        type: 'dividend',
        symbol: data.symbol as Symbol,
        amountPerShare: parseDec(data.amount_per_share),
        ts: data.ts,
      };
    case 'mark':
      return {
        type: 'mark',
        symbol: data.symbol as Symbol,
        price: parseDec(data.price),
        ts: data.ts,
        source: data.source ?? 'import',
      };
  }
}

/** The canonical stored form of an event (fills always with `legs`). Stable field order. */
export function encodeEvent(event: JournalEvent): string {
  switch (event.type) {
    case 'deployment':
      return JSON.stringify({
        type: 'deployment',
        deployment: event.deployment,
        initial_capital: toPlain(event.initialCapital),
        cost_method: event.costMethod,
        ...deploymentSettings(event),
        ts: event.ts,
      });
    case 'fill':
      return JSON.stringify({
        type: 'fill',
        id: event.id,
        symbol: event.symbol,
        price: toPlain(event.price),
        ts: event.ts,
        legs: event.legs.map((l) => ({
          deployment: l.deployment,
          side: l.side,
          qty: toPlain(l.qty),
          fee: toPlain(l.fee),
          fee_currency: l.feeCurrency,
        })),
      });
    case 'capital_flow':
      return JSON.stringify({
        type: 'capital_flow',
        id: event.id,
        deployment: event.deployment,
        amount: toPlain(event.amount),
        ts: event.ts,
      });
    case 'split':
      return JSON.stringify({ type: 'split', symbol: event.symbol, ratio: toPlain(event.ratio), ts: event.ts });
    case 'dividend':
      return JSON.stringify({
        type: 'dividend',
        symbol: event.symbol,
        amount_per_share: toPlain(event.amountPerShare),
        ts: event.ts,
      });
    case 'mark':
      return JSON.stringify({
        type: 'mark',
        symbol: event.symbol,
        price: toPlain(event.price),
        ts: event.ts,
        source: event.source,
      });
  }
}

/** Decodes a stored payload. Throws when the journal holds something unreadable (corruption). */
export function decodePayload(payload: string, where: string): JournalEvent {
  const result = parseJournalLine(payload);
  if ('problems' in result) {
    throw new Error(
      `corrupt journal entry ${where}: ${result.problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`,
    );
  }
  return result.event;
}
