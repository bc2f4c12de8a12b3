/** Small statistics helpers for analysis and anomaly thresholds (floats: statistics, not money). */

/** Quantile of sorted ascending values, linear interpolation between order statistics (numpy/pandas default). */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  if (q <= 0) return sorted[0];
  if (q >= 1) return sorted[n - 1];
  const pos = (n - 1) * q;
  const lo = Math.floor(pos);
  const frac = pos - lo;
  const a = sorted[lo];
  return lo + 1 < n ? a + (sorted[lo + 1] - a) * frac : a;
}

export function quantile(values: readonly number[], q: number): number {
  return quantileSorted(Float64Array.from(values).sort(), q);
}

export function mean(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  let s = 0;
  for (const v of values) s += v;
  return s / values.length;
}
