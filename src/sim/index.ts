/**
 * The simulation: markets that advance in steps and one matching engine, pure and deterministic.
 * Shared by the paper broker (src/adapters/paper) and the Alpaca emulator ("one matching engine,
 * two faces"). Imports only src/core and types of src/app/ports/broker-port.ts; no node: modules, no
 * wall clock, no Math.random.
 */
export { type SimClock, type StepClock, DEFAULT_STEP_CLOCK, sessionClock, stepClock, tradingDay } from './clock.js';
export { type Prng, createPrng, mixSeed } from './prng.js';
export { CENT, SUB_PENNY, isOnTick, roundToTick, tickFor, type Rounding } from './ticks.js';
export {
  type Market,
  type MarketStep,
  type SimQuote,
  type SimSymbol,
  type SimulatedMarketOptions,
  SimulatedMarket,
  demoSymbols,
} from './market.js';
export { type Bar, type BarsMarketOptions, BarsMarket } from './bars-market.js';
export { type FeeSchedule, executionPrice, feeFor, slip } from './pricing.js';
export { type LiquidityOptions, makeLiquidity } from './liquidity.js';
export { type AccountRules, type RuleOrder, ALPACA_RULES, NO_RULES, checkAccountRules, couldTrade } from './rules.js';
export * from './rejections.js';
export { hasStop, isTrailing, nextMark, stopReached, trailingStop } from './stops.js';
export { type SimPosition, SimAccount } from './account.js';
export {
  type AccountView,
  type CancelOutcome,
  type MatchingEngineOptions,
  type StepOutcome,
  type SubmitOutcome,
  MatchingEngine,
} from './matching-engine.js';
