/** Durations such as "1m", "5m", "1h", "1d", "30s" or a number of seconds. */
import { dgError } from '../../core/errors.js';

const UNIT_S: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
export const SECONDS_PER_YEAR = 365 * 86400;

/** Parse a duration into seconds (> 0 unless `allowZero`). */
export function parseDurationSeconds(text: string | number, what: string, allowZero = false): number {
  let s: number;
  if (typeof text === 'number') s = text;
  else {
    const m = /^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$/.exec(text);
    if (!m)
      throw dgError(
        'DG_E_BAD_INPUT',
        `${what}: duration not understood: ${JSON.stringify(text)} (use e.g. 30s, 1m, 1h, 1d)`,
      );
    s = Number(m[1]) * UNIT_S[m[2] || 's'];
  }
  if (!Number.isFinite(s) || s < 0 || (!allowZero && s === 0)) {
    throw dgError('DG_E_BAD_INPUT', `${what}: duration must be ${allowZero ? '≥ 0' : '> 0'}: ${text}`);
  }
  return s;
}

/** "60" → "1m" etc., for labels. */
export function formatDuration(seconds: number): string {
  for (const [u, f] of [
    ['w', 604800],
    ['d', 86400],
    ['h', 3600],
    ['m', 60],
  ] as const) {
    if (seconds >= f && seconds % f === 0) return `${seconds / f}${u}`;
  }
  return `${seconds}s`;
}
