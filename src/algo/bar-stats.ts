/**
 * Statistics over one-minute bars for the decision core: the median volume (progressive
 * threshold_vlm) and EMA / standard deviation of volume over fixed windows of bars (aggressive
 * ema_vol and vol_std). Pure functions over plain numbers.
 */
import type { AlgoBar } from './types.js';

/** Median of the values (mean of the two middle ones for an even count); 0 for none. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Volumes of consecutive windows of `windowBars` bars, oldest first. Windows are aligned on the
 * newest bar so the latest window is always complete; a partial oldest group is left out.
 */
export function windowVolumes(bars: readonly AlgoBar[], windowBars: number): number[] {
  const n = Math.floor(bars.length / windowBars);
  const out: number[] = [];
  const first = bars.length - n * windowBars;
  for (let w = 0; w < n; w++) {
    let v = 0;
    for (let i = first + w * windowBars; i < first + (w + 1) * windowBars; i++) v += bars[i].volume;
    out.push(v);
  }
  return out;
}

/**
 * Exponential moving average of the values, oldest first, seeded with the first value. The
 * smoothing is alpha = 2 / (n + 1) over the n values given (a span equal to the sample), so the
 * newest windows weigh most while the whole hour still counts.
 */
export function ema(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const alpha = 2 / (values.length + 1);
  let e = values[0];
  for (let i = 1; i < values.length; i++) e = alpha * values[i] + (1 - alpha) * e;
  return e;
}

/** Population standard deviation; 0 for fewer than two values. */
export function std(values: readonly number[]): number {
  if (values.length < 2) return 0;
  let mean = 0;
  for (const v of values) mean += v;
  mean /= values.length;
  let ss = 0;
  for (const v of values) ss += (v - mean) * (v - mean);
  return Math.sqrt(ss / values.length);
}

/** The last `n` bars' volumes, oldest first. */
export function lastVolumes(bars: readonly AlgoBar[], n: number): number[] {
  return bars.slice(Math.max(0, bars.length - n)).map((b) => b.volume);
}
