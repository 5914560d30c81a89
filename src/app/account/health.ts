/**
 * The health check: whether the store answers (and how many events the journal holds), whether the
 * broker answers, and the price feed's status; degraded when any of them fails.
 */
import type { HealthView } from '../api.js';
import type { PriceUpdater } from '../marks/price-updater.js';
import type { BrokerPort } from '../ports/broker-port.js';
import type { Clock } from '../ports/clock-port.js';
import type { StorePort } from '../ports/store-port.js';

export async function health(
  store: StorePort,
  broker: BrokerPort,
  prices: Pick<PriceUpdater, 'status'>,
  clock: Clock,
): Promise<HealthView> {
  let storeStatus = `${store.kind} ok`;
  let events: number | null = null;
  try {
    events = (await store.journalStats()).count;
  } catch (error) {
    storeStatus = `${store.kind} failing: ${(error as Error).message}`;
  }
  let brokerStatus = 'ok';
  try {
    await broker.account();
  } catch (error) {
    brokerStatus = `unreachable: ${(error as Error).message}`;
  }
  const marks = prices.status();
  const ok = events !== null && brokerStatus === 'ok' && marks.status !== 'failing';
  return {
    status: ok ? 'ok' : 'degraded',
    store: storeStatus,
    broker: brokerStatus,
    journal_events: events,
    time: clock.now().toISOString(),
    marks,
  };
}
