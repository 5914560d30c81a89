/**
 * A small seeded pseudo-random generator (mulberry32) for the simulated market.
 *
 * Entry points: `createPrng(seed)` → `{ nextU32, nextInt }`, `mixSeed(seed, text)`.
 * Invariants: the same seed gives the same sequence on every platform (32-bit integer arithmetic
 * only, `Math.imul` and unsigned shifts); `nextInt(n)` is exactly uniform (rejection sampling);
 * nothing here reads `Math.random` or a clock. Outputs are integers, never floats, so prices built
 * from them are exact.
 */

export interface Prng {
  /** The next unsigned 32-bit integer. */
  nextU32(): number;
  /** A uniform integer in [0, n), 1 ≤ n ≤ 2^32. Throws RangeError outside that range. */
  nextInt(n: number): number;
}

const TWO_32 = 4294967296;

/** mulberry32 (Tommy Ettinger, public domain): 32 bits of state, period 2^32. */
export function createPrng(seed: number): Prng {
  let state = seed >>> 0;
  const nextU32 = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  const nextInt = (n: number): number => {
    if (!Number.isInteger(n) || n < 1 || n > TWO_32)
      throw new RangeError(`nextInt: n must be an integer in [1, 2^32], got ${n}`);
    // Reject the top sliver of the 32-bit range so every residue is equally likely.
    const limit = TWO_32 - (TWO_32 % n);
    for (;;) {
      const x = nextU32();
      if (x < limit) return x % n;
    }
  };
  return { nextU32, nextInt };
}

/** Derives an independent 32-bit seed from a seed and a label (FNV-1a over the label's UTF-16 units). */
export function mixSeed(seed: number, label: string): number {
  let h = (0x811c9dc5 ^ (seed >>> 0)) >>> 0;
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  // One mulberry round so that nearby seeds do not give nearby states.
  return createPrng(h).nextU32();
}
