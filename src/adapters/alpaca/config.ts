/**
 * Configuration of the Alpaca adapter: credentials and the three endpoints (trading REST, market
 * data REST, trade_updates stream). Paper is the default; every URL can be overridden, so the
 * local emulator (`subledger emulator`) can stand in for Alpaca.
 *
 * Entry points: `AlpacaConfig`, `alpacaConfigFromEnv(env)`, `streamUrlFor(baseUrl)`, the URLs.
 * Environment (the same names as src/config.ts and the official SDKs): APCA_API_KEY_ID,
 * APCA_API_SECRET_KEY, APCA_API_BASE_URL, APCA_DATA_URL (or APCA_DATA_BASE_URL), APCA_STREAM_URL
 * (or APCA_API_STREAM_URL).
 */

export const ALPACA_PAPER_URL = 'https://paper-api.alpaca.markets';
export const ALPACA_LIVE_URL = 'https://api.alpaca.markets';
export const ALPACA_DATA_URL = 'https://data.alpaca.markets';

export interface AlpacaConfig {
  readonly keyId: string;
  readonly secretKey: string;
  /** Trading REST base, without /v2. Default paper. */
  readonly baseUrl: string;
  /** Market-data REST base. Default https://data.alpaca.markets. */
  readonly dataUrl: string;
  /** trade_updates websocket. Default: `baseUrl` with http→ws plus /stream (as the SDKs do). */
  readonly streamUrl?: string;
  /** Stock data feed (`iex`, `sip`, …); the server's default when absent. */
  readonly feed?: string;
}

/** The stream URL the SDKs derive from a trading base URL (FACTS §7). */
export function streamUrlFor(baseUrl: string): string {
  return `${baseUrl.replace(/\/+$/, '').replace(/^http/, 'ws')}/stream`;
}

/** Reads the config from the environment. Throws an Error naming each missing or bad variable. */
export function alpacaConfigFromEnv(env: Record<string, string | undefined> = process.env): AlpacaConfig {
  const problems: string[] = [];
  const keyId = env.APCA_API_KEY_ID ?? '';
  const secretKey = env.APCA_API_SECRET_KEY ?? '';
  if (!keyId) problems.push('APCA_API_KEY_ID is not set');
  if (!secretKey) problems.push('APCA_API_SECRET_KEY is not set');
  const url = (name: string, value: string | undefined, fallback?: string) => {
    const text = value || fallback;
    if (text === undefined) return undefined;
    if (!/^(https?|wss?):\/\/[^/]+/.test(text)) problems.push(`${name} must be an http(s) or ws(s) URL, got "${text}"`);
    return text.replace(/\/+$/, '');
  };
  const baseUrl = url('APCA_API_BASE_URL', env.APCA_API_BASE_URL, ALPACA_PAPER_URL)!;
  const dataUrl = url('APCA_DATA_URL', env.APCA_DATA_URL ?? env.APCA_DATA_BASE_URL, ALPACA_DATA_URL)!;
  const streamUrl = url('APCA_STREAM_URL', env.APCA_STREAM_URL ?? env.APCA_API_STREAM_URL);
  if (problems.length) throw new Error(`Alpaca configuration:\n  - ${problems.join('\n  - ')}`);
  return { keyId, secretKey, baseUrl, dataUrl, ...(streamUrl ? { streamUrl } : {}) };
}
