import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { parseDeskConfig } from '../../src/desk/config.js';
import { OutboxDelivery } from '../../src/desk/deliver.js';
import { runMatch } from '../../src/desk/service.js';
import { synthDesk, type SynthData } from '../../src/desk/synth.js';
import { DeskWatcher } from '../../src/desk/watcher.js';
import type { WashAlert } from '../../src/desk/alerts.js';
import { DingTalkNotifier } from '../../src/notify/dingtalk.js';
import { PgOtcStore } from '../../src/store/otc-pg.js';
import { SqliteOtcStore } from '../../src/store/otc-sqlite.js';
import type { OtcStore } from '../../src/store/otc-store.js';
import { runWatchLoop } from '../../src/desk/watch-loop.js';
import { dropSchema, PG_URL, uniqueSchema } from './pg-support.js';
import { closedPort, TestReceiver, type SeenRequest } from '../notify/receiver.js';

const dir = mkdtempSync(path.join(tmpdir(), 'dg-watch-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const NOW = Date.UTC(2026, 3, 10, 12, 0, 0);
const TOKEN = 'watch-token';
const SECRET = 'SECwatch-secret';

/** A DingTalk robot: verifies the signature, 20 messages/min (130101), optional outage (HTTP 502). */
class Robot {
  readonly rx: TestReceiver;
  down = false;
  sends: number[] = [];
  constructor(private readonly clock: ManualClock) {
    this.rx = new TestReceiver((r) => this.handle(r));
  }
  texts(): string[] {
    return this.rx.requests
      .filter((_, i) => this.ok[i])
      .map((r) => (JSON.parse(r.body) as { markdown: { text: string } }).markdown.text);
  }
  private ok: boolean[] = [];
  private handle(r: SeenRequest): { status?: number; body: unknown } {
    const fail = (status: number, body: unknown) => {
      this.ok.push(false);
      return { status, body };
    };
    if (this.down) return fail(502, 'bad gateway');
    const ts = r.url.searchParams.get('timestamp') ?? '';
    const sign = r.url.searchParams.get('sign');
    if (
      r.url.searchParams.get('access_token') !== TOKEN ||
      sign !== createHmac('sha256', SECRET).update(`${ts}\n${SECRET}`).digest('base64')
    ) {
      return fail(200, { errcode: 310000, errmsg: 'sign not match' });
    }
    const now = this.clock.now();
    this.sends = this.sends.filter((t) => t > now - 60_000);
    if (this.sends.length >= 20)
      return fail(200, { errcode: 130101, errmsg: 'send too fast, exceed 20 times per minute' });
    this.sends.push(now);
    this.ok.push(true);
    return { status: 200, body: { errcode: 0, errmsg: 'ok' } };
  }
}

const robots: Robot[] = [];
afterEach(async () => {
  await Promise.all(robots.splice(0).map((r) => r.rx.stop()));
});

const pgSchema = uniqueSchema('watch');
afterAll(async () => dropSchema(pgSchema));

type StoreKind = 'sqlite' | 'postgres';

async function setup(
  name: string,
  clock: ManualClock,
  extraCfg: Record<string, unknown> = {},
  kind: StoreKind = 'sqlite',
) {
  const robot = new Robot(clock);
  robots.push(robot);
  const url = await robot.rx.start();
  const cfg = parseDeskConfig({
    anomaly: { minHistory: 30 },
    notify: {
      language: 'en',
      retryBase: '10s',
      channels: [{ type: 'dingtalk', name: 'ding', baseUrl: url, accessToken: TOKEN, secret: SECRET }],
    },
    ...extraCfg,
  });
  const file = path.join(dir, `${name}.sqlite`);
  const open = async () => {
    const store: OtcStore =
      kind === 'sqlite' ? new SqliteOtcStore(file) : new PgOtcStore({ connectionString: PG_URL, schema: pgSchema });
    await store.init();
    const notifier = new DingTalkNotifier({ name: 'ding', baseUrl: url, accessToken: TOKEN, secret: SECRET }, clock);
    return { store, watcher: new DeskWatcher(store, cfg, [notifier], clock) };
  };
  return { robot, cfg, open };
}

function data(seed: number): { d: SynthData; hist: SynthData; fresh: SynthData } {
  const d = synthDesk({ seed, locks: 1500, startMs: NOW - 10 * 86_400_000, endMs: NOW, newLocks: 60, clients: 12 });
  const hist = {
    ...d,
    locks: d.locks.slice(0, d.newFromIndex),
    hedges: d.hedges.filter((h) => h.startTime < d.newFromMs),
  };
  const fresh = {
    ...d,
    locks: d.locks.slice(d.newFromIndex),
    hedges: d.hedges.filter((h) => h.startTime >= d.newFromMs),
  };
  return { d, hist, fresh };
}

/** Alert identities in delivered messages: "lock <id>" lines of anomalies, "<id> client" lines of wash pairs. */
function alertIds(texts: string[]): string[] {
  const out: string[] = [];
  for (const t of texts) {
    for (const m of t.matchAll(/^- lock (\S+) ·/gm)) out.push(`anomaly:${m[1]}`);
    for (const m of t.matchAll(
      /^\*\*Wash\/arbitrage, (same client|cross-client)[^\n]*\*\*\n\n- (\S+) client[^\n]*\n- (\S+) client/gm,
    ))
      out.push(`wash:${m[2]}:${m[3]}`);
  }
  return out;
}

describe('desk watcher (S2.6)', () => {
  it.each(['sqlite', 'postgres'] as const)(
    'alerts each planted case exactly once, across a restart and a notifier outage (%s)',
    async (kind) => {
      const clock = new ManualClock(NOW);
      const { robot, open, cfg } = await setup('once', clock, {}, kind);
      const { d, hist, fresh } = data(21);
      let { store, watcher } = await open();
      await store.putLocks(hist.locks);
      await store.putHedges(hist.hedges);
      await runMatch(store, cfg, clock);
      const first = await watcher.pass();
      expect(first.baseline).toBe(true);
      expect(first.enqueued).toBe(0);

      // New orders arrive while the robot is down: alerts are queued, not lost.
      await store.putLocks(fresh.locks);
      await store.putHedges(fresh.hedges);
      robot.down = true;
      const second = await watcher.pass();
      expect(second.enqueued).toBeGreaterThanOrEqual(d.plantedAnomalies.length + d.plantedWash.length);
      expect(second.delivery.sent).toBe(0);
      expect(second.delivery.errors[0]).toMatch(/DG_E_NOTIFY_UNREACHABLE/);
      expect(second.delivery.errors.join(' ')).not.toContain(SECRET);
      const pending = (await store.outbox()).filter((r) => r.state === 'pending');
      expect(pending).toHaveLength(second.enqueued);

      // Restart: a new process (store + watcher) over the same file; the same pass finds nothing new.
      await store.close();
      ({ store, watcher } = await open());
      const third = await watcher.pass();
      expect(third.enqueued).toBe(0);
      expect(third.delivery.sent).toBe(0); // not due yet: backing off

      robot.down = false;
      clock.advance(10_000);
      const delivered = await watcher.delivery.deliver();
      expect(delivered.failed).toBe(0);
      clock.advance(60_000);
      await watcher.delivery.deliver();
      const rows = await store.outbox();
      expect(rows.every((r) => r.state === 'sent')).toBe(true);
      expect(rows.find((r) => r.attempts >= 2)).toBeDefined();

      const ids = alertIds(robot.texts());
      expect(new Set(ids).size).toBe(ids.length); // nothing twice
      expect(ids).toHaveLength(rows.length); // nothing lost
      for (const p of d.plantedAnomalies) expect(ids).toContain(`anomaly:${p.lockId}`);
      for (const w of d.plantedWash) expect(ids).toContain(`wash:${w.firstId}:${w.secondId}`);

      // Another restart and pass: still nothing sent again.
      await store.close();
      ({ store, watcher } = await open());
      const before = robot.rx.requests.length;
      clock.advance(5 * 60_000);
      expect((await watcher.pass()).enqueued).toBe(0);
      expect(robot.rx.requests.length).toBe(before);
      await store.close();
    },
  );

  it('merges alerts to stay within DingTalk 20 messages/min and waits out a 130101 block', async () => {
    const clock = new ManualClock(NOW);
    const { robot, open } = await setup('rate', clock);
    const { store } = await open();
    const notifier = new DingTalkNotifier(
      { name: 'ding', baseUrl: robot.rx.baseUrl, accessToken: TOKEN, secret: SECRET },
      clock,
    );
    const delivery = new OutboxDelivery(store, [notifier], clock, {
      language: 'zh',
      retryBaseMs: 10_000,
      retryMaxMs: 3_600_000,
      maxPerMessage: 20,
    });
    const wash = (i: number): WashAlert => ({
      type: 'wash',
      kind: 'same_client',
      symbol: 'BTC/USDT',
      amount: '1',
      gapMs: 1000,
      first: { id: `A${i}`, clientId: 'C1', side: 'buy', price: '1', lockTime: NOW },
      second: { id: `B${i}`, clientId: 'C1', side: 'sell', price: '1', lockTime: NOW + 1000 },
    });
    const rows = (from: number, n: number) =>
      Array.from({ length: n }, (_, k) => ({
        key: `wash:${from + k}`,
        channel: 'ding',
        kind: 'wash',
        payload: JSON.stringify(wash(from + k)),
        createdAt: clock.now(),
      }));
    await store.commitPass({ name: 'x', lockSeq: 0, matchSeq: 0, updatedAt: NOW }, rows(0, 45));
    const r1 = await delivery.deliver();
    expect(r1).toMatchObject({ sent: 45, failed: 0 });
    expect(r1.messages).toBeLessThanOrEqual(20);
    expect(robot.sends).toHaveLength(r1.messages);

    // The minute is used up: 30 more wait, then go after the window slides.
    await store.commitPass({ name: 'x', lockSeq: 0, matchSeq: 0, updatedAt: NOW }, rows(100, 30));
    expect(await delivery.deliver()).toMatchObject({ sent: 0, deferred: 30, failed: 0 });
    clock.advance(60_001);
    expect(await delivery.deliver()).toMatchObject({ sent: 30, failed: 0 });

    // Someone else exhausts the robot: 130101 ⇒ wait 10 minutes, then deliver.
    await store.commitPass({ name: 'x', lockSeq: 0, matchSeq: 0, updatedAt: NOW }, rows(200, 3));
    clock.advance(60_001);
    robot.sends = Array.from({ length: 20 }, () => clock.now());
    const blocked = await delivery.deliver();
    expect(blocked.errors[0]).toMatch(/DG_E_NOTIFY_RATE_LIMITED/);
    clock.advance(5 * 60_000);
    expect(await delivery.deliver()).toMatchObject({ sent: 0 });
    clock.advance(5 * 60_000 + 1);
    expect(await delivery.deliver()).toMatchObject({ sent: 3 });
    const texts = robot.texts().join('\n');
    for (const i of [0, 44, 100, 129, 200, 202]) expect(texts.match(new RegExp(`^- A${i} `, 'gm'))).toHaveLength(1);
    expect(texts).toContain('同客户对敲');
    await store.close();
  });

  it('keeps working from stored data when the PostgreSQL source is down', async () => {
    const clock = new ManualClock(NOW);
    const port = await closedPort();
    const { open } = await setup('srcdown', clock, {
      source: { url: `postgres://postgres@127.0.0.1:${port}/test`, locks: { table: 'l' }, hedges: { table: 'h' } },
    });
    const { store, watcher } = await open();
    const { hist } = data(5);
    await store.putLocks(hist.locks);
    await store.putHedges(hist.hedges);
    const r = await watcher.pass();
    expect(r.sourceError).toMatch(/DG_E_SOURCE_DOWN/);
    expect(r.baseline).toBe(true);
    expect(r.matched).toBeGreaterThan(0);
    expect(await store.getCursor('default')).toMatchObject({ lockSeq: hist.locks.length });
    await store.close();
  });

  it('runs passes on an interval and delivers between them until stopped', async () => {
    const clock = new ManualClock(NOW);
    const { open } = await setup('loop', clock);
    const { store, watcher } = await open();
    const { hist } = data(9);
    await store.putLocks(hist.locks.slice(0, 200));
    const ac = new AbortController();
    const seen: boolean[] = [];
    const loop = runWatchLoop(watcher, {
      every: 40,
      deliverEvery: 15,
      signal: ac.signal,
      onPass: (r) => seen.push(r.baseline),
      onError: (e) => {
        throw e;
      },
    });
    await new Promise((r) => setTimeout(r, 300));
    ac.abort();
    await loop;
    expect(seen[0]).toBe(true);
    expect(seen.filter((b) => !b).length).toBeGreaterThanOrEqual(1);
    await store.close();
  });
});
