import { describe, expect, it, vi } from 'vitest';
import { normalCdf } from '../../src/risk/liqsim/first-passage.js';
import { gbmStepTable, walkGbm } from '../../src/risk/liqsim/gbm-walk.js';
import { GbmStepper } from '../../src/risk/liqsim/models.js';
import {
  halfCdf,
  isTailCell,
  normalTable,
  QUANT_CELLS,
  quantisedMoments,
  tailThreshold,
} from '../../src/risk/liqsim/normal-table.js';
import { Rng } from '../../src/risk/liqsim/rng.js';

const PHI = (x: number): number => Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);

describe('quantised normal source (2^16 cells, exact tails)', () => {
  it('the table: symmetric, increasing, every cell mean inside its cell; the tail starts at Φ⁻¹(1 − 2^-16)', () => {
    const t = normalTable();
    const z = tailThreshold();
    expect(t).toHaveLength(QUANT_CELLS);
    // Φ(z) = 1 − 2^-16 to double precision (halfCdf is ∫₀^z φ); 4.1695… by an independent erfc
    expect(0.5 - halfCdf(z)).toBeCloseTo(2 ** -16, 15);
    expect(Math.abs(1 - normalCdf(z) - 2 ** -16) / 2 ** -16).toBeLessThan(1e-3);
    for (let i = 0; i < QUANT_CELLS; i++) expect(t[i]).toBe(-t[QUANT_CELLS - 1 - i]);
    let monotone = true;
    for (let i = 1; i < QUANT_CELLS; i++) if (!(t[i] > t[i - 1])) monotone = false;
    expect(monotone).toBe(true);
    // cell i of the upper half is [Φ⁻¹(½ + (i − 2^15)/2^16), Φ⁻¹(½ + (i − 2^15 + 1)/2^16)):
    // its mean must sit inside, so Φ at the mean lies strictly between the cell's probabilities
    for (const i of [32768, 32769, 40000, 50000, 60000, 65000, 65500, 65533, 65534]) {
      const p = 0.5 + halfCdf(t[i]);
      const j = i - QUANT_CELLS / 2;
      expect(p).toBeGreaterThan(0.5 + j / QUANT_CELLS);
      expect(p).toBeLessThan(0.5 + (j + 1) / QUANT_CELLS);
    }
    expect(isTailCell(0)).toBe(true);
    expect(isTailCell(QUANT_CELLS - 1)).toBe(true);
    expect(isTailCell(1)).toBe(false);
    expect(isTailCell(QUANT_CELLS - 2)).toBe(false);
  });

  it('exact moments: mean 0, variance short of 1 by < 2e-7 (the within-cell variance), fourth moment 3 to 2e-5', () => {
    const m = quantisedMoments();
    expect(Math.abs(m.mean)).toBeLessThan(1e-15);
    expect(m.variance).toBeLessThan(1);
    expect(1 - m.variance).toBeLessThan(2e-7);
    expect(Math.abs(m.fourth - 3)).toBeLessThan(2e-5);
  });

  it('sampled: moments, tail masses and the exact tail cells agree with N(0, 1) within 4 standard errors', () => {
    const r = new Rng(42, 7);
    const n = 2_000_000;
    const z = tailThreshold();
    let s1 = 0;
    let s2 = 0;
    let s4 = 0;
    let below3 = 0;
    let above35 = 0;
    let tail = 0;
    let tailExcess = 0;
    for (let i = 0; i < n; i++) {
      const x = r.normalQ();
      s1 += x;
      const x2 = x * x;
      s2 += x2;
      s4 += x2 * x2;
      if (x < -3) below3++;
      if (x > 3.5) above35++;
      if (Math.abs(x) >= z) {
        tail++;
        tailExcess += Math.abs(x) - z;
      }
    }
    expect(Math.abs(s1 / n)).toBeLessThan(4 / Math.sqrt(n));
    expect(Math.abs(s2 / n - 1)).toBeLessThan(4 * Math.sqrt(2 / n));
    expect(Math.abs(s4 / n - 3)).toBeLessThan(4 * Math.sqrt(96 / n));
    const mass = (count: number, p: number): void => {
      expect(Math.abs(count - n * p)).toBeLessThan(4 * Math.sqrt(n * p * (1 - p)));
    };
    mass(below3, normalCdf(-3));
    mass(above35, 1 - normalCdf(3.5));
    mass(tail, 2 ** -15);
    // beyond z the excess is ≈ exponential with mean ~1/z: its sample mean (≈ 61 draws) within 4 SE
    const lam = PHI(z) * QUANT_CELLS; // E[Z | Z ≥ z]
    const excessMean = lam - z;
    expect(tail).toBeGreaterThan(20);
    expect(Math.abs(tailExcess / tail - excessMean)).toBeLessThan((4 * excessMean) / Math.sqrt(tail));
  });

  it('two normals per 32-bit draw: low half, then high half (tail draws use a separate stream)', () => {
    const a = new Rng(3, 1);
    const b = new Rng(3, 1);
    const t = normalTable();
    for (let i = 0; i < 1000; i++) {
      const w = b.nextI32();
      const lo = w & 0xffff;
      const hi = w >>> 16;
      const x = a.normalQ();
      const y = a.normalQ();
      if (!isTailCell(lo)) expect(x).toBe(t[lo]);
      if (!isTailCell(hi)) expect(y).toBe(t[hi]);
    }
  });

  it('the hot loop (walkGbm) walks exactly the path GbmStepper.next gives, tails, barriers and odd lengths included', () => {
    const tails = vi.spyOn(Rng.prototype, 'normalTail');
    let mismatches = 0;
    let fullHits = 0;
    for (const steps of [1, 2, 3, 7, 100, 1441]) {
      const gs = new GbmStepper({ kind: 'gbm', mu: 0.1, sigma: 3 }, 1 / (365 * 24));
      const table = gbmStepTable(gs.drift, gs.vol);
      const levels = Float64Array.from([-0.02, -0.05, -0.08]);
      const kinds = Int32Array.from([0, 2, 3]);
      const delayOf = Int32Array.from([3, 7]);
      const a = new Rng(9, steps);
      const b = new Rng(9, steps);
      const bufA = new Float64Array(steps + 20);
      const bufB = new Float64Array(steps + 20);
      for (let p = 0; p < 1500; p++) {
        const keep = p % 5 === 0;
        const hA = new Int32Array(4).fill(-1);
        const hB = new Int32Array(4).fill(-1);
        const kA = walkGbm(a, table, gs.drift, gs.vol, bufA, steps, { levels, kinds, hitStep: hA, delayOf }, 0, keep);
        // reference: the kernel's generic rule, one stepper call per step
        let x = 0;
        let bi = 0;
        let k = 1;
        let saleMax = 0;
        let nextB = levels[0];
        for (; k <= steps; k++) {
          x += gs.next(b);
          bufB[k] = x;
          if (x <= nextB) {
            do {
              const kind = kinds[bi];
              hB[kind] = k;
              if ((kind & 1) === 1) saleMax = Math.max(saleMax, k + delayOf[kind >> 1]);
              bi++;
            } while (bi < 3 && x <= levels[bi]);
            nextB = bi < 3 ? levels[bi] : -Infinity;
            if (bi === 3) {
              k++;
              break;
            }
          }
        }
        const end = keep ? Math.max(steps, saleMax) : saleMax;
        for (; k <= end; k++) {
          x += gs.next(b);
          bufB[k] = x;
        }
        if (kA !== k) mismatches++;
        for (let i = 1; i < k; i++) if (bufA[i] !== bufB[i]) mismatches++;
        for (let i = 0; i < 4; i++) if (hA[i] !== hB[i]) mismatches++;
        if (hA[3] >= 0) fullHits++;
      }
      // same generator position and the same pending half-draw afterwards
      expect(Array.from(a.state.subarray(0, 5))).toEqual(Array.from(b.state.subarray(0, 5)));
    }
    expect(mismatches).toBe(0);
    expect(fullHits).toBeGreaterThan(1000);
    expect(tails.mock.calls.length).toBeGreaterThan(20); // both walks drew tails (counted together)
    tails.mockRestore();
  });
});
