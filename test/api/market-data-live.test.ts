/**
 * createLiveMarketData (src/api/market-data-live.ts) over a real deployment shape: CcxtVenue
 * (ccxt.pro kucoin) against the sim's KuCoin server, its book synced from the WebSocket L3 feed.
 * The ticker must show the engine's live best bid / ask and its 24 h stats, and answer without any
 * REST ticker call (fetchTicker spied) or new connection once its feeds are in.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import { createCcxtMarketData } from '../../src/api/market-data-ccxt.js';
import { createLiveMarketData, type LiveMarketData } from '../../src/api/market-data-live.js';
import { CcxtVenue } from '../../src/venue/ccxt/ccxt-venue.js';
import type { SimEngine } from '../../src/venue/sim/engine.js';
import { pointCcxtProKucoinAt } from '../../src/venue/sim/server/ccxt-urls.js';
import { startSimServer, type SimServer } from '../../src/venue/sim/server/index.js';
import { makeEngine, TestFlow, TRADER } from '../sim-server/support.js';

let engine: SimEngine;
let flow: TestFlow;
let sim: SimServer;
let venue: CcxtVenue;
let md: LiveMarketData;

beforeAll(async () => {
  engine = makeEngine(systemClock, 21);
  flow = new TestFlow(engine, 'BTC-USDT', 23);
  flow.seed(30);
  for (let i = 0; i < 200; i++) flow.step();
  sim = await startSimServer({ engine, apiKeys: [TRADER] });
  venue = await CcxtVenue.create({
    exchangeId: 'kucoin',
    credentials: { apiKey: TRADER.key, secret: TRADER.secret, password: TRADER.passphrase },
    ccxtOptions: { enableRateLimit: false },
    configure: (ex) => pointCcxtProKucoinAt(ex as never, sim.url),
    rateLimit: { ratePerSec: 200, burst: 50 },
    symbols: ['BTC/USDT'],
  });
  const up = await venue.connect();
  if (!up.ok) throw up.error;
  md = createLiveMarketData({
    venue,
    exchange: venue.exchange,
    fallback: createCcxtMarketData({ exchange: venue.exchange }),
  });
});
afterAll(async () => {
  md?.close();
  await venue?.close();
  await sim?.close();
});

describe('live market data ticker', () => {
  it('answers from the synced book and the pushed 24 h stats, with no REST call per ticker', async () => {
    const inst = venue.instrument('BTC/USDT')!;
    const fetchTicker = vi.spyOn(venue.exchange, 'fetchTicker');
    const first = md.ticker(inst);
    // the snapshot topic pushes on trades: trade until the first push has arrived
    let settled = false;
    void first.then(() => (settled = true));
    for (let i = 0; i < 2000 && !settled; i++) {
      flow.step();
      await new Promise((r) => setTimeout(r, 2));
    }
    const r = await first;
    if (!r.ok) throw r.error;
    // quiet venue: the book and the last push catch up with the engine, then must equal it
    await vi.waitFor(
      async () => {
        const t = await md.ticker(inst);
        if (!t.ok) throw t.error;
        const e = engine.ticker('BTC-USDT');
        expect([t.value.bid, t.value.ask]).toEqual([e.bestBid, e.bestAsk]);
        expect([t.value.last, t.value.open, t.value.high, t.value.low]).toEqual([
          e.last,
          e.open24h,
          e.high24h,
          e.low24h,
        ]);
        expect(t.value.volume).toBe(e.volume24h);
      },
      { timeout: 10_000, interval: 50 },
    );
    const before = sim.connectionCount;
    for (let i = 0; i < 200; i++) {
      const t = await md.ticker(inst);
      expect(t.ok).toBe(true);
    }
    expect(fetchTicker).not.toHaveBeenCalled();
    expect(sim.connectionCount).toBe(before);
  });

  it('sends the other reads to the fallback source', async () => {
    const inst = venue.instrument('BTC/USDT')!;
    const trades = await md.trades(inst, 5);
    if (!trades.ok) throw trades.error;
    expect(trades.value.length).toBeGreaterThan(0);
    expect(trades.value[0]?.price).toBe(engine.trades('BTC-USDT', 1)[0]?.price);
  });
});
