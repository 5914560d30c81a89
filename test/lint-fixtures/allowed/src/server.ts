import { paperBroker } from './adapters/paper/broker.js';
import { openStore } from './adapters/sql/store.js';
import { buildServer } from './http/server.js';

export const createRuntime = (path: string) => ({
  store: openStore(path),
  broker: paperBroker,
  http: buildServer(() => []),
});
