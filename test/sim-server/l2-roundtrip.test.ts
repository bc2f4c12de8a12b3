/**
 * Round trip: the sim's `/market/level2` feed over a real socket → deskgate's KucoinL2Decoder →
 * BookSync with the signed v3 L2 REST snapshot → L2Book equals the engine's aggregated book,
 * across a forced disconnect.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { L2Book } from '../../src/book/l2-book.js';
import { systemClock } from '../../src/core/clock.js';
import type { L2Snapshot, L2Update } from '../../src/core/events.js';
import { KucoinL2Decoder, decodeKucoinL2Snapshot } from '../../src/feeds/kucoin-l2.js';
import { snapshotFetcher } from '../../src/feeds/snapshot-fetcher.js';
import { POLICIES } from '../../src/feeds/sync-policy.js';
import { createL2Sync } from '../../src/feeds/sync-targets.js';
import type { SimEngine } from '../../src/venue/sim/engine.js';
import { kcSignHeaders, startSimServer, type SimServer } from '../../src/venue/sim/server/index.js';
import { connectTopic, makeEngine, TestFlow, TRADER } from './support.js';

const SYMBOL = 'ETH-USDT';
let engine: SimEngine;
let srv: SimServer;

beforeAll(async () => {
  engine = makeEngine(systemClock, 4);
  srv = await startSimServer({ engine, apiKeys: [TRADER] });
});
afterAll(async () => {
  await srv.close();
});

const tick = () => new Promise<void>((r) => setTimeout(r, 2));

describe('sim L2 feed round trip through KucoinL2Decoder + BookSync', () => {
  it('reproduces the engine price levels exactly across a disconnect', async () => {
    const inst = engine.market(SYMBOL)!.instrument;
    const decoder = new KucoinL2Decoder((native) => (native === SYMBOL ? inst : undefined));
    const book = new L2Book();
    const path = `/api/v3/market/orderbook/level2?symbol=${SYMBOL}`;
    const fetcher = snapshotFetcher<L2Update, L2Snapshot>(async () => {
      const r = await fetch(srv.url + path, { headers: kcSignHeaders(TRADER, 'GET', path, '', Date.now()) });
      return decodeKucoinL2Snapshot(await r.text(), inst);
    });
    const sync = createL2Sync(book, { policy: POLICIES.kucoinL2, clock: systemClock, onNeedSnapshot: fetcher.onNeed });
    fetcher.bind(sync);
    const onFrame = (text: string) => {
      for (const ev of decoder.decode(text)) if (ev.kind === 'l2') sync.onMessage(ev.update);
    };

    const flow = new TestFlow(engine, SYMBOL, 77);
    flow.seed(40);
    let ws = await connectTopic(srv.url, `/market/level2:${SYMBOL}`, onFrame);
    const startSeq = engine.seq(SYMBOL);
    for (let round = 0; round < 60; round++) {
      for (let i = 0; i < 25; i++) flow.step();
      await tick();
      if (round === 30) {
        const closed = new Promise<void>((r) => ws.once('close', () => r()));
        srv.dropConnections();
        await closed;
        sync.reset();
        for (let i = 0; i < 100; i++) flow.step();
        ws = await connectTopic(srv.url, `/market/level2:${SYMBOL}`, onFrame);
      }
    }
    const target = engine.seq(SYMBOL);
    const deadline = Date.now() + 20_000;
    while (!(sync.live && sync.seq === target && !fetcher.inFlight) && Date.now() < deadline) {
      sync.poll();
      await tick();
    }
    ws.close();
    expect(target - startSeq).toBeGreaterThan(2000);
    expect(decoder.errors.count()).toBe(0);
    expect(sync.live, JSON.stringify(sync.status())).toBe(true);
    expect(sync.seq).toBe(target);
    const truth = engine.l2Snapshot(SYMBOL, 100_000);
    const firstDiff = (a: number[][], b: number[][]) => {
      const n = Math.max(a.length, b.length);
      for (let i = 0; i < n; i++)
        if (String(a[i]) !== String(b[i])) return { i, mine: a[i], truth: b[i], lengths: [a.length, b.length] };
      return undefined;
    };
    expect(firstDiff(book.levels(0, 100_000), truth.bids)).toBeUndefined();
    expect(firstDiff(book.levels(1, 100_000), truth.asks)).toBeUndefined();
  });
});
