import { describe, expect, it } from 'vitest';
import {
  durationIn,
  formatDurationSeconds,
  parseDuration,
  parseDurationSeconds,
  SECONDS_PER_YEAR,
} from '../../src/core/duration.js';
import { isDeskgateError } from '../../src/core/errors.js';

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return isDeskgateError(e) ? e.code : 'not a DeskgateError';
  }
  return undefined;
}

describe('one duration grammar', () => {
  it('parseDuration: whole milliseconds for every unit, a plain number is ms', () => {
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('5m')).toBe(300_000);
    expect(parseDuration('24h')).toBe(86_400_000);
    expect(parseDuration('7d')).toBe(604_800_000);
    expect(parseDuration('2w')).toBe(1_209_600_000);
    expect(parseDuration(' 1.5h ')).toBe(5_400_000);
    expect(parseDuration('250')).toBe(250);
    expect(parseDuration(1234)).toBe(1234);
    expect(parseDuration('0')).toBe(0);
    expect(parseDuration('1.0005s')).toBe(1001); // rounded to whole ms
  });

  it('parseDuration refuses with DG_E_BAD_CONFIG', () => {
    for (const bad of ['5 minutes', '1h30m', '-1s', '', 'w', '1y'] as const) {
      expect(codeOf(() => parseDuration(bad))).toBe('DG_E_BAD_CONFIG');
    }
    expect(codeOf(() => parseDuration(-1))).toBe('DG_E_BAD_CONFIG');
    expect(codeOf(() => parseDuration(Number.NaN))).toBe('DG_E_BAD_CONFIG');
    expect(() => parseDuration('1 fortnight')).toThrow(/duration "1 fortnight" \(use e\.g\. 30s, 5m, 2h, 7d\)/);
  });

  it('parseDurationSeconds: exact seconds, a plain number is seconds, ms accepted', () => {
    expect(parseDurationSeconds('30s', 'x')).toBe(30);
    expect(parseDurationSeconds('90', 'x')).toBe(90);
    expect(parseDurationSeconds(7200, 'x')).toBe(7200);
    expect(parseDurationSeconds('10m', 'x')).toBe(600);
    expect(parseDurationSeconds('1h', 'x')).toBe(3600);
    expect(parseDurationSeconds('1d', 'x')).toBe(86400);
    expect(parseDurationSeconds('2w', 'x')).toBe(1_209_600);
    expect(parseDurationSeconds('500ms', 'x')).toBe(0.5);
    expect(parseDurationSeconds('0', 'x', true)).toBe(0);
  });

  it('seconds are the amount times the unit, never a round trip through ms', () => {
    // 0.0021 * 1000 / 1000 is 0.0021000000000000003; the seconds view must give 0.0021 exactly.
    expect(parseDurationSeconds('0.0021s', 'x')).toBe(0.0021);
    expect(parseDurationSeconds('1.0005s', 'x')).toBe(1.0005);
    for (const [text, amount, factor] of [
      ['0.0042s', 0.0042, 1],
      ['0.1m', 0.1, 60],
      ['0.7h', 0.7, 3600],
      ['1.1d', 1.1, 86400],
      ['0.3w', 0.3, 604800],
    ] as const) {
      expect(parseDurationSeconds(text, 'x')).toBe(amount * factor);
    }
  });

  it('parseDurationSeconds refuses with DG_E_BAD_INPUT naming the field', () => {
    expect(codeOf(() => parseDurationSeconds('soon', '--dt'))).toBe('DG_E_BAD_INPUT');
    expect(() => parseDurationSeconds('soon', '--dt')).toThrow(
      /--dt: duration not understood: "soon" \(use e\.g\. 30s, 1m, 1h, 1d\)/,
    );
    expect(() => parseDurationSeconds('0s', '--dt')).toThrow(/--dt: duration must be > 0: 0s/);
    expect(() => parseDurationSeconds(-5, 'liquidationDelay', true)).toThrow(
      /liquidationDelay: duration must be ≥ 0: -5/,
    );
    expect(codeOf(() => parseDurationSeconds(Number.POSITIVE_INFINITY, 'x'))).toBe('DG_E_BAD_INPUT');
  });

  it('durationIn: undefined for text that is not a duration; a unit-less number takes the asked unit', () => {
    expect(durationIn('3', 'h')).toBe(3);
    expect(durationIn('90m', 'h')).toBe(1.5);
    expect(durationIn('1h30m', 'ms')).toBeUndefined();
    expect(durationIn('.5s', 'ms')).toBeUndefined();
  });

  it('formatDurationSeconds labels with the largest whole unit', () => {
    expect(formatDurationSeconds(60)).toBe('1m');
    expect(formatDurationSeconds(90)).toBe('90s');
    expect(formatDurationSeconds(3600)).toBe('1h');
    expect(formatDurationSeconds(172800)).toBe('2d');
    expect(formatDurationSeconds(1_209_600)).toBe('2w');
    expect(formatDurationSeconds(0.5)).toBe('0.5s');
    expect(SECONDS_PER_YEAR).toBe(31_536_000);
  });
});
