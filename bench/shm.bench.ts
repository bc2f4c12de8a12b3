/**
 * `npm run bench -- shm`: publishing and reading the shared-memory balances, against the
 * obvious baseline of a JSON file replaced atomically (write temp + rename) and read back with
 * readFileSync + JSON.parse. Same table for both: 10 currencies × 10 slots from a real SubAccounts
 * ledger after some activity, in the same run, in one process (no concurrent writer).
 *
 *   shm_publish_per_s        ShmBalanceWriter.publish (seqlock: 3 pwrites, CRC-32 of the body)
 *   json_publish_per_s       JSON.stringify + writeFileSync(tmp) + renameSync
 *   shm_read_per_s           ShmBalanceReader.read (3 preads, CRC check, decode to bigints)
 *   json_read_per_s          readFileSync + JSON.parse (strings, no consistency check needed)
 *   ledger_cycle_per_s       reserve + settleFill + releaseReservation on SubAccounts (bigint)
 *   table_snapshot_per_s     SubAccounts.table() (what the publisher takes per publish)
 */
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CurrencyBook } from '../src/ledger/currencies.js';
import { ShmBalanceReader } from '../src/ledger/shm-reader.js';
import { ShmBalanceWriter } from '../src/ledger/shm-writer.js';
import { SubAccounts } from '../src/ledger/sub-accounts.js';

const CURRENCIES = ['USDT', 'BTC', 'ETH', 'SOL', 'XRP', 'BNB', 'ADA', 'DOGE', 'TRX', 'DOT'];

function timed(ms: number, op: () => void): number {
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < ms) {
    for (let i = 0; i < 100; i++) op();
    n += 100;
    t = performance.now();
  }
  return Math.round((n * 1000) / (t - t0));
}

export async function run(log: (line: string) => void): Promise<Record<string, number>> {
  const scales: Record<string, number> = {};
  for (const c of CURRENCIES) scales[c] = c === 'ETH' ? 18 : c === 'USDT' ? 6 : 8;
  const sub = new SubAccounts(new CurrencyBook(scales), { strategyCount: 8 });
  for (let i = 0; i < 8; i++) sub.registerStrategy(`s${i}`);
  sub.initFromVenue({ ts: 0, balances: CURRENCIES.map((c) => ({ currency: c, free: 10n ** 20n, frozen: 0n })) });
  for (const c of CURRENCIES) for (let i = 0; i < 8; i++) sub.allocate(`s${i}`, c, 10n ** 15n * BigInt(i + 1), i + 2);
  const table = sub.table();

  let shmPublish: number;
  let jsonPublish: number;
  let shmRead: number;
  let jsonRead: number;
  const dir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'deskgate-bench-'));
  try {
    const path = join(dir, 'bench.bal');
    const writer = ShmBalanceWriter.create(path, { slotCount: sub.slotCount, maxCurrencies: 16, exchange: 'bench' });
    let ts = 0;
    shmPublish = timed(1000, () => {
      writer.publish(table, ts++);
    });
    log(`shm publish: ${shmPublish}/s`);
    const jsonPath = join(dir, 'bench.json');
    const jsonTable = JSON.stringify({ ts, rows: table.rows }, (_k, v: unknown) =>
      typeof v === 'bigint' ? v.toString() : v,
    );
    jsonPublish = timed(1000, () => {
      const text = JSON.stringify({ ts: ts++, rows: table.rows }, (_k, v: unknown) =>
        typeof v === 'bigint' ? v.toString() : v,
      );
      writeFileSync(`${jsonPath}.tmp`, text);
      renameSync(`${jsonPath}.tmp`, jsonPath);
    });
    log(`json publish: ${jsonPublish}/s (${jsonTable.length} bytes)`);

    const reader = ShmBalanceReader.open(path);
    shmRead = timed(1000, () => {
      reader.read();
    });
    log(`shm read: ${shmRead}/s, retries ${reader.retries}`);
    jsonRead = timed(1000, () => {
      JSON.parse(readFileSync(jsonPath, 'utf8'));
    });
    log(`json read: ${jsonRead}/s`);
    reader.close();
    writer.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  let k = 0;
  const cycle = timed(1000, () => {
    const key = `o${k++}`;
    sub.reserve('s0', 'USDT', 1_000_000000n, key);
    sub.settleFill({
      tradeId: key,
      orderKey: key,
      side: 'buy',
      base: 'BTC',
      quote: 'USDT',
      baseAmount: 1000000n,
      quoteAmount: 300_000000n,
      fee: 1000n,
      feeCurrency: 'BTC',
      ts: k,
    });
    sub.releaseReservation(key);
  });
  log(`ledger reserve+fill+release: ${cycle}/s`);
  const snap = timed(500, () => {
    sub.table();
  });
  return {
    shm_publish_per_s: shmPublish,
    json_publish_per_s: jsonPublish,
    shm_read_per_s: shmRead,
    json_read_per_s: jsonRead,
    ledger_cycle_per_s: cycle,
    table_snapshot_per_s: snap,
  };
}
