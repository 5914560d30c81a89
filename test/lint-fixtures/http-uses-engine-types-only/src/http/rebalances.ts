// Breaks http-uses-engine-types-only: the route runs the engine itself instead of being handed it.
import { runRebalance } from '../engine/rebalance.js';

export const route = () => runRebalance();
