/**
 * The local Alpaca emulator: Alpaca's Trading API v2 subset, market-data latest endpoints and the
 * `trade_updates` websocket on the simulation's matching engine (the paper broker's engine: one
 * matching engine, two faces). For tests, and for users trying their bots offline
 * (`subledger emulator --port N`). Must not import src/adapters.
 *
 * Entry points: `startEmulator(options)`, the control surface `EmulatorControl` (also over HTTP
 * under /_control), and `Venue` for in-process inspection.
 */
export { type EmulatorHandle, type EmulatorOptions, startEmulator } from './server.js';
export type { DelayRule, EmulatorControl, EmulatorStats, RequestRecord } from './control.js';
export type { AuthForm, FrameKind } from './stream.js';
export type { TradeUpdateWire, OrderWire, ActivityWire } from './wire.js';
export type { AuditOrder, OpenOrderNote, RefusalRule, RejectionRecord, WashTradeViolation } from './order-log.js';
export { Venue } from './venue.js';
