// Breaks adapters-do-not-import-each-other: the SQL store uses the Alpaca adapter.
import { AlpacaClient } from '../alpaca/client.js';

export const store = { broker: new AlpacaClient() };
