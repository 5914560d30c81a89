// Breaks adapters-implement-app-ports: an adapter reaches into the engine.
import { plan } from '../../engine/planner.js';

export const store = { plan };
