/**
 * Branded identifiers: one type per id kind so a broker order id can never be passed where a
 * client order id or a deployment id is expected. Brands exist only at compile time.
 */

declare const brand: unique symbol;
type Brand<T, B extends string> = T & { readonly [brand]: B };

/** A deployment (bot / strategy instance) id: lowercase slug, 1–32 chars. */
export type DeploymentId = Brand<string, 'DeploymentId'>;
/** An instrument symbol as the broker spells it ("AAPL", "BTC/USD"). */
export type Symbol = Brand<string, 'Symbol'>;
/** The broker's execution id (or ours for internal and imported fills); unique forever. */
export type FillId = Brand<string, 'FillId'>;
/** The id we put on an order (Alpaca `client_order_id`, ≤ 48 chars). */
export type ClientOrderId = Brand<string, 'ClientOrderId'>;
/** The broker's own order id. */
export type BrokerOrderId = Brand<string, 'BrokerOrderId'>;

/** The account's own sleeve: whatever the broker holds that no deployment owns. */
export const HOUSE = 'house' as DeploymentId;

const DEPLOYMENT_ID = /^[a-z0-9][a-z0-9_-]{0,31}$/;
const SYMBOL = /^[A-Z0-9][A-Z0-9./-]{0,19}$/;

/** Why `text` is not a valid deployment id, or undefined. */
export function deploymentIdProblem(text: string): string | undefined {
  return DEPLOYMENT_ID.test(text)
    ? undefined
    : `"${text}" is not a valid deployment id (1–32 chars: lowercase letters, digits, "-" or "_", starting with a letter or digit)`;
}

/** Why `text` is not a valid symbol, or undefined. */
export function symbolProblem(text: string): string | undefined {
  return SYMBOL.test(text)
    ? undefined
    : `"${text}" is not a valid symbol (1–20 chars: uppercase letters, digits, ".", "/" or "-")`;
}

export const asDeploymentId = (text: string) => text as DeploymentId;
export const asSymbol = (text: string) => text as Symbol;
export const asFillId = (text: string) => text as FillId;
