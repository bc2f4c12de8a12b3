/**
 * Smoke test of the TWAP evaluation harness (bench/twap/): one seeded market, two modes (the
 * real AlgoRunner in progressive mode and the naive baseline), one size, a short window. Checks
 * invariants only — never performance: fills within the parent size, every TCA figure finite,
 * fill ratio in [0, 1], no child left open, the TCA's fills agreeing with the algo's own count.
 */
import { describe, expect, it } from 'vitest';
import { runOne, type BenchMode, type RunResult } from '../../../bench/twap/run-one.js';

const finiteOrNull = (x: number | null): boolean => x === null || Number.isFinite(x);

describe('TWAP bench harness (smoke)', () => {
  const modes: BenchMode[] = ['progressive', 'naive'];
  const results: RunResult[] = [];

  it('runs 1 market × 2 modes × 1 size and keeps the invariants', async () => {
    for (const mode of modes) {
      results.push(
        await runOne({ regime: 'calm', seed: 7, mode, sizeShare: 0.05, windowMs: 90_000, naiveSliceMs: 10_000 }),
      );
    }
    for (const r of results) {
      const t = r.tca;
      expect(r.size).toBeGreaterThan(0);
      expect(t.filled).toBeLessThanOrEqual(r.size);
      expect(t.filled).toBe(r.algoFilled);
      expect(t.fillRatio).toBeGreaterThanOrEqual(0);
      expect(t.fillRatio).toBeLessThanOrEqual(1);
      expect(r.leftoverOpen).toBe(0);
      for (const v of [
        t.shortfallBps,
        t.executionCostBps,
        t.opportunityCostBps,
        t.feesBps,
        t.twapMid,
        t.fees,
        t.scheduleRms,
        t.scheduleMaxDev,
        t.arrivalMid,
        t.endMid,
      ])
        expect(Number.isFinite(v)).toBe(true);
      for (const v of [t.slippageBps, t.vsTwapBps, t.vsVwapBps, t.vwap, t.participation, t.makerShare, t.avgPrice])
        expect(finiteOrNull(v)).toBe(true);
      expect(t.marketVolume).toBeGreaterThan(0);
      expect(t.makerLots + t.takerLots).toBe(t.filled);
      expect(t.children.length).toBe(r.children);
      const childFilled = t.children.reduce((a, c) => a + c.filled, 0);
      expect(childFilled).toBe(t.filled);
      for (const c of t.children) {
        expect(c.filled).toBeLessThanOrEqual(c.size);
        expect(['open', 'cancelling']).not.toContain(c.state);
      }
    }
    // the same seed gives the same market: same side, size and arrival mid for both modes
    expect(results[0].side).toBe(results[1].side);
    expect(results[0].size).toBe(results[1].size);
    expect(results[0].tca.arrivalMid).toBe(results[1].tca.arrivalMid);
    // the baseline only sends market orders
    expect(results[1].tca.makerLots).toBe(0);
  }, 120_000);
});
