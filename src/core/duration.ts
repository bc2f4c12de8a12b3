/** Durations in config and CLI: "250ms", "30s", "5m", "2h", "7d" or a number of ms. */
import { dgError } from './errors.js';

const UNIT: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseDuration(v: string | number): number {
  if (typeof v === 'number') {
    if (!Number.isFinite(v) || v < 0) throw dgError('DG_E_BAD_CONFIG', `duration ${v}`);
    return v;
  }
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(v);
  if (!m) throw dgError('DG_E_BAD_CONFIG', `duration ${JSON.stringify(v)} (use e.g. 30s, 5m, 2h, 7d)`);
  return Math.round(Number(m[1]) * UNIT[m[2] ?? 'ms']);
}
