/**
 * `npm run bench -- ledger`: what a strategy process pays to learn its balance, and what a strategy
 * command costs end to end, on a running GatewayKernel (SimVenue, journal in a SQLite WAL file).
 *
 *   shm_read_ns_p50/p99   the fastest reader a strategy gets from openBalanceReader(): with the mmap
 *                         addon built (native/shm-map), MappedShmReader.readCell('USDT', 2) — a
 *                         seqlock read of that one cell straight from the mapping, no system call,
 *                         no CRC, no decode of other rows; without it (or DESKGATE_NO_MMAP=1), the
 *                         pread reader's readCell. shm_read_mmap says which: 1 = mmap, 0 = pread.
 *                         (Before the addon this key measured the pread whole-snapshot read, now
 *                         shm_pread_snapshot_ns_*.) Each sample includes ~70-80 ns of hrtime.
 *   shm_read_batch_mean_ns  the same readCell, mean of 200 000 back-to-back calls timed as one batch
 *                         (no per-call timer overhead)
 *   redis_get_ns_p50/p99  the same value (decimal text) read from Redis with ioredis GET (baseline),
 *                         one awaited GET per sample, loopback
 *   shm_vs_redis_p50      redis_get_ns_p50 / shm_read_ns_p50
 *   shm_cell_read_ns_p50/p99  ShmBalanceReader.readCell('USDT', 2): pread seq, pread the body up to
 *                         the cell, pread seq (seqlock only, no CRC) — the fallback's single-cell path
 *   shm_cell_vs_redis_p50 redis_get_ns_p50 / shm_cell_read_ns_p50
 *   shm_pread_snapshot_ns_p50/p99  ShmBalanceReader.balance('USDT', 2): a whole-table pread snapshot
 *                         (seqlock + CRC-32 + decode of every row), one per sample
 *   shm_mmap_snapshot_ns_p50/p99   MappedShmReader.read(): the same whole-table snapshot copied
 *                         from the mapping (seqlock + CRC-32 + decode); -1 when the addon is absent
 *   order_rtt_us_p50/p99  strategy `place` command over the LOCAL bus (LocalHub: same JSON encoding
 *                         and validation as Redis/NATS) → kernel (validate, journal, reserve, OMS) →
 *                         SimVenue → the venue's acceptance → the `order` event (state open) back on
 *                         the bus and the command reply; 10 000 orders, one at a time
 *   order_rtt_redis_us_p50/p99  the same over Redis (RedisBus + RedisCommandClient), 1 000 orders
 */
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { LocalHub } from '../src/bus/local-bus.js';
import { RedisBus } from '../src/bus/redis-bus.js';
import { RedisCommandClient } from '../src/bus/redis-client.js';
import type { Bus, CommandClient } from '../src/bus/bus.js';
import type { BusEvent } from '../src/bus/wire.js';
import { formatReading, ShmBalanceReader } from '../src/ledger/shm-reader.js';
import { MappedShmReader, openBalanceReader } from '../src/ledger/shm-mapped-reader.js';
import { GatewayKernel } from '../src/gateway/kernel.js';
import { Journal } from '../src/store/journal.js';
import { SimVenue } from '../src/venue/sim-venue/sim-venue.js';
import { GW, makeEngine, removeTempDirs, tempDir } from '../test/gateway/support.js';

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function orderRtt(
  log: (l: string) => void,
  kernel: GatewayKernel,
  bus: Bus,
  client: CommandClient,
  gateway: string,
  n: number,
  strategy: string,
): Promise<number[]> {
  let waiting: { id: string | undefined; done: () => void } | undefined;
  const opened = new Set<string>();
  const sub = await bus.subscribe(['order'], (e: BusEvent) => {
    const d = e.data as { clientId: string; state: string };
    if (d.state !== 'open') return;
    opened.add(d.clientId);
    if (waiting && waiting.id === d.clientId) waiting.done();
  });
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const price = (50_000 + (i % 500) / 10).toFixed(1);
    const t0 = process.hrtime.bigint();
    const r = await client.sendCommand(gateway, 'place', {
      strategy,
      instrument: 'BTC-USDT',
      side: 'buy',
      price,
      size: '0.00001',
    });
    if (!r.ok) throw new Error(`place failed: ${r.code} ${r.message}`);
    const id = (r.result as { clientId: string }).clientId;
    if (!opened.has(id)) {
      await new Promise<void>((resolve) => {
        waiting = { id, done: resolve };
      });
    }
    opened.delete(id);
    samples.push(Number(process.hrtime.bigint() - t0) / 1000);
    if ((i + 1) % 2500 === 0) log(`${bus.transport}: ${i + 1}/${n} orders`);
  }
  await sub.close();
  void kernel;
  return samples.sort((a, b) => a - b);
}

export async function run(log: (line: string) => void): Promise<Record<string, number>> {
  const dir = tempDir('ledger-bench');
  const engine = makeEngine();
  engine.depositText(GW, 'USDT', '1000000');
  const venue = new SimVenue({ engine, account: GW });
  const journal = new Journal({ file: join(dir, 'journal.db') });
  const hub = new LocalHub();
  const gateway = `bench_${process.pid}`;
  const local = hub.bus(gateway);
  const redisBus = await RedisBus.connect({ gateway });
  const shmPath = join(dir, 'balances.shm');
  const kernel = new GatewayKernel({
    name: gateway,
    venue,
    journal,
    buses: [local, redisBus],
    shmPath,
    strategies: { bench: 2, rbench: 3 },
    settleMs: 5,
  });
  const started = await kernel.start();
  if (!started.ok) throw started.error;
  const serveLocal = await local.serveCommands(kernel.handler);
  const serveRedis = await redisBus.serveCommands(kernel.handler);
  const localClient = hub.client();
  for (const s of ['bench', 'rbench']) {
    const r = await localClient.sendCommand(gateway, 'allocate', {
      strategy: s,
      cmd: 'allocate',
      currency: 'USDT',
      amount: '20000',
      index: s === 'bench' ? 2 : 3,
    });
    if (!r.ok) throw new Error(r.message);
  }

  // Order round trips: local bus, then Redis.
  const local10k = await orderRtt(log, kernel, local, localClient, gateway, 10_000, 'bench');
  const redisClient = await RedisCommandClient.connect({});
  const redis1k = await orderRtt(log, kernel, redisBus, redisClient, gateway, 1_000, 'rbench');
  await redisClient.close();

  // Balance reads: shm (the kernel's file) vs Redis GET of the same value.
  await new Promise((r) => setImmediate(r));
  const reader = ShmBalanceReader.open(shmPath);
  const reading = reader.balance('USDT', 2)!;
  const text = formatReading(reading).total;
  const redis = new Redis('redis://127.0.0.1:6379', { lazyConnect: false });
  const key = `deskgate:${gateway}:balance:USDT:2`;
  await redis.set(key, text);
  if ((await redis.get(key)) !== text) throw new Error('redis value mismatch');
  const N = 20_000;
  /** N timed calls of `read` after a warm-up; each must return the published total. */
  const sample = (read: () => bigint | undefined): number[] => {
    for (let i = 0; i < 2000; i++) read();
    const out: number[] = [];
    for (let i = 0; i < N; i++) {
      const t0 = process.hrtime.bigint();
      const v = read();
      out.push(Number(process.hrtime.bigint() - t0));
      if (v !== reading.total) throw new Error('shm value changed');
    }
    return out.sort((a, b) => a - b);
  };
  const fastest = openBalanceReader(shmPath);
  log(`fastest reader: ${fastest.kind}`);
  const shm = sample(() => fastest.readCell('USDT', 2)?.total);
  // per-sample timing costs ~70-80 ns of hrtime itself: also time 200 000 reads in one batch
  const B = 200_000;
  let bad = 0;
  const tb = process.hrtime.bigint();
  for (let i = 0; i < B; i++) if (fastest.readCell('USDT', 2)?.total !== reading.total) bad++;
  const batchNs = Number(process.hrtime.bigint() - tb) / B;
  if (bad > 0) throw new Error('shm value changed');
  const cell = sample(() => reader.readCell('USDT', 2)?.total);
  const snap = sample(() => reader.balance('USDT', 2)?.total);
  let mmapSnap: number[] = [-1];
  if (fastest instanceof MappedShmReader) {
    mmapSnap = sample(() => fastest.read().rows.find((r) => r.currency === 'USDT')?.cells[2].total);
  }
  for (let i = 0; i < 500; i++) await redis.get(key);
  const rg: number[] = [];
  for (let i = 0; i < 5000; i++) {
    const t0 = process.hrtime.bigint();
    const v = await redis.get(key);
    rg.push(Number(process.hrtime.bigint() - t0));
    if (v !== text) throw new Error('redis value changed');
  }
  rg.sort((a, b) => a - b);
  fastest.close();
  reader.close();
  await redis.del(key);
  redis.disconnect();

  await serveLocal.close();
  await serveRedis.close();
  await kernel.stop();
  await redisBus.close();
  await local.close();
  await venue.close();
  journal.close();

  const results = {
    shm_read_ns_p50: pct(shm, 50),
    shm_read_ns_p99: pct(shm, 99),
    shm_read_mmap: fastest.kind === 'mmap' ? 1 : 0,
    shm_read_batch_mean_ns: Math.round(batchNs * 10) / 10,
    redis_get_ns_p50: pct(rg, 50),
    redis_get_ns_p99: pct(rg, 99),
    shm_vs_redis_p50: Math.round((pct(rg, 50) / pct(shm, 50)) * 10) / 10,
    shm_cell_read_ns_p50: pct(cell, 50),
    shm_cell_read_ns_p99: pct(cell, 99),
    shm_cell_vs_redis_p50: Math.round((pct(rg, 50) / pct(cell, 50)) * 10) / 10,
    shm_pread_snapshot_ns_p50: pct(snap, 50),
    shm_pread_snapshot_ns_p99: pct(snap, 99),
    shm_mmap_snapshot_ns_p50: pct(mmapSnap, 50),
    shm_mmap_snapshot_ns_p99: pct(mmapSnap, 99),
    order_rtt_us_p50: Math.round(pct(local10k, 50)),
    order_rtt_us_p99: Math.round(pct(local10k, 99)),
    order_rtt_redis_us_p50: Math.round(pct(redis1k, 50)),
    order_rtt_redis_us_p99: Math.round(pct(redis1k, 99)),
    orders_local: local10k.length,
    orders_redis: redis1k.length,
  };
  log(`balance ${text} USDT (slot 2)`);
  removeTempDirs();
  return results;
}
