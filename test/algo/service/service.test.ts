/**
 * The algo service on a kernel over the in-process sim venue (seeded flow, ManualClock): start-time
 * validation with stable codes, control transitions, progress events, the status view, a venue
 * disconnect pausing with a reason, and the KernelExecutor / PortMarketSource edges.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { toUnits } from '../../../src/core/decimal.js';
import { KernelExecutor } from '../../../src/algo/service/kernel-executor.js';
import { PortMarketSource } from '../../../src/algo/service/port-market-source.js';
import type { AlgoEvent } from '../../../src/algo/service/algo-service.js';
import { parentOf } from '../../../src/algo/service/child-sync.js';
import { CLIENT_ID_PROFILES } from '../../../src/oms/client-order-id.js';
import {
  bootGateway,
  makeMarket,
  removeTempDirs,
  run,
  settle,
  T0,
  tempDir,
  venueOpenChildren,
  type Gateway,
} from './support.js';

afterAll(() => removeTempDirs());
const open: Gateway[] = [];
afterEach(async () => {
  for (const g of open.splice(0)) await g.drop();
});

async function boot(seed = 21): Promise<{ g: Gateway; m: ReturnType<typeof makeMarket> }> {
  const m = makeMarket(seed, 31 * 60_000);
  const g = await bootGateway(m, tempDir('svc'), { fund: true });
  open.push(g);
  return { g, m };
}

const twap = { symbol: 'BTC-USDT', side: 'buy', size: '0.05', mode: 'progressive', duration: '5m', seed: 3 };

describe('algo service: start validation', () => {
  it('rejects bad requests with clear, stable codes', async () => {
    const { g } = await boot();
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ ...twap, symbol: 'DOGE-USDT' }, 'DG_E_UNKNOWN_INSTRUMENT', /DOGE/],
      [{ ...twap, strategy: 'nobody' }, 'DG_E_GATEWAY_UNKNOWN_STRATEGY', /nobody/],
      [{ ...twap, size: '0' }, 'DG_E_ALGO_BAD_SIZE', /size/],
      [{ ...twap, size: '0.000001' }, 'DG_E_ALGO_BAD_SIZE', /lot grid/],
      [{ ...twap, size: '50' }, 'DG_E_LEDGER_INSUFFICIENT', /USDT.*slot algo/],
      [{ ...twap, side: 'sell', size: '3' }, 'DG_E_LEDGER_INSUFFICIENT', /BTC/],
      [{ ...twap, duration: undefined, endAt: T0 - 1000 }, 'DG_E_ALGO_PAST_END', /endAt/],
      [{ ...twap, params: { tradeLevels: 0 } }, 'DG_E_ALGO_BAD_PARAMS', /tradeLevels/],
      [{ ...twap, params: { nonsense: 1 } }, 'DG_E_ALGO_BAD_PARAMS', /params/],
      [{ ...twap, mode: 'vwap' }, 'DG_E_ALGO_BAD_PARAMS', /mode/],
      [{ ...twap, endAt: T0 + 3_600_000 }, 'DG_E_ALGO_BAD_PARAMS', /not both/],
      [{ ...twap, mode: 'passive', duration: undefined }, 'DG_E_ALGO_BAD_PARAMS', /endAt/],
      [{ ...twap, mode: 'iceberg', params: { displaySize: '0.0000001' } }, 'DG_E_ALGO_BAD_PARAMS', /displaySize/],
    ];
    for (const [raw, code, detail] of cases) {
      const r = await g.service.start(raw);
      expect(r.ok, JSON.stringify(raw)).toBe(false);
      if (r.ok) continue;
      expect(r.error.code, JSON.stringify(raw)).toBe(code);
      expect(r.error.message, JSON.stringify(raw)).toMatch(detail);
    }
    expect(g.service.list()).toEqual([]);
  });

  it('counts what running parents still have to place against the slot', async () => {
    const { g } = await boot();
    // 100 000 USDT in the slot, the cap is best ask + 10 %: ~0.9 BTC fits once, not twice.
    // Sent at the same time: only one gets the funds.
    const [a, b] = await Promise.all([
      g.service.start({ ...twap, size: '0.9' }),
      g.service.start({ ...twap, size: '0.9' }),
    ]);
    expect(a.ok).toBe(true);
    expect(b.ok).toBe(false);
    if (!b.ok) expect(b.error.message).toMatch(/committed to running algos/);
    const sell = await g.service.start({ ...twap, side: 'sell', size: '1.5' });
    expect(sell.ok).toBe(true);
  });
});

describe('algo service: control, events, view', () => {
  it('runs rounds, pauses (cancelling children), resumes, cancels; refuses bad transitions', async () => {
    const { g, m } = await boot();
    const events: AlgoEvent[] = [];
    g.service.on((e) => events.push(e));
    const r = await g.service.start(twap);
    if (!r.ok) throw r.error;
    const id = r.value.id;
    expect(r.value).toMatchObject({ status: 'running', size: '0.05', filled: '0', mode: 'progressive', side: 'buy' });
    expect(events[0]).toMatchObject({ type: 'progress', id });
    expect(events.some((e) => e.type === 'status' && e.status === 'running')).toBe(true);

    await run(m, g, 60_000);
    const v = g.service.status(id);
    if (!v.ok) throw v.error;
    expect(v.value.round).toBeGreaterThan(5);
    expect(v.value.children.length).toBeGreaterThan(0);
    for (const c of v.value.children) expect(parentOf(CLIENT_ID_PROFILES.kucoin, c.clientId)).toBe(id);
    expect(v.value.progress.timeRatio).toBeCloseTo(60_000 / 300_000, 1);
    expect(events.filter((e) => e.type === 'progress').length).toBeGreaterThan(5);

    const p = await g.service.pause(id, 'desk says wait');
    if (!p.ok) throw p.error;
    expect(p.value).toMatchObject({ status: 'paused', reason: 'desk says wait' });
    await settle(20);
    expect(venueOpenChildren(m)).toEqual([]);
    const rounds = p.value.round;
    await run(m, g, 20_000);
    expect(g.service.status(id)).toMatchObject({ ok: true, value: { round: rounds, status: 'paused' } });

    const again = await g.service.pause(id);
    expect(again).toMatchObject({ ok: false, error: { code: 'DG_E_ALGO_BAD_TRANSITION' } });
    expect(await g.service.resume(id)).toMatchObject({ ok: true, value: { status: 'running' } });
    await run(m, g, 10_000);
    expect(g.service.status(id)).toMatchObject({ ok: true, value: { status: 'running' } });

    expect(await g.service.cancel(id)).toMatchObject({ ok: true, value: { status: 'cancelled' } });
    await settle(20);
    expect(venueOpenChildren(m)).toEqual([]);
    expect(await g.service.resume(id)).toMatchObject({ ok: false, error: { code: 'DG_E_ALGO_BAD_TRANSITION' } });
    expect(await g.service.cancel(999)).toMatchObject({ ok: false, error: { code: 'DG_E_ALGO_UNKNOWN' } });
    expect(events.some((e) => e.type === 'status' && e.status === 'cancelled')).toBe(true);
    expect(g.service.list().map((x) => x.id)).toEqual([id]);
  }, 60_000);

  it('pauses running parents with a reason when the venue disconnects', async () => {
    const { g, m } = await boot();
    const r = await g.service.start(twap);
    if (!r.ok) throw r.error;
    await run(m, g, 10_000);
    g.venue.dropConnection('test: link down');
    await settle(20);
    const v = g.service.status(r.value.id);
    if (!v.ok) throw v.error;
    expect(v.value.status).toBe('paused');
    expect(v.value.reason).toMatch(/disconnect/);
  }, 60_000);
});

describe('algo service edges', () => {
  it('KernelExecutor places children with the parent number and exact decimals', async () => {
    const { g } = await boot();
    // Parent 77 is no parent of the service: a live service would cancel its child as an orphan.
    await g.service.close();
    const inst = g.kernel.instrument('BTC-USDT')!;
    const ex = new KernelExecutor({ kernel: g.kernel, strategy: 'algo', parent: 77, instrument: inst });
    const placed = await ex.place({ tag: 'passive', side: 'buy', type: 'limit', price: 500_000, size: 123 });
    if (!placed.ok) throw placed.error;
    expect(parentOf(CLIENT_ID_PROFILES.kucoin, placed.value)).toBe(77);
    const v = g.kernel.state.tracker.get(placed.value)!;
    expect(v).toMatchObject({ price: 500_000, size: 123, strategy: 'algo' });
    const bad = await ex.place({ tag: 'trade', side: 'buy', type: 'market', size: 5 });
    expect(bad).toMatchObject({ ok: false, error: { code: 'DG_E_ALGO_MARKET_UNAVAILABLE' } });
    expect(await ex.cancel(placed.value)).toEqual({ ok: true, value: undefined });
    expect(await ex.cancel('nope-1--1')).toMatchObject({ ok: false, error: { code: 'DG_E_OMS_UNKNOWN_ORDER' } });
  });

  it('PortMarketSource serves 30 levels and closed one-minute bars; unknown symbols are unavailable', async () => {
    const { g, m } = await boot();
    const src = new PortMarketSource({ port: g.port, symbol: 'BTC-USDT', clock: m.clock });
    const s = await src.snapshot();
    if (!s.ok) throw s.error;
    expect(s.value.bids.length).toBeGreaterThan(0);
    expect(s.value.bids.length).toBeLessThanOrEqual(30);
    expect(s.value.bids[0][0]).toBeLessThan(s.value.asks[0][0]);
    expect(s.value.bars.length).toBeGreaterThanOrEqual(25);
    expect(s.value.bars.length).toBeLessThanOrEqual(60);
    for (const b of s.value.bars) expect(b.start + 60_000).toBeLessThanOrEqual(m.clock.now());
    // Candles are read again only when a newer closed bar is due.
    let reads = 0;
    const counted = new PortMarketSource({
      port: {
        ...g.port,
        candles: (i, p, n) => {
          reads++;
          return g.port.candles(i, p, n);
        },
      },
      symbol: 'BTC-USDT',
      clock: m.clock,
    });
    await counted.snapshot();
    m.advance(2_000);
    await counted.snapshot();
    expect(reads).toBe(1);
    m.advance(60_000);
    const later = await counted.snapshot();
    expect(reads).toBe(2);
    if (!later.ok) throw later.error;
    expect(later.value.bars.at(-1)!.start).toBeGreaterThan(s.value.bars.at(-1)!.start);
    const gone = new PortMarketSource({ port: g.port, symbol: 'XYZ-USDT', clock: m.clock });
    expect(await gone.snapshot()).toMatchObject({ ok: false, error: { code: 'DG_E_ALGO_MARKET_UNAVAILABLE' } });
    expect(toUnits('0.05', g.kernel.instrument('BTC-USDT')!.size)).toBe(5000);
  });
});
