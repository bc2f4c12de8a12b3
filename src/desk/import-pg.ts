/**
 * PostgreSQL source (S2.1): read lock and hedge orders from an existing database, either with a
 * configured SELECT (may reference $1 = the newest time already stored, in ms, for incremental
 * loads) or from a table with a field → column mapping. Rows go through the same validation as
 * files. A database that is down yields DG_E_SOURCE_DOWN; nothing is half-written.
 */
import pg from 'pg';
import { dgError } from '../core/errors.js';
import type { OtcStore } from '../store/otc-store.js';
import { ImportSink, type ImportReport, type OrderKind } from './importer.js';
import type { NaiveTimePolicy } from './time.js';
import type { RawRow } from './validate.js';

export interface PgTableSource {
  readonly query?: string;
  readonly table?: string;
  readonly columns: Record<string, string>;
}

export interface PgSourceConfig {
  readonly url: string;
  readonly naiveTime: NaiveTimePolicy;
  readonly locks: PgTableSource;
  readonly hedges: PgTableSource;
}

function quoteIdent(name: string): string {
  return name
    .split('.')
    .map((p) => `"${p.replace(/"/g, '""')}"`)
    .join('.');
}

function sqlFor(src: PgTableSource): { sql: string; usesCursor: boolean } {
  if (src.query) return { sql: src.query, usesCursor: /\$1\b/.test(src.query) };
  if (!src.table) throw dgError('DG_E_BAD_CONFIG', 'source needs query or table');
  return { sql: `SELECT * FROM ${quoteIdent(src.table)}`, usesCursor: false };
}

/** Import both kinds from PostgreSQL. `since` feeds $1 of configured queries. */
export async function importFromPostgres(
  store: OtcStore,
  cfg: PgSourceConfig,
  since = 0,
): Promise<{ locks: ImportReport; hedges: ImportReport }> {
  // Timestamps arrive as text so they are read as written: timestamptz carries its offset, and a
  // plain timestamp follows the naive-time policy (UTC or reject) instead of the host's zone.
  const types = {
    getTypeParser: (oid: number, format?: 'text' | 'binary') =>
      oid === 1114 || oid === 1184 ? (v: string) => v : pg.types.getTypeParser(oid, format),
  } as unknown as pg.CustomTypesConfig;
  const client = new pg.Client({
    connectionString: cfg.url,
    connectionTimeoutMillis: 5000,
    query_timeout: 300_000,
    types,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (e) {
    throw dgError('DG_E_SOURCE_DOWN', `postgres source: ${(e as NodeJS.ErrnoException).code ?? (e as Error).name}`);
  }
  try {
    const run = async (kind: OrderKind, src: PgTableSource): Promise<ImportReport> => {
      const { sql, usesCursor } = sqlFor(src);
      let res: pg.QueryResult;
      try {
        res = await client.query(sql, usesCursor ? [since] : []);
      } catch (e) {
        const code = (e as { code?: string }).code;
        // Connection-class SQLSTATEs (08…, 57P…) mean "down"; anything else is a bad query.
        if (!code || code.startsWith('08') || code.startsWith('57'))
          throw dgError('DG_E_SOURCE_DOWN', `postgres source: ${code ?? 'connection lost'}`);
        throw dgError('DG_E_BAD_CONFIG', `source ${kind} query failed: SQLSTATE ${code} ${(e as Error).message}`);
      }
      const sink = new ImportSink(store, kind, { columns: src.columns, naiveTime: cfg.naiveTime });
      for (let i = 0; i < res.rows.length; i++) await sink.add(res.rows[i] as RawRow, i + 1);
      return sink.finish();
    };
    const locks = await run('lock', cfg.locks);
    const hedges = await run('hedge', cfg.hedges);
    return { locks, hedges };
  } finally {
    await client.end().catch(() => undefined);
  }
}
