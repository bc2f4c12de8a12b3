/**
 * Candles for the historical models: a CSV file (timestamp,open,high,low,close,volume; header
 * optional; timestamp in ms or ISO-8601) or ccxt-shaped OHLCV rows [ts, o, h, l, c, v] from a
 * market-data source. Validated: increasing timestamps, positive closes, a regular interval.
 */
import { dgError } from '../../core/errors.js';

export type Ohlcv = readonly [number, number, number, number, number, number];

export interface CandleSeries {
  readonly rows: readonly Ohlcv[];
  /** Median spacing of the timestamps, in seconds. */
  readonly intervalS: number;
}

export function parseCandlesCsv(text: string, label = 'candles'): CandleSeries {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '' && !l.trimStart().startsWith('#'));
  const rows: Ohlcv[] = [];
  lines.forEach((line, i) => {
    const cells = line.split(',').map((c) => c.trim());
    if (i === 0 && !/^\d/.test(cells[0])) return; // header
    if (cells.length < 5)
      throw dgError('DG_E_BAD_INPUT', `${label} line ${i + 1}: expected timestamp,open,high,low,close[,volume]`);
    const ts = /^\d+$/.test(cells[0]) ? Number(cells[0]) : Date.parse(cells[0]);
    const nums = cells.slice(1, 6).map(Number);
    while (nums.length < 5) nums.push(0);
    if (!Number.isFinite(ts) || nums.some((v) => !Number.isFinite(v))) {
      throw dgError('DG_E_BAD_INPUT', `${label} line ${i + 1}: not a number in ${JSON.stringify(line.slice(0, 80))}`);
    }
    rows.push([ts, nums[0], nums[1], nums[2], nums[3], nums[4]]);
  });
  return candleSeries(rows, label);
}

export function candleSeries(rows: readonly Ohlcv[], label = 'candles'): CandleSeries {
  for (let i = 0; i < rows.length; i++) {
    if (!(rows[i][4] > 0)) throw dgError('DG_E_BAD_INPUT', `${label}: close must be > 0 at row ${i + 1}`);
    if (i > 0 && !(rows[i][0] > rows[i - 1][0])) {
      throw dgError('DG_E_BAD_INPUT', `${label}: timestamps must increase (row ${i + 1})`);
    }
  }
  if (rows.length < 2)
    throw dgError('DG_E_RISK_TOO_FEW_CANDLES', `${label}: need at least 2 candles, got ${rows.length}`);
  const gaps = rows
    .slice(1)
    .map((r, i) => r[0] - rows[i][0])
    .sort((a, b) => a - b);
  const median = gaps[Math.floor(gaps.length / 2)];
  return { rows, intervalS: median / 1000 };
}

/** Log-returns of consecutive closes. */
export function logReturns(s: CandleSeries): Float64Array {
  const out = new Float64Array(s.rows.length - 1);
  for (let i = 1; i < s.rows.length; i++) out[i - 1] = Math.log(s.rows[i][4] / s.rows[i - 1][4]);
  return out;
}

/** Annualised realised volatility of close-to-close log-returns. */
export function realisedVol(s: CandleSeries): number {
  const r = logReturns(s);
  if (r.length < 2) return Number.NaN;
  let m = 0;
  for (const x of r) m += x;
  m /= r.length;
  let v = 0;
  for (const x of r) v += (x - m) ** 2;
  v /= r.length - 1;
  return Math.sqrt((v * 365 * 86400) / s.intervalS);
}
