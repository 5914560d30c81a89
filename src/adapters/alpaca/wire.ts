/**
 * Alpaca's wire types, parsed at the edge with zod (spec `components.schemas.Order`, `Position`,
 * `Account`, `TradingActivities`, `NonTradeActivities`, `legacy_clock`, `Assets`; the
 * `trade_updates` frames of FACTS §2; the market-data latest trade/quote shapes of FACTS §5).
 *
 * Entry points: the `*Schema` values and their `z.infer` types.
 * Invariants: every quantity, price and amount becomes a `Dec` from its decimal text (JSON
 * numbers arrive as text too: see src/core/exact-json.ts), never a JS number; only the fields the
 * adapter uses are required, everything else Alpaca adds is ignored.
 */
import { z } from 'zod';
import { type Dec, decimalProblem, parseDec } from '../../core/decimal.js';

const decimal = z
  .string()
  .refine((s) => decimalProblem(s) === undefined, { message: 'expected a decimal number' })
  .transform((s): Dec => parseDec(s));
const optionalDecimal = decimal.nullish();
const time = z.string().min(1);

export const OrderSchema = z.object({
  id: z.string().min(1),
  client_order_id: z.string(),
  created_at: time,
  updated_at: time.nullish(),
  submitted_at: time.nullish(),
  filled_at: time.nullish(),
  canceled_at: time.nullish(),
  expired_at: time.nullish(),
  failed_at: time.nullish(),
  symbol: z.string().min(1),
  asset_class: z.string().nullish(),
  qty: optionalDecimal,
  notional: optionalDecimal,
  filled_qty: decimal,
  filled_avg_price: optionalDecimal,
  type: z.string().min(1),
  side: z.enum(['buy', 'sell']),
  time_in_force: z.string().min(1),
  limit_price: optionalDecimal,
  stop_price: optionalDecimal,
  trail_price: optionalDecimal,
  trail_percent: optionalDecimal,
  hwm: optionalDecimal,
  status: z.string().min(1),
});
export type OrderWire = z.infer<typeof OrderSchema>;

export const PositionSchema = z.object({
  symbol: z.string().min(1),
  asset_class: z.string().nullish(),
  qty: decimal,
  qty_available: optionalDecimal,
  avg_entry_price: decimal,
  side: z.enum(['long', 'short']),
  market_value: optionalDecimal,
  current_price: optionalDecimal,
});
export type PositionWire = z.infer<typeof PositionSchema>;

export const AccountSchema = z.object({
  id: z.string(),
  status: z.string(),
  currency: z.string().nullish(),
  cash: decimal,
  buying_power: decimal,
  equity: decimal,
});

export const FillActivitySchema = z.object({
  id: z.string().min(1),
  activity_type: z.literal('FILL'),
  transaction_time: time,
  type: z.enum(['fill', 'partial_fill']),
  price: decimal,
  qty: decimal,
  side: z.enum(['buy', 'sell']),
  symbol: z.string().min(1),
  leaves_qty: decimal,
  cum_qty: decimal,
  order_id: z.string().min(1),
  order_status: z.string().nullish(),
});
export type FillActivity = z.infer<typeof FillActivitySchema>;

/** DIV, SPLIT, CFEE, FEE, JNLC, … (spec `NonTradeActivities`; splits come as two legs, FACTS §6). */
export const NonTradeActivitySchema = z.object({
  id: z.string().min(1),
  activity_type: z.string().min(1),
  activity_sub_type: z.string().nullish(),
  date: z.string().nullish(),
  created_at: time.nullish(),
  net_amount: optionalDecimal,
  symbol: z.string().nullish(),
  qty: optionalDecimal,
  price: optionalDecimal,
  per_share_amount: optionalDecimal,
  group_id: z.string().nullish(),
  status: z.string().nullish(),
  description: z.string().nullish(),
});
export type NonTradeActivity = z.infer<typeof NonTradeActivitySchema>;

export const ClockSchema = z.object({
  timestamp: time,
  is_open: z.boolean(),
  next_open: time,
  next_close: time,
});
export type ClockWire = z.infer<typeof ClockSchema>;

/** One trading day of `GET /v2/calendar` (the session fields are newer and may be absent). */
export const CalendarDaySchema = z.object({
  date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  open: z.string(),
  close: z.string(),
  session_open: z.string().nullish(),
  session_close: z.string().nullish(),
  settlement_date: z.string().nullish(),
});

export const AssetSchema = z.object({
  id: z.string(),
  class: z.string(),
  exchange: z.string(),
  symbol: z.string().min(1),
  status: z.string(),
  tradable: z.boolean(),
  marginable: z.boolean().nullish(),
  shortable: z.boolean().nullish(),
  fractionable: z.boolean().nullish(),
  min_order_size: optionalDecimal,
  min_trade_increment: optionalDecimal,
  price_increment: optionalDecimal,
});
export type AssetWire = z.infer<typeof AssetSchema>;

/** `{code, message}`; some bodies (401) carry only a message (FACTS §5). */
export const ErrorBodySchema = z.object({
  code: z.union([z.string(), z.number()]).nullish(),
  message: z.string().nullish(),
});

export const TradeUpdateSchema = z.object({
  event: z.string().min(1),
  order: OrderSchema,
  timestamp: time.nullish(),
  execution_id: z.string().min(1).nullish(),
  price: optionalDecimal,
  qty: optionalDecimal,
  position_qty: optionalDecimal,
});
export type TradeUpdate = z.infer<typeof TradeUpdateSchema>;

/** Any frame of the trading stream; `data` is parsed further by `stream`. */
export const StreamFrameSchema = z.object({
  stream: z.string().nullish(),
  action: z.string().nullish(),
  data: z.record(z.string(), z.unknown()).nullish(),
});

const StockTradeSchema = z.object({ t: time, p: decimal });
const StockQuoteSchema = z.object({ t: time, bp: decimal, ap: decimal });
export const LatestTradesSchema = z.object({ trades: z.record(z.string(), StockTradeSchema) });
export const LatestQuotesSchema = z.object({ quotes: z.record(z.string(), StockQuoteSchema) });
