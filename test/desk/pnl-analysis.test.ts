import { describe, expect, it } from 'vitest';
import { formatAmount, parseAmount } from '../../src/desk/amount.js';
import { aggregate, sizeBucket } from '../../src/desk/aggregate.js';
import { detectAnomalies } from '../../src/desk/anomaly.js';
import { pairPnl, type PairPnl } from '../../src/desk/pnl.js';
import { buildReport } from '../../src/desk/report.js';
import { quantile } from '../../src/desk/stats.js';
import { detectWash } from '../../src/desk/wash.js';
import { hedge, lock, T0 } from './fixtures.js';

describe('pair PnL (positive = desk profit)', () => {
  it('client BUY: (lock − hedge avg) × amount − fee', () => {
    const p = pairPnl(lock({ id: 'L', side: 'buy', amount: '2', price: '100.5' }), [
      hedge({ id: 'H', side: 'buy', amount: '2', price: '100.1', fee: '0.03' }),
    ]);
    expect(formatAmount(p.pnl)).toBe('0.77');
    expect(p.pnlBps).toBeCloseTo((0.77 / 201) * 1e4, 9);
    expect(p.delayMs).toBe(5000);
  });

  it('client SELL mirrors: (hedge avg − lock) × amount − fee', () => {
    const p = pairPnl(lock({ id: 'L', side: 'sell', amount: '2', price: '100' }), [
      hedge({ id: 'H', side: 'sell', amount: '2', price: '99', fee: '0.5' }),
    ]);
    expect(formatAmount(p.pnl)).toBe('-2.5');
  });

  it('uses the amount-weighted average of several hedges, exactly', () => {
    const p = pairPnl(lock({ id: 'L', side: 'buy', amount: '3', price: '10' }), [
      hedge({ id: 'H1', amount: '1', price: '9', fee: '0.1', startTime: T0 + 2000 }),
      hedge({ id: 'H2', amount: '2', price: '9.6', fee: '0.2', startTime: T0 + 9000 }),
    ]);
    // avg = (9 + 19.2) / 3 = 9.4; pnl = 0.6 × 3 − 0.3 = 1.5
    expect(formatAmount(p.hedgeAvg)).toBe('9.4');
    expect(formatAmount(p.pnl)).toBe('1.5');
    expect(p.delayMs).toBe(2000);
    expect(p.hedgeIds).toEqual(['H1', 'H2']);
  });

  it('rounds once when the average is not finite in decimal', () => {
    const p = pairPnl(lock({ id: 'L', side: 'buy', amount: '3', price: '1' }), [
      hedge({ id: 'H1', amount: '1', price: '1' }),
      hedge({ id: 'H2', amount: '2', price: '0.5' }),
    ]);
    // avg = 2/3; pnl = (1 − 2/3) × 3 = 1 exactly, although avg itself is rounded for display.
    expect(formatAmount(p.pnl)).toBe('1');
    expect(formatAmount(p.hedgeAvg)).toBe('0.666666666666666667');
  });
});

function mkPair(i: number, bps: number, delayMs: number, extra: Partial<PairPnl> = {}): PairPnl {
  return {
    lockId: `L${i}`,
    hedgeIds: [`H${i}`],
    clientId: `C${i % 3}`,
    side: 'buy',
    base: 'BTC',
    quote: 'USDT',
    method: 'twap',
    venues: 'x',
    lockTime: T0 + i * 60_000,
    hedgeStart: T0 + i * 60_000 + delayMs,
    hedgeEnd: 0,
    delayMs,
    lockAmount: 1n,
    hedgeAmount: 1n,
    lockPrice: 1n,
    hedgeAvg: 1n,
    fee: 0n,
    notional: parseAmount('10000'),
    pnl: parseAmount(String(bps)),
    pnlBps: bps,
    ...extra,
  };
}

describe('aggregates', () => {
  it('sums exactly per key and quote, with weighted bps', () => {
    const pairs = [mkPair(1, 5, 1000), mkPair(2, -3, 2000), mkPair(3, 10, 3000, { quote: 'USDC' })];
    const g = aggregate(pairs, 'coin');
    expect(g.map((x) => [x.key, x.quote, x.count, formatAmount(x.pnl)])).toEqual([
      ['BTC', 'USDC', 1, '10'],
      ['BTC', 'USDT', 2, '2'],
    ]);
    expect(g[1].weightedBps).toBeCloseTo(1, 9);
    expect(sizeBucket(parseAmount('999.99'))).toBe('<1k');
    expect(sizeBucket(parseAmount('1000000'))).toBe('>=1M');
  });
});

describe('anomalies (S2.4)', () => {
  const history = Array.from({ length: 200 }, (_, i) => mkPair(i, (i % 20) - 5, 1000 + (i % 10) * 100));
  it('flags PnL outside p5..p95 and delay above p95 of the trailing history only', () => {
    const n = history.length;
    const fresh = [mkPair(n, -40, 1200), mkPair(n + 1, 60, 1200), mkPair(n + 2, 4, 60_000), mkPair(n + 3, 4, 1200)];
    const { anomalies } = detectAnomalies(fresh, [...history, ...fresh], { minHistory: 50 });
    expect(anomalies.map((a) => [a.pair.lockId, a.reasons])).toEqual([
      [`L${n}`, ['pnl_below_low']],
      [`L${n + 1}`, ['pnl_above_high']],
      [`L${n + 2}`, ['delay_above_high']],
    ]);
    expect(anomalies[0].low).toBeCloseTo(
      quantile(
        history.map((h) => h.pnlBps),
        0.05,
      ),
      9,
    );
  });

  it('needs minHistory pairs inside the window', () => {
    const fresh = [mkPair(500, -40, 1000)];
    expect(detectAnomalies(fresh, history, { minHistory: 500 })).toMatchObject({
      anomalies: [],
      skippedShortHistory: 1,
    });
    expect(detectAnomalies(fresh, history, { windowMs: 60_000 * 10 }).anomalies).toEqual([]);
  });
});

describe('wash pairs (S2.5)', () => {
  it('pairs equal opposite locks of one coin inside the window, same-client and cross-client separately', () => {
    const locks = [
      lock({ id: 'A', clientId: 'C1', side: 'buy', amount: '1.2345' }),
      lock({ id: 'B', clientId: 'C1', side: 'sell', amount: '1.2345', lockTime: T0 + 60_000 }),
      lock({ id: 'C', clientId: 'C2', side: 'buy', amount: '7', lockTime: T0 + 70_000 }),
      lock({ id: 'D', clientId: 'C3', side: 'sell', amount: '7', lockTime: T0 + 100_000, quote: 'USDC' }),
      lock({ id: 'E', clientId: 'C4', side: 'sell', amount: '9', lockTime: T0 }),
      lock({ id: 'F', clientId: 'C4', side: 'buy', amount: '9', lockTime: T0 + 5 * 60_000 + 1 }),
      lock({ id: 'G', clientId: 'C5', side: 'buy', amount: '3', base: 'ETH' }),
      lock({ id: 'H', clientId: 'C5', side: 'sell', amount: '3.0001', base: 'ETH', lockTime: T0 + 1 }),
    ];
    const w = detectWash(locks);
    expect(w.map((x) => [x.kind, x.first.id, x.second.id])).toEqual([
      ['same_client', 'A', 'B'],
      ['cross_client', 'C', 'D'],
    ]);
    expect(detectWash(locks, { crossClient: false }).map((x) => x.kind)).toEqual(['same_client']);
    expect(detectWash(locks, { sameQuote: true }).map((x) => x.second.id)).toEqual(['B']);
    expect(detectWash(locks, { tolerancePct: 0.01 }).map((x) => x.second.id)).toContain('H');
    expect(detectWash(locks, { windowMs: 5 * 60_000 + 1 }).map((x) => x.second.id)).toContain('F');
  });
});

describe('report', () => {
  it('is self-contained HTML with four SVG charts and CSVs with one row per pair', () => {
    const pairs = Array.from({ length: 50 }, (_, i) => mkPair(i, (i % 13) - 4, 500 + i * 97));
    const files = buildReport({
      pairs,
      unmatchedLocks: [{ id: 'X', reason: 'no_hedge_in_time_window' }],
      unmatchedHedges: [],
      lockCount: 51,
      hedgeCount: 50,
      generatedAt: T0,
    });
    const html = files['report.html'];
    expect(html.match(/<svg /g)).toHaveLength(4);
    expect(html).not.toMatch(/<script|<link|src=|url\(|@import|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    expect(html).not.toMatch(/NaN|\{\{/);
    expect(html).toContain('positive PnL = desk profit');
    expect(files['pairs.csv'].trim().split('\n')).toHaveLength(51);
    expect(files['unmatched.csv']).toContain('lock,X,no_hedge_in_time_window');
    expect(files['aggregates.csv']).toContain('method,twap,USDT,50');
    const empty = buildReport({
      pairs: [],
      unmatchedLocks: [],
      unmatchedHedges: [],
      lockCount: 0,
      hedgeCount: 0,
      generatedAt: T0,
    });
    expect(empty['report.html']).not.toMatch(/NaN|\{\{/);
  });

  it('escapes ids that look like markup', () => {
    const files = buildReport({
      pairs: [mkPair(1, 1, 1, { clientId: '<img onerror=x>' })],
      unmatchedLocks: [],
      unmatchedHedges: [],
      lockCount: 1,
      hedgeCount: 1,
      generatedAt: T0,
    });
    expect(files['report.html']).not.toContain('<img');
  });
});

describe('anomaly sliding window', () => {
  it('equals a brute-force per-pair quantile computation on random data', () => {
    let seed = 12345;
    const rnd = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const all = Array.from({ length: 600 }, (_, i) =>
      mkPair(i, Math.round((rnd() - 0.5) * 4000) / 100, Math.floor(rnd() * 100_000), {
        lockTime: T0 + Math.floor(rnd() * 30) * 3_600_000 + i,
      }),
    );
    const fresh = all.filter((_, i) => i % 3 === 0);
    const opts = { windowMs: 5 * 3_600_000, minHistory: 20 };
    const got = detectAnomalies(fresh, all, opts).anomalies.map((a) => [
      a.pair.lockId,
      a.reasons,
      a.low,
      a.high,
      a.delayHigh,
      a.historySize,
    ]);
    const want: unknown[] = [];
    for (const p of [...fresh].sort((a, b) => a.lockTime - b.lockTime)) {
      const h = all.filter((x) => x.lockTime < p.lockTime && x.lockTime >= p.lockTime - opts.windowMs);
      if (h.length < opts.minHistory) continue;
      const low = quantile(
        h.map((x) => x.pnlBps),
        0.05,
      );
      const high = quantile(
        h.map((x) => x.pnlBps),
        0.95,
      );
      const dh = quantile(
        h.map((x) => x.delayMs),
        0.95,
      );
      const reasons = [
        p.pnlBps < low && 'pnl_below_low',
        p.pnlBps > high && 'pnl_above_high',
        p.delayMs > dh && 'delay_above_high',
      ].filter(Boolean);
      if (reasons.length) want.push([p.lockId, reasons, low, high, dh, h.length]);
    }
    expect(want.length).toBeGreaterThan(10);
    expect(got).toEqual(want);
  });
});
