import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { SimEngine } from '../../src/venue/sim/engine.js';
import { DEFAULT_MARKETS, defaultMarkets } from '../../src/venue/sim/default-markets.js';
import { SyntheticFlow } from '../../src/venue/sim/flow/synthetic-flow.js';
import { RealtimeDriver } from '../../src/venue/sim/flow/realtime-driver.js';
import { SimStatus, formatStatusLine } from '../../src/venue/sim/flow/sim-status.js';

describe('real-time driver and status line', () => {
  it('the driver advances the flow to the clock, at most maxCatchUpMs per tick', () => {
    const clock = new ManualClock(1_000_000);
    const engine = new SimEngine({ markets: DEFAULT_MARKETS, clock, seed: 3 });
    const flow = new SyntheticFlow(engine, { seed: 3, ratePerSec: 100, startMs: clock.now() });
    const driver = new RealtimeDriver(flow, { clock, maxCatchUpMs: 500 });
    clock.advance(300);
    driver.tick();
    expect(flow.now).toBe(1_000_300);
    clock.advance(2000);
    driver.tick();
    expect(flow.now).toBe(1_000_800);
    expect(driver.lagged).toBe(1);
    expect(engine.openOrderCount()).toBeGreaterThan(50);
  });

  it('status shows an exact mid, the spread in ticks, live orders, events/s and trades', () => {
    const clock = new ManualClock(0);
    const engine = new SimEngine({ markets: defaultMarkets(['BTC-USDT']), clock, seed: 1 });
    engine.createAccount('a');
    engine.depositText('a', 'USDT', '100000');
    engine.depositText('a', 'BTC', '1');
    const st = new SimStatus(engine, ['BTC-USDT'], 0);
    engine.placeOrderText({
      account: 'a',
      symbol: 'BTC-USDT',
      side: 'buy',
      type: 'limit',
      price: '60000',
      size: '0.1',
    });
    engine.placeOrderText({
      account: 'a',
      symbol: 'BTC-USDT',
      side: 'sell',
      type: 'limit',
      price: '60000.3',
      size: '0.1',
    });
    clock.advance(2000);
    const s = st.sample(2000);
    expect(s).toEqual([{ symbol: 'BTC-USDT', mid: '60000.15', spreadTicks: 3, live: 2, eventsPerSec: 2, trades: 0 }]);
    expect(formatStatusLine(s)).toBe('BTC-USDT mid 60000.15 spr 3t live 2 ev/s 2 trades 0');
    expect(() => defaultMarkets(['DOGE-USDT'])).toThrow(/DOGE/);
  });
});
