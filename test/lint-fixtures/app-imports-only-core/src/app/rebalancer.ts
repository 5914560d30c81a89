// Breaks app-imports-only-core three times (issue 13: "a file in app importing engine, sim and
// config passes").
import { plan } from '../engine/planner.js';
import { step } from '../sim/market.js';
import { config } from '../config.js';

export const rebalance = () => plan(step(config.seed));
