// Breaks emulator-stands-alone: the emulator answers with the very adapter it is meant to test.
import { toWireOrder } from '../adapters/alpaca/mapping.js';

export const answer = (qty: string) => toWireOrder(qty);
