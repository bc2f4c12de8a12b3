/**
 * Round trip: the sim's KuCoin L3 v2 WebSocket feed over a real socket → KucoinL3Decoder →
 * BookSync (with the signed L3 REST snapshot) → L3Book equals the engine's book order by order
 * (FIFO within each price) after thousands of events, with a forced disconnect + resubscribe and
 * a dropped frame (sequence gap ⇒ resync) in the middle.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import type { L3Event } from '../../src/core/events.js';
import { L3Book } from '../../src/book/l3-book.js';
import type { BookSync } from '../../src/feeds/book-sync.js';
import { KucoinL3Decoder } from '../../src/feeds/kucoin-l3.js';
import { snapshotFetcher } from '../../src/feeds/snapshot-fetcher.js';
import { POLICIES } from '../../src/feeds/sync-policy.js';
import { createL3Sync } from '../../src/feeds/sync-targets.js';
import type { L3Snapshot } from '../../src/core/events.js';
import type { SimEngine } from '../../src/venue/sim/engine.js';
import { kcSignHeaders, startSimServer, type SimServer } from '../../src/venue/sim/server/index.js';
import { connectTopic, makeEngine, TestFlow, TRADER } from './support.js';

const SYMBOL = 'BTC-USDT';
let engine: SimEngine;
let srv: SimServer;

beforeAll(async () => {
  engine = makeEngine(systemClock, 3);
  srv = await startSimServer({ engine, apiKeys: [TRADER] });
});
afterAll(async () => {
  await srv.close();
});

const tick = () => new Promise<void>((r) => setTimeout(r, 2));

describe('sim L3 feed round trip through KucoinL3Decoder + BookSync', () => {
  it('reproduces the engine book exactly across a disconnect and a gap', async () => {
    const inst = engine.market(SYMBOL)!.instrument;
    const decoder = new KucoinL3Decoder(inst);
    const book = new L3Book();
    const fetcher = snapshotFetcher<L3Event, L3Snapshot>(async () => {
      const r = await fetch(`${srv.url}/api/v3/market/orderbook/level3?symbol=${SYMBOL}`, {
        headers: kcSignHeaders(TRADER, 'GET', `/api/v3/market/orderbook/level3?symbol=${SYMBOL}`, '', Date.now()),
      });
      return decoder.decodeSnapshot(await r.text());
    });
    const sync: BookSync<L3Event, L3Snapshot> = createL3Sync(book, {
      policy: POLICIES.kucoinL3,
      clock: systemClock,
      onNeedSnapshot: fetcher.onNeed,
    });
    fetcher.bind(sync);

    let frames = 0;
    let dropNext = false;
    const onFrame = (text: string) => {
      frames++;
      if (dropNext) {
        dropNext = false; // lose one frame on purpose: a sequence gap
        return;
      }
      sync.onMessage(decoder.decode(text));
    };

    const flow = new TestFlow(engine, SYMBOL, 99);
    flow.seed(50); // book has orders before anyone subscribes: the snapshot must carry them
    let ws = await connectTopic(srv.url, `/spotMarket/level3:${SYMBOL}`, onFrame);

    const startSeq = engine.seq(SYMBOL);
    for (let round = 0; round < 120; round++) {
      for (let i = 0; i < 25; i++) flow.step();
      await tick();
      if (round === 40) dropNext = true;
      if (round === 80) {
        // forced disconnect from the server side; events keep happening while we are away
        const closed = new Promise<void>((r) => ws.once('close', () => r()));
        srv.dropConnections();
        await closed;
        sync.reset();
        for (let i = 0; i < 200; i++) flow.step();
        ws = await connectTopic(srv.url, `/spotMarket/level3:${SYMBOL}`, onFrame);
      }
    }
    // settle: wait until the local book has caught up with the engine's last sequence
    const target = engine.seq(SYMBOL);
    const deadline = Date.now() + 20_000;
    while (!(sync.live && sync.seq === target && !fetcher.inFlight) && Date.now() < deadline) {
      sync.poll(); // a snapshot request that failed is retried on the next input
      await tick();
    }
    ws.close();
    const status = JSON.stringify(sync.status());

    expect(target - startSeq).toBeGreaterThan(5000);
    expect(frames).toBeGreaterThan(4000);
    expect(sync.live, status).toBe(true);
    expect(sync.seq).toBe(target);
    expect(sync.counters.gaps).toBeGreaterThanOrEqual(1);
    expect(sync.counters.snapshotsApplied).toBeGreaterThanOrEqual(3); // start, after the gap, after the reconnect
    const mine = book.snapshot();
    const truth = engine.l3Snapshot(SYMBOL);
    const strip = (rows: ReadonlyArray<{ orderId: string; price: number; size: number }>) =>
      rows.map((o) => [o.orderId, o.price, o.size]);
    expect(truth.bids.length + truth.asks.length).toBeGreaterThan(50);
    // compare as text and report the first difference only (a diff of thousands of rows is huge)
    const firstDiff = (a: unknown[][], b: unknown[][]) => {
      const n = Math.max(a.length, b.length);
      for (let i = 0; i < n; i++)
        if (JSON.stringify(a[i]) !== JSON.stringify(b[i]))
          return { i, mine: a[i], truth: b[i], lengths: [a.length, b.length] };
      return undefined;
    };
    expect(firstDiff(strip(mine.bids), strip(truth.bids))).toBeUndefined();
    expect(firstDiff(strip(mine.asks), strip(truth.asks))).toBeUndefined();
    expect(book.bestBid()).toBe(engine.bestBid(SYMBOL));
    expect(book.bestAsk()).toBe(engine.bestAsk(SYMBOL));
  });
});
