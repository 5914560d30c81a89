/** Runs the store contract against a real SQLite file and a real PostgreSQL database. */
import { join } from 'node:path';
import { openStore } from '../src/adapters/sql/open-store.js';
import { storeContract } from './contracts/store.contract.js';
import { dropSchema, freshSchema, pgSkipReason, pgUrlFor } from './helpers/pg.js';
import { tempDir } from './helpers/tmp.js';

storeContract('SQLite file', () => {
  const { dir, cleanup } = tempDir();
  let n = 0;
  let main = '';
  return {
    open: async () => {
      const path = join(dir, `store-${n++}.db`);
      if (!main) main = path;
      return openStore(path);
    },
    reopen: () => openStore(main),
    cleanup: async () => cleanup(),
  };
});

const skip = await pgSkipReason();
storeContract(
  'PostgreSQL',
  () => {
    const schemas: string[] = [];
    return {
      open: async () => {
        const schema = freshSchema('store');
        schemas.push(schema);
        return openStore(pgUrlFor(schema));
      },
      reopen: () => openStore(pgUrlFor(schemas[0]!)),
      cleanup: async () => {
        for (const s of schemas) await dropSchema(s);
      },
    };
  },
  skip,
);
