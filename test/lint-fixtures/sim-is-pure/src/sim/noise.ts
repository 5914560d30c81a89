// Breaks sim-is-pure: the simulation draws from the OS instead of its seeded generator.
import { randomInt } from 'node:crypto';

export const noise = () => randomInt(100);
