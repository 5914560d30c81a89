/**
 * The broker contract (test/contracts/broker.contract.ts) run against the Alpaca adapter talking
 * to the local emulator over real HTTP and websocket on loopback: plain, and with partial fills
 * forced by the emulator (70 shares per symbol and side per step).
 */
import { brokerContract } from '../contracts/broker.contract.js';
import { alpacaHarness } from './helpers.js';

brokerContract('alpaca adapter against the emulator', () => alpacaHarness());
brokerContract('alpaca adapter against the emulator, partial fills', () => alpacaHarness({ maxQtyPerStep: '70' }));
