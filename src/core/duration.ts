/**
 * Durations in config, CLI and risk inputs: a decimal number with an optional unit, one of
 * ms, s, m, h, d, w ("250ms", "30s", "1.5h", "7d", "2w"), or a plain number. One grammar for every
 * caller; a caller picks what a unit-less number means, the unit of the result and its error code:
 *   - `parseDuration`: milliseconds, whole (config files, CLI flags); DG_E_BAD_CONFIG.
 *   - `parseDurationSeconds`: seconds, exact (risk inputs: liqsim --dt, liquidation delays); DG_E_BAD_INPUT.
 */
import { dgError } from './errors.js';

/** Milliseconds in one of each unit. */
export const MS_PER_UNIT = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
} as const;
export type DurationUnit = keyof typeof MS_PER_UNIT;

export const SECONDS_PER_YEAR = 365 * 86400;

const GRAMMAR = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$/;

/**
 * A duration string in `unit` (a unit-less number is already in `unit`), unrounded; undefined when
 * the text is not a duration. The amount is scaled by the ratio of the two units, taken first, so a
 * coarser result stays exact: "0.0021s" in seconds is 0.0021, not 2.1 ms ÷ 1000.
 */
export function durationIn(text: string, unit: DurationUnit): number | undefined {
  const m = GRAMMAR.exec(text);
  if (!m) return undefined;
  const given = (m[2] as DurationUnit | undefined) ?? unit;
  return Number(m[1]) * (MS_PER_UNIT[given] / MS_PER_UNIT[unit]);
}

/** A duration in whole milliseconds (≥ 0); a plain number is milliseconds. Throws DG_E_BAD_CONFIG. */
export function parseDuration(v: string | number): number {
  if (typeof v === 'number') {
    if (!Number.isFinite(v) || v < 0) throw dgError('DG_E_BAD_CONFIG', `duration ${v}`);
    return v;
  }
  const ms = durationIn(v, 'ms');
  if (ms === undefined) throw dgError('DG_E_BAD_CONFIG', `duration ${JSON.stringify(v)} (use e.g. 30s, 5m, 2h, 7d)`);
  return Math.round(ms);
}

/**
 * A duration in seconds (> 0, or ≥ 0 with `allowZero`), not rounded; a plain number is seconds.
 * Throws DG_E_BAD_INPUT, the message led by `what` (the flag or field it came from).
 */
export function parseDurationSeconds(text: string | number, what: string, allowZero = false): number {
  const s = typeof text === 'number' ? text : durationIn(text, 's');
  if (s === undefined) {
    throw dgError(
      'DG_E_BAD_INPUT',
      `${what}: duration not understood: ${JSON.stringify(text)} (use e.g. 30s, 1m, 1h, 1d)`,
    );
  }
  if (!Number.isFinite(s) || s < 0 || (!allowZero && s === 0)) {
    throw dgError('DG_E_BAD_INPUT', `${what}: duration must be ${allowZero ? '≥ 0' : '> 0'}: ${text}`);
  }
  return s;
}

/** A label for a number of seconds: 60 → "1m", 90 → "90s", 1209600 → "2w". */
export function formatDurationSeconds(seconds: number): string {
  for (const u of ['w', 'd', 'h', 'm'] as const) {
    const f = MS_PER_UNIT[u] / 1000;
    if (seconds >= f && seconds % f === 0) return `${seconds / f}${u}`;
  }
  return `${seconds}s`;
}
