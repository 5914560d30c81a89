/** Runs the store contract against a real SQLite file and a real PostgreSQL database. */
import { join } from 'node:path';
import { openStore, openWriterStore } from '../src/adapters/sql/open-store.js';
import { writerContract } from './contracts/writer.contract.js';
import { storeContract } from './contracts/store.contract.js';
import { dropSchema, freshSchema, pgSkipReason, pgUrlFor } from './helpers/pg.js';
import { tempDir } from './helpers/tmp.js';

storeContract('SQLite file', () => {
  const { dir, cleanup } = tempDir();
  let n = 0;
  return {
    database: async () => {
      const path = join(dir, `store-${n++}.db`);
      return { open: () => openWriterStore(path, 'test') };
    },
    cleanup: async () => cleanup(),
  };
});

const skip = await pgSkipReason();
storeContract(
  'PostgreSQL',
  () => {
    const schemas: string[] = [];
    return {
      database: async () => {
        const schema = freshSchema('store');
        schemas.push(schema);
        return { open: () => openWriterStore(pgUrlFor(schema), 'test') };
      },
      cleanup: async () => {
        for (const s of schemas) await dropSchema(s);
      },
    };
  },
  skip,
);

writerContract('SQLite file', () => {
  const { dir, cleanup } = tempDir();
  let n = 0;
  return {
    database: async () => {
      const path = join(dir, `writer-${n++}.db`);
      return { open: () => openStore(path) };
    },
    cleanup: async () => cleanup(),
  };
});

writerContract(
  'PostgreSQL',
  () => {
    const schemas: string[] = [];
    return {
      database: async () => {
        const schema = freshSchema('writer');
        schemas.push(schema);
        return { open: () => openStore(pgUrlFor(schema)) };
      },
      cleanup: async () => {
        for (const s of schemas) await dropSchema(s);
      },
    };
  },
  skip,
);
