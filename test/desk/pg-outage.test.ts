/**
 * The store database goes down mid-watch: a loopback TCP proxy in front of the real PostgreSQL
 * server is cut and restored. The failing pass must not move the cursor or lose alerts; after
 * recovery every alert is delivered exactly once.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { parseDeskConfig } from '../../src/desk/config.js';
import { runMatch } from '../../src/desk/service.js';
import { synthDesk } from '../../src/desk/synth.js';
import { DeskWatcher } from '../../src/desk/watcher.js';
import { ConsoleNotifier } from '../../src/notify/console.js';
import { PgOtcStore } from '../../src/store/otc-pg.js';
import { dropSchema, PG_URL, uniqueSchema } from './pg-support.js';

class Proxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;
  constructor(private readonly target: { host: string; port: number }) {}
  async start(port = 0): Promise<number> {
    const server = createServer((client) => {
      const upstream = connect(this.target.port, this.target.host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    return this.port;
  }
  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    const s = this.server;
    this.server = undefined;
    if (s) await new Promise<void>((r) => s.close(() => r()));
  }
}

const schema = uniqueSchema('outage');
afterAll(async () => dropSchema(schema));

describe('store outage during watch (PostgreSQL)', () => {
  it('keeps the cursor through a failed pass and alerts exactly once after recovery', async () => {
    const target = new URL(PG_URL);
    const proxy = new Proxy({ host: target.hostname, port: Number(target.port || 5432) });
    const port = await proxy.start();
    const viaProxy = new URL(PG_URL);
    viaProxy.port = String(port);
    const NOW = Date.UTC(2026, 4, 1);
    const clock = new ManualClock(NOW);
    const store = new PgOtcStore({ connectionString: viaProxy.toString(), schema, max: 2 });
    await store.init();
    const printed: string[] = [];
    const cfg = parseDeskConfig({ anomaly: { minHistory: 30 }, notify: { language: 'en' } });
    const watcher = new DeskWatcher(store, cfg, [new ConsoleNotifier((s) => printed.push(s))], clock);
    const d = synthDesk({ seed: 77, locks: 800, startMs: NOW - 5 * 86_400_000, endMs: NOW, newLocks: 40, clients: 8 });
    await store.putLocks(d.locks.slice(0, d.newFromIndex));
    await store.putHedges(d.hedges.filter((h) => h.startTime < d.newFromMs));
    await runMatch(store, cfg, clock);
    expect((await watcher.pass()).baseline).toBe(true);
    const cursor = await store.getCursor('default');
    await store.putLocks(d.locks.slice(d.newFromIndex));
    await store.putHedges(d.hedges.filter((h) => h.startTime >= d.newFromMs));

    await proxy.stop();
    const err = await watcher.pass().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(printed).toEqual([]);

    await proxy.start(port);
    expect(await store.getCursor('default')).toEqual(cursor);
    const r = await watcher.pass();
    expect(r.enqueued).toBeGreaterThanOrEqual(d.plantedAnomalies.length + d.plantedWash.length);
    expect(r.delivery.sent).toBe(r.enqueued);
    expect((await watcher.pass()).enqueued).toBe(0);
    const text = printed.join('\n');
    for (const p of d.plantedAnomalies) expect(text.match(new RegExp(`lock ${p.lockId} `, 'g'))).toHaveLength(1);
    for (const w of d.plantedWash) expect(text.match(new RegExp(`^  ${w.firstId} client`, 'gm'))).toHaveLength(1);
    await store.close();
    await proxy.stop();
  });
});
