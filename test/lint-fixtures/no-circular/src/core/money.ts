// Breaks no-circular, with units.ts: each imports the other.
import { unit } from './units.js';

export const money = (n: number) => `${n} ${unit}`;
