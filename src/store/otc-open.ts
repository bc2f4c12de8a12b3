/** Open an OTC store from a location: a postgres:// URL, or a SQLite file path (default). */
import path from 'node:path';
import { PgOtcStore } from './otc-pg.js';
import { SqliteOtcStore } from './otc-sqlite.js';
import type { OtcStore } from './otc-store.js';

export const DEFAULT_DATA_DIR = '.deskgate';

export function otcStoreFor(location: string | undefined, dataDir = DEFAULT_DATA_DIR): OtcStore {
  if (location && /^postgres(ql)?:\/\//.test(location)) {
    const u = new URL(location);
    const schema = u.searchParams.get('schema') ?? undefined;
    u.searchParams.delete('schema');
    return new PgOtcStore({ connectionString: u.toString(), schema });
  }
  const file = location && location !== '' ? location.replace(/^sqlite:/, '') : path.join(dataDir, 'desk.sqlite');
  return new SqliteOtcStore(file);
}
