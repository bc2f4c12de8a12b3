import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isDeskgateError } from '../../src/core/errors.js';
import { formatAmount } from '../../src/desk/amount.js';
import { importFile } from '../../src/desk/import-file.js';
import { importFromPostgres } from '../../src/desk/import-pg.js';
import { SqliteOtcStore } from '../../src/store/otc-sqlite.js';
import { closedPort } from '../notify/receiver.js';
import { dropSchema, pgExec, PG_URL, uniqueSchema } from './pg-support.js';

const dir = mkdtempSync(path.join(tmpdir(), 'dg-import-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const MS = Date.UTC(2026, 2, 1, 4, 30, 0);

async function freshStore(name: string): Promise<SqliteOtcStore> {
  const s = new SqliteOtcStore(path.join(dir, `${name}.sqlite`));
  await s.init();
  return s;
}

describe('file import', () => {
  it('keeps good rows, reports each bad row with row number, field and code, and normalises mixed time zones', async () => {
    const csv = [
      'id,client_id,side,base,quote,base_amount,price,lock_time',
      `A1,C1,buy,BTC,USDT,1.5,60000,2026-03-01T04:30:00Z`,
      `A2,C1,SELL,BTC,USDT,2,60001,2026-03-01T12:30:00+08:00`,
      `A3,C2,buy,ETH,USDT,3,3000,${MS / 1000}`,
      `A4,C2,buy,ETH,USDT,4,3000,${MS}`,
      `B1,,buy,BTC,USDT,1,60000,${MS}`,
      `B2,C3,buy,BTC,USDT,-1,60000,${MS}`,
      `B3,C3,hold,BTC,USDT,1,60000,${MS}`,
      `A1,C1,buy,BTC,USDT,1.5,60000,${MS}`,
      `B5,C3,buy,BTC,USDT,1,60000,31/12/2025`,
      `B6,C3,buy,BTC`,
    ].join('\n');
    const file = path.join(dir, 'locks.csv');
    writeFileSync(file, csv);
    const store = await freshStore('csv');
    const seen: number[] = [];
    const r = await importFile(store, file, 'lock', { progress: (_rows, f) => seen.push(f ?? -1) });
    expect(r).toMatchObject({ rows: 10, inserted: 4, unchanged: 0 });
    expect(r.rejected.map((x) => [x.row, x.errors[0].field, x.errors[0].code])).toEqual([
      [5, 'client_id', 'DG_E_MISSING_FIELD'],
      [6, 'base_amount', 'DG_E_NEGATIVE'],
      [7, 'side', 'DG_E_BAD_SIDE'],
      [8, 'id', 'DG_E_DUPLICATE_ID'],
      [9, 'lock_time', 'DG_E_BAD_TIME'],
      [10, 'quote', 'DG_E_MISSING_FIELD'],
    ]);
    expect(r.rejected[5].errors.map((e) => e.field)).toEqual(['quote', 'base_amount', 'price', 'lock_time']);
    const locks = await store.loadLocks();
    expect(locks.map((l) => l.lockTime)).toEqual([MS, MS, MS, MS]);
    expect(seen.at(-1)).toBe(1);
    // Re-importing the same file changes nothing and reports the same bad rows.
    const again = await importFile(store, file, 'lock');
    expect(again).toMatchObject({ inserted: 0, unchanged: 4 });
    expect(again.rejected).toHaveLength(6);
    await store.close();
  });

  it('refuses an id already stored with different values', async () => {
    const store = await freshStore('conflict');
    const f1 = path.join(dir, 'h1.ndjson');
    const f2 = path.join(dir, 'h2.ndjson');
    const row = {
      id: 'H1',
      client_id: 'C1',
      side: 'buy',
      base: 'BTC',
      quote: 'USDT',
      base_amount: '1',
      avg_price: '100',
      fee: '0.1',
      method: 'twap',
      venue: 'x',
      start_time: MS,
    };
    writeFileSync(f1, JSON.stringify(row) + '\n');
    writeFileSync(f2, JSON.stringify({ ...row, avg_price: '101' }) + '\n{broken\n');
    expect(await importFile(store, f1, 'hedge')).toMatchObject({ inserted: 1, rejected: [] });
    const r = await importFile(store, f2, 'hedge');
    expect(r.rejected.map((x) => [x.row, x.errors[0].code])).toEqual([
      [1, 'DG_E_DUPLICATE_ID'],
      [2, 'DG_E_MALFORMED_JSON'],
    ]);
    expect(formatAmount((await store.loadHedges())[0].avgPrice)).toBe('100');
    await store.close();
  });

  it('reads JSON arrays and {"locks": [...]} documents, numbers included', async () => {
    const store = await freshStore('json');
    const f = path.join(dir, 'locks.json');
    writeFileSync(
      f,
      JSON.stringify({
        locks: [
          {
            id: 'J1',
            client_id: 7,
            side: 'buy',
            symbol: 'ETH-USDT',
            base_amount: 0.1,
            price: 3000.25,
            lock_time: '2026-03-01T04:30:00.000-00:00',
          },
          5,
        ],
      }),
    );
    const r = await importFile(store, f, 'lock');
    expect(r.inserted).toBe(1);
    expect(r.rejected).toEqual([
      { row: 2, errors: [{ field: '(row)', code: 'DG_E_BAD_INPUT', message: 'row is not an object' }] },
    ]);
    const [l] = await store.loadLocks();
    expect([l.clientId, l.base, formatAmount(l.baseAmount), formatAmount(l.price), l.lockTime]).toEqual([
      '7',
      'ETH',
      '0.1',
      '3000.25',
      MS,
    ]);
    await store.close();
  });
});

describe('PostgreSQL source (S2.1)', () => {
  const schema = uniqueSchema('src');
  beforeAll(async () => {
    await pgExec(`CREATE SCHEMA ${schema}`);
    await pgExec(
      `CREATE TABLE ${schema}.otc_lock (order_no text, cust text, direction text, base_coin text, quote_coin text, qty numeric, px numeric, quoted_at timestamptz, locked_at timestamp)`,
    );
    await pgExec(
      `CREATE TABLE ${schema}.otc_hedge (id text, client_id text, side text, base text, quote text, base_amount numeric, average_price numeric, fee numeric, method text, exchange text, start_ms bigint, end_ms bigint)`,
    );
    await pgExec(
      `INSERT INTO ${schema}.otc_lock VALUES
        ('P1','C1','buy','BTC','USDT',0.5,60000.5,'2026-03-01 12:29:00+08','2026-03-01 04:30:00'),
        ('P2','C1','sell','BTC','USDT',-1,60000,'2026-03-01 04:29:00+00','2026-03-01 04:30:00'),
        ('P3',NULL,'sell','BTC','USDT',1,60000,NULL,'2026-03-01 04:31:00')`,
    );
    await pgExec(
      `INSERT INTO ${schema}.otc_hedge VALUES
        ('Q1','C1','buy','BTC','USDT',0.5,60000.1,0.3,'twap','binance',$1,$2),
        ('Q2','C1','buy','BTC','USDT',0.5,60000.1,0.3,'teleport','binance',$1,$2)`,
      [String(MS + 5000), String(MS + 9000)],
    );
  });
  afterAll(async () => dropSchema(schema));

  it('maps columns, reads timestamptz with its offset and naive timestamps as UTC, and reports bad rows', async () => {
    const store = await freshStore('pgsrc');
    const r = await importFromPostgres(
      store,
      {
        url: PG_URL,
        naiveTime: 'utc',
        locks: {
          table: `${schema}.otc_lock`,
          columns: {
            id: 'order_no',
            client_id: 'cust',
            side: 'direction',
            base_amount: 'qty',
            price: 'px',
            quote_time: 'quoted_at',
            lock_time: 'locked_at',
          },
        },
        hedges: {
          query: `SELECT id, client_id, side, base, quote, base_amount, average_price, fee, method, exchange, start_ms AS start_time, end_ms AS end_time FROM ${schema}.otc_hedge WHERE start_ms >= $1 ORDER BY id`,
          columns: {},
        },
      },
      MS,
    );
    expect(r.locks.inserted).toBe(1);
    expect(r.locks.rejected.map((x) => [x.row, x.errors[0].field, x.errors[0].code])).toEqual([
      [2, 'base_amount', 'DG_E_NEGATIVE'],
      [3, 'client_id', 'DG_E_MISSING_FIELD'],
    ]);
    expect(r.hedges.inserted).toBe(1);
    expect(r.hedges.rejected.map((x) => x.errors[0].code)).toEqual(['DG_E_BAD_METHOD']);
    const [l] = await store.loadLocks();
    expect([l.quoteTime, l.lockTime, formatAmount(l.price)]).toEqual([MS - 60_000, MS, '60000.5']);
    const [h] = await store.loadHedges();
    expect([h.startTime, h.venue, formatAmount(h.fee)]).toEqual([MS + 5000, 'binance', '0.3']);
    await store.close();
  });

  it('reports a database that is down as DG_E_SOURCE_DOWN', async () => {
    const store = await freshStore('pgdown');
    const port = await closedPort();
    const err = await importFromPostgres(store, {
      url: `postgres://postgres@127.0.0.1:${port}/test`,
      naiveTime: 'utc',
      locks: { table: 'x', columns: {} },
      hedges: { table: 'y', columns: {} },
    }).catch((e: unknown) => e);
    expect(isDeskgateError(err) && err.code).toBe('DG_E_SOURCE_DOWN');
    await store.close();
  });
});
