/**
 * The benchmarks' shared input: a deterministic journal of fills generated with a seeded PRNG
 * (mulberry32), as decimal strings exactly like the broker sends them.
 *
 * 100 deployments × 20 symbols (18 equities, 2 crypto pairs). Each fill picks a deployment and a
 * symbol, a side biased back towards flat (so positions keep flipping through zero), a quantity and
 * the symbol's current price (a random walk in whole cents). About 40% of fills pay a money fee;
 * 20% of crypto fills pay a base-asset fee (the holding shrinks by the fee units).
 *
 * Quantities are multiples of 1/4 share (equities, ≤ 2 decimals: "12.75") and 1/16 unit (crypto,
 * ≤ 4 decimals: "1.1875"): exact in binary too, so the float baseline takes the very same branches
 * as the exact core (same flats, flips, lots and round trips) and the fold benchmark compares
 * arithmetic, not different work. Prices and fees have 2 decimals.
 */
import { parseDec } from '../src/core/decimal.js';
import type { FeeCurrency, FillBooked, Side } from '../src/core/events.js';
import type { DeploymentCreated } from '../src/app/journal/journal-codec.js';
import type { DeploymentId, FillId, Symbol } from '../src/core/ids.js';
import type { NumDeployment, NumFill } from './number-fold.js';

export interface RawDeployment {
  readonly id: string;
  readonly initialCapital: string;
  readonly costMethod: 'average' | 'fifo';
  readonly ts: string;
}

export interface RawFill {
  readonly id: string;
  readonly deployment: string;
  readonly symbol: string;
  readonly side: Side;
  readonly qty: string;
  readonly price: string;
  readonly fee: string;
  readonly feeCurrency: FeeCurrency;
  readonly ts: string;
}

export interface Dataset {
  readonly deployments: readonly RawDeployment[];
  readonly fills: readonly RawFill[];
}

export const DEPLOYMENTS = 100;
const EQUITIES = [
  'AAPL',
  'MSFT',
  'NVDA',
  'AMZN',
  'GOOG',
  'META',
  'TSLA',
  'AMD',
  'NFLX',
  'INTC',
  'ORCL',
  'CRM',
  'ADBE',
  'QCOM',
  'AVGO',
  'COST',
  'PEP',
  'KO',
];
const CRYPTO = ['ETH/USD', 'SOL/USD'];
const BASE_TIME = Date.parse('2025-01-02T14:30:00Z');

/** mulberry32: a tiny seeded PRNG, uniform in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `units / denom` (denom 4 or 16) as an exact decimal string without trailing zeros. */
function unitsString(units: number, denom: number, decimals: number): string {
  const whole = Math.floor(units / denom);
  const frac = (units % denom) * (10 ** decimals / denom);
  if (frac === 0) return String(whole);
  return `${whole}.${String(frac).padStart(decimals, '0').replace(/0+$/, '')}`;
}

const centsString = (cents: number): string => `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;

interface SymbolSpec {
  readonly symbol: string;
  readonly crypto: boolean;
  /** Quantity units per share / coin (4 or 16) and their decimals (2 or 4). */
  readonly denom: number;
  readonly decimals: number;
  readonly maxUnits: number;
  readonly limitUnits: number;
  cents: number;
}

/** Generates `fills` fills (and the 100 deployments) from `seed`; same seed, same journal. */
export function generate(fills: number, seed = 20250102): Dataset {
  const rng = mulberry32(seed);
  const deployments: RawDeployment[] = Array.from({ length: DEPLOYMENTS }, (_, i) => ({
    id: `bot-${String(i).padStart(3, '0')}`,
    initialCapital: '1000000',
    costMethod: i % 3 === 2 ? 'fifo' : 'average',
    ts: new Date(BASE_TIME - 60_000).toISOString(),
  }));
  const specs: SymbolSpec[] = [
    ...EQUITIES.map((symbol) => ({
      symbol,
      crypto: false,
      denom: 4,
      decimals: 2,
      maxUnits: 400,
      limitUnits: 800,
      cents: 2000 + Math.floor(rng() * 48000),
    })),
    ...CRYPTO.map((symbol, i) => ({
      symbol,
      crypto: true,
      denom: 16,
      decimals: 4,
      maxUnits: 320,
      limitUnits: 640,
      cents: i === 0 ? 300000 : 15000,
    })),
  ];
  const position = new Int32Array(DEPLOYMENTS * specs.length);
  const out: RawFill[] = new Array(fills);
  for (let i = 0; i < fills; i++) {
    const d = Math.floor(rng() * DEPLOYMENTS);
    const s = Math.floor(rng() * specs.length);
    const spec = specs[s]!;
    spec.cents = Math.max(100, spec.cents + Math.round(spec.cents * 0.002 * (rng() * 2 - 1)));
    const slot = d * specs.length + s;
    const pos = position[slot]!;
    const pull = Math.max(-1, Math.min(1, pos / spec.limitUnits));
    const side: Side = rng() < 0.5 + 0.4 * pull ? 'sell' : 'buy';
    const units = 1 + Math.floor(rng() * rng() * spec.maxUnits);
    let fee = '0';
    let feeCurrency: FeeCurrency = 'quote';
    let feeUnits = 0;
    const r = rng();
    if (spec.crypto && r < 0.2) {
      feeUnits = 1;
      fee = unitsString(1, spec.denom, spec.decimals);
      feeCurrency = 'base';
    } else if (r < (spec.crypto ? 0.6 : 0.4)) {
      // A money fee of ~5 bp of the notional, at least one cent.
      fee = centsString(Math.max(1, Math.floor((units * spec.cents) / (spec.denom * 2000))));
    }
    position[slot] = pos + (side === 'buy' ? units : -units) - feeUnits;
    out[i] = {
      id: `fill-${i}`,
      deployment: deployments[d]!.id,
      symbol: spec.symbol,
      side,
      qty: unitsString(units, spec.denom, spec.decimals),
      price: centsString(spec.cents),
      fee,
      feeCurrency,
      ts: new Date(BASE_TIME + i * 1000).toISOString(),
    };
  }
  return { deployments, fills: out };
}

/** The deployment events as journaled (the ledger's part plus settings). */
export function deploymentEvents(data: Dataset): DeploymentCreated[] {
  return data.deployments.map((d) => ({
    type: 'deployment',
    deployment: d.id as DeploymentId,
    initialCapital: parseDec(d.initialCapital),
    costMethod: d.costMethod,
    name: d.id,
    strategy: 'bench',
    limits: {},
    ts: d.ts,
  }));
}

/** One raw fill as the core's `FillBooked` (one leg), decimals parsed exactly with `parseDec`. */
export function fillEvent(f: RawFill): FillBooked {
  return {
    type: 'fill',
    id: f.id as FillId,
    symbol: f.symbol as Symbol,
    price: parseDec(f.price),
    ts: f.ts,
    legs: [
      {
        deployment: f.deployment as DeploymentId,
        side: f.side,
        qty: parseDec(f.qty),
        fee: parseDec(f.fee),
        feeCurrency: f.feeCurrency,
      },
    ],
  };
}

/** BASELINE ONLY: the deployments with binary floats. */
export function numberDeployments(data: Dataset): NumDeployment[] {
  return data.deployments.map((d) => ({
    type: 'deployment',
    deployment: d.id,
    initialCapital: Number(d.initialCapital),
    costMethod: d.costMethod,
    ts: d.ts,
  }));
}

/** BASELINE ONLY: one raw fill with binary floats (`Number(text)`). */
export function numberFill(f: RawFill): NumFill {
  return {
    type: 'fill',
    id: f.id,
    symbol: f.symbol,
    price: Number(f.price),
    ts: f.ts,
    legs: [
      { deployment: f.deployment, side: f.side, qty: Number(f.qty), fee: Number(f.fee), feeCurrency: f.feeCurrency },
    ],
  };
}
