/**
 * The Alpaca adapter: `BrokerPort` + `MarketDataPort` over Alpaca's Trading API v2, its
 * `trade_updates` stream and its market-data API, with recovery of missed fills (backfill from a
 * stored cursor), a shared request budget, and Alpaca's rejections as `BrokerRejection`s.
 * Point `config.baseUrl`, `dataUrl` and `streamUrl` at `subledger emulator` to run it offline.
 */
export { type AlpacaBrokerOptions, AlpacaBroker, type PositionDetail } from './alpaca-broker.js';
export { type CursorStore, type FillCursor } from './backfill.js';
export {
  ALPACA_DATA_URL,
  ALPACA_LIVE_URL,
  ALPACA_PAPER_URL,
  type AlpacaConfig,
  alpacaConfigFromEnv,
  streamUrlFor,
} from './config.js';
export { AlpacaHttpError, AlpacaProtocolError, AlpacaTransportError } from './errors.js';
export { type AlpacaRejectionCode, toBrokerRejection } from './rejections.js';
export { RequestBudget, type Timers } from './request-budget.js';
export type { AuthForm } from './trade-stream.js';
export type { Activity, ActivityQuery, OrderQuery } from './trading-api.js';
