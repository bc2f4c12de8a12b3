/** PostgreSQL for tests: the server on 127.0.0.1:5432 (trust auth, database `test`), one schema per run. */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const PG_URL = process.env.DESKGATE_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test';

export function uniqueSchema(tag: string): string {
  return `dg_${tag}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

export async function dropSchema(schema: string): Promise<void> {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  try {
    await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await c.end();
  }
}

export async function pgExec(sql: string, params: unknown[] = []): Promise<pg.QueryResult> {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  try {
    return await c.query(sql, params);
  } finally {
    await c.end();
  }
}
