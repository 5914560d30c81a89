/**
 * The paper broker adapter: simulated fills on a seeded or CSV-replayed market (src/sim).
 * Entry points: `PaperBroker`, the bars CSV loader, and `simulatedPaperBroker` for demos.
 */
export { type PaperBrokerOptions, PaperBroker } from './paper-broker.js';
export {
  BAR_COLUMNS,
  type BarsFile,
  BarsCsvError,
  barsMarketFromCsv,
  loadBarsCsv,
  parseBarsCsv,
  parseTimestamp,
} from './bars-csv.js';
export { type SimulatedPaperOptions, simulatedPaperBroker } from './simulated.js';
