import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PgOtcStore } from '../../src/store/otc-pg.js';
import { SqliteOtcStore } from '../../src/store/otc-sqlite.js';
import { dropSchema, PG_URL, uniqueSchema } from './pg-support.js';
import { storeContract } from './store-contract.js';

const dir = mkdtempSync(path.join(tmpdir(), 'dg-otc-'));
storeContract(
  'sqlite (WAL file)',
  async () => {
    const s = new SqliteOtcStore(path.join(dir, 'sub', 'desk.sqlite'));
    await s.init();
    return s;
  },
  async () => rmSync(dir, { recursive: true, force: true }),
);

const schema = uniqueSchema('store');
storeContract(
  'postgres (real server, own schema)',
  async () => {
    const s = new PgOtcStore({ connectionString: PG_URL, schema });
    await s.init();
    return s;
  },
  async () => dropSchema(schema),
);
