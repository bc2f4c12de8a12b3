/**
 * The fast normal source of the Monte Carlo: a quantised standard normal with 2^16 equiprobable
 * cells. A 16-bit index i picks the cell [a_i, a_{i+1}) with a_i = Φ⁻¹(i / 2^16); interior
 * cells return their conditional mean E[Z | a_i ≤ Z < a_{i+1}] = 2^16 (φ(a_i) − φ(a_{i+1})),
 * the two extreme cells (i = 0 and 2^16 − 1, the 2^-16 tails beyond ±Z_TAIL) are sampled
 * exactly by the caller (Marsaglia's tail method, `Rng.normalTail`).
 *
 * Why it is accurate enough: every cell keeps its exact probability 2^-16, so the mass beyond
 * any cell boundary (and the whole tail beyond ±4.17) is exact; conditional means keep the mean
 * exactly and lose only the within-cell variance, 1.4e-7 of the unit variance (computed in
 * `quantisedMoments`, asserted in test/risk/normal-table.test.ts). Over 1,440 steps that is a
 * relative error of 1.4e-7 in the variance of every path, far below Monte Carlo noise.
 *
 * Why it is fast: one 32-bit draw gives two normals (its two 16-bit halves), and a normal is a
 * table load (512 KiB of Float64, resident in L2) instead of a Ziggurat's load, compare and
 * multiply on a 32-bit draw each.
 */

export const QUANT_BITS = 16;
export const QUANT_CELLS = 1 << QUANT_BITS;
export const QUANT_MASK = QUANT_CELLS - 1;

const INV_SQRT_2PI = 0.3989422804014327;

function pdf(x: number): number {
  return INV_SQRT_2PI * Math.exp(-0.5 * x * x);
}

/**
 * ∫₀^y φ(t) dt for y ≥ 0 by the all-positive series φ(y) · Σ y^(2n+1) / (2n+1)!!, accurate to
 * a few ulps of 0.5 for the y ≤ 4.5 the table needs (no cancellation, unlike the erf series).
 */
export function halfCdf(y: number): number {
  const y2 = y * y;
  let term = y;
  let sum = y;
  for (let n = 1; n < 400; n++) {
    term *= y2 / (2 * n + 1);
    sum += term;
    if (term < sum * 1e-18) break;
  }
  return pdf(y) * sum;
}

/** Solves ∫₀^y φ = q (0 ≤ q < 0.5) by Newton from `start` (monotone: start below the root). */
function halfQuantile(q: number, start: number): number {
  let y = start;
  for (let it = 0; it < 60; it++) {
    const step = (halfCdf(y) - q) / pdf(y);
    y -= step;
    if (Math.abs(step) <= 1e-16 * Math.max(1, y)) break;
  }
  return y;
}

let table: Float64Array | undefined;
let tail = 0;

function build(): void {
  const t = new Float64Array(QUANT_CELLS);
  const half = QUANT_CELLS / 2;
  // Boundaries of the upper half, b_j = Φ⁻¹(0.5 + j / 2^16), j = 0..half−1; the lower half mirrors.
  let prev = 0;
  let prevPdf = pdf(0);
  for (let j = 1; j < half; j++) {
    const b = halfQuantile(j / QUANT_CELLS, prev);
    const bPdf = pdf(b);
    const m = (prevPdf - bPdf) * QUANT_CELLS; // mean of the cell [prev, b)
    t[half - 1 + j] = m;
    t[half - j] = -m;
    prev = b;
    prevPdf = bPdf;
  }
  tail = prev;
  // The extreme cells are sampled exactly; their entries hold the conditional tail mean so a
  // reader of the table alone (moments) sees the right distribution.
  const tailMean = prevPdf * QUANT_CELLS;
  t[QUANT_CELLS - 1] = tailMean;
  t[0] = -tailMean;
  table = t;
}

/** The 2^16 cell values (index 0 and 2^16 − 1: conditional tail means, sampled exactly in use). */
export function normalTable(): Float64Array {
  if (!table) build();
  return table as Float64Array;
}

/** Z_TAIL = Φ⁻¹(1 − 2^-16) ≈ 4.1695: the extreme cells are |Z| ≥ Z_TAIL. */
export function tailThreshold(): number {
  if (!table) build();
  return tail;
}

/** True for the two extreme cells (0 and 2^16 − 1), whose values are drawn exactly. */
export function isTailCell(i: number): boolean {
  return (i - 1) >>> 0 >= QUANT_CELLS - 2;
}

/**
 * Exact moments of the quantised distribution (interior cells as stored, tails exact):
 * mean, variance, and the fourth moment (3 for a normal).
 */
export function quantisedMoments(): { mean: number; variance: number; fourth: number } {
  const t = normalTable();
  const z = tailThreshold();
  const p = 1 / QUANT_CELLS;
  let m1 = 0;
  let m2 = 0;
  let m4 = 0;
  for (let i = 1; i < QUANT_CELLS - 1; i++) {
    const v = t[i];
    m1 += v;
    const v2 = v * v;
    m2 += v2;
    m4 += v2 * v2;
  }
  // Tail beyond z, conditional on it (mass 2^-16): with λ = φ(z)/P(Z ≥ z) = φ(z)·2^16,
  // E[Z²] = 1 + zλ and E[Z⁴] = 3 + (z³ + 3z)λ (integration by parts). Both tails, symmetric.
  const lam = pdf(z) * QUANT_CELLS;
  const tail2 = 1 + z * lam;
  const tail4 = 3 + (z * z * z + 3 * z) * lam;
  return { mean: m1 * p, variance: (m2 + 2 * tail2) * p, fourth: (m4 + 2 * tail4) * p };
}
