/**
 * Runtime configuration from flags and environment, validated at start with messages that name
 * the setting and the reason. Flags win over environment variables.
 *
 * SUBLEDGER_DB, SUBLEDGER_HOST, SUBLEDGER_PORT, SUBLEDGER_ADMIN_TOKEN, SUBLEDGER_TOKEN_SECRET,
 * SUBLEDGER_BROKER (paper | alpaca | emulator), SUBLEDGER_UNIVERSE (symbols the engine trades, comma-separated), SUBLEDGER_SEED, SUBLEDGER_SYMBOLS, SUBLEDGER_PRICES (bars CSV),
 * SUBLEDGER_STEP_MS, SUBLEDGER_MARK_SECONDS, SUBLEDGER_REBALANCE_CRON, SUBLEDGER_EXECUTION (market | smart),
 * SUBLEDGER_LOG_LEVEL (trace | debug | info | warn | error | fatal | silent; default info);
 * for Alpaca: APCA_API_KEY_ID, APCA_API_SECRET_KEY,
 * APCA_API_BASE_URL, APCA_DATA_URL, APCA_STREAM_URL, APCA_DATA_STREAM_URL (the market-data stream the
 * gateway shares; default wss://stream.data.alpaca.markets), and SUBLEDGER_ALPACA_RATE_LIMIT (requests per
 * minute the adapter allows itself, trading and market data each; default 200, Alpaca's limit —
 * raise it only for an account with a higher limit, or for the local emulator).
 */
import { z } from 'zod';
import { LOG_LEVELS } from './app/ports/logger.js';

const int = (name: string, min: number, max: number) =>
  z.coerce
    .number({ error: `${name} must be a whole number` })
    .int(`${name} must be a whole number`)
    .min(min, `${name} must be at least ${min}`)
    .max(max, `${name} must be at most ${max}`);

const schema = z.object({
  db: z.string().min(1, 'db must not be empty'),
  host: z.string().min(1),
  port: int('port', 0, 65535),
  /** The Alpaca-compatible gateway's port (src/gateway); absent: no gateway. */
  gatewayPort: int('gateway-port', 0, 65535).optional(),
  adminToken: z.string().min(16, 'admin token must be at least 16 characters').optional(),
  tokenSecret: z.string().min(16, 'token secret must be at least 16 characters').optional(),
  broker: z.enum(['paper', 'alpaca', 'emulator'], { error: 'broker must be "paper", "alpaca" or "emulator"' }),
  universe: z
    .array(z.string().regex(/^[A-Z0-9][A-Z0-9./-]{0,19}$/, 'universe: each symbol in uppercase, e.g. AAPL or BTC/USD'))
    .min(1)
    .optional(),
  seed: int('seed', 0, 2 ** 31 - 1),
  symbols: int('symbols', 1, 500),
  prices: z.string().min(1).optional(),
  stepMs: int('step-ms', 10, 3_600_000),
  markSeconds: int('mark-seconds', 1, 86_400),
  rebalanceCron: z
    .string()
    .refine(
      (text) => /^(\S+\s+){4,5}\S+$/.test(text.trim()),
      'rebalance-cron must be a cron expression of 5 or 6 fields, e.g. "*/15 * * * *"',
    )
    .optional(),
  execution: z.enum(['market', 'smart'], { error: 'execution must be "market" or "smart"' }),
  takeOver: z.boolean(),
  logLevel: z.enum(LOG_LEVELS, { error: `log-level must be one of ${LOG_LEVELS.join(', ')}` }),
  alpaca: z.object({
    keyId: z.string().optional(),
    secretKey: z.string().optional(),
    baseUrl: z.string().url('APCA_API_BASE_URL must be a URL'),
    dataUrl: z.string().url('APCA_DATA_URL must be a URL'),
    streamUrl: z.string().optional(),
    /** The market-data stream's base the gateway shares among the bots (feeds at /v2/iex, /v2/sip). */
    dataStreamUrl: z.string().url('APCA_DATA_STREAM_URL must be a URL'),
    /** Alpaca's request budget per minute (trading and market data each); 200 is Alpaca's own. */
    rateLimit: int('SUBLEDGER_ALPACA_RATE_LIMIT', 1, 1_000_000),
  }),
});

export type RuntimeConfig = z.infer<typeof schema>;

export interface ConfigFlags {
  db?: string;
  host?: string;
  port?: string;
  gatewayPort?: string;
  adminToken?: string;
  tokenSecret?: string;
  broker?: string;
  universe?: string;
  seed?: string;
  symbols?: string;
  prices?: string;
  stepMs?: string;
  markSeconds?: string;
  rebalanceCron?: string;
  execution?: string;
  takeOver?: boolean;
  logLevel?: string;
}

/** Builds and validates the config; throws an Error listing every bad setting. */
export function loadConfig(flags: ConfigFlags, env: NodeJS.ProcessEnv = process.env): RuntimeConfig {
  const raw = {
    db: flags.db ?? env.SUBLEDGER_DB ?? './subledger.db',
    host: flags.host ?? env.SUBLEDGER_HOST ?? '127.0.0.1',
    port: flags.port ?? env.SUBLEDGER_PORT ?? '8080',
    gatewayPort: flags.gatewayPort ?? env.SUBLEDGER_GATEWAY_PORT,
    adminToken: flags.adminToken ?? env.SUBLEDGER_ADMIN_TOKEN,
    tokenSecret: flags.tokenSecret ?? env.SUBLEDGER_TOKEN_SECRET,
    broker: flags.broker ?? env.SUBLEDGER_BROKER ?? 'paper',
    universe: (flags.universe ?? env.SUBLEDGER_UNIVERSE)
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    seed: flags.seed ?? env.SUBLEDGER_SEED ?? '42',
    symbols: flags.symbols ?? env.SUBLEDGER_SYMBOLS ?? '5',
    prices: flags.prices ?? env.SUBLEDGER_PRICES,
    stepMs: flags.stepMs ?? env.SUBLEDGER_STEP_MS ?? '1000',
    markSeconds: flags.markSeconds ?? env.SUBLEDGER_MARK_SECONDS ?? '60',
    rebalanceCron: flags.rebalanceCron ?? env.SUBLEDGER_REBALANCE_CRON,
    execution: flags.execution ?? env.SUBLEDGER_EXECUTION ?? 'market',
    takeOver: flags.takeOver ?? false,
    logLevel: flags.logLevel ?? env.SUBLEDGER_LOG_LEVEL ?? 'info',
    alpaca: {
      keyId: env.APCA_API_KEY_ID,
      secretKey: env.APCA_API_SECRET_KEY,
      baseUrl: env.APCA_API_BASE_URL ?? 'https://paper-api.alpaca.markets',
      dataUrl: env.APCA_DATA_URL ?? 'https://data.alpaca.markets',
      streamUrl: env.APCA_STREAM_URL,
      dataStreamUrl: env.APCA_DATA_STREAM_URL ?? 'wss://stream.data.alpaca.markets',
      rateLimit: env.SUBLEDGER_ALPACA_RATE_LIMIT ?? '200',
    },
  };
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    throw new Error(
      `invalid configuration:\n${parsed.error.issues.map((i) => `  - ${i.message}${i.path.length ? ` (${i.path.join('.')})` : ''}`).join('\n')}`,
    );
  }
  if (parsed.data.broker === 'alpaca' && (!parsed.data.alpaca.keyId || !parsed.data.alpaca.secretKey)) {
    throw new Error(
      'invalid configuration:\n  - --broker alpaca needs APCA_API_KEY_ID and APCA_API_SECRET_KEY in the environment',
    );
  }
  return parsed.data;
}
