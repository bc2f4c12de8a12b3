/** S0.4: a new file every rotate_time, files older than max_age deleted (manual clock and timer). */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { LogRotator, parseStamp, stampOf, type RotatorTimer } from '../../src/gateway/serve/log-rotator.js';
import { createServeLog, scrubText } from '../../src/gateway/serve/logging.js';
import { removeTempDirs, tempDir } from './support.js';

afterAll(() => removeTempDirs());

class ManualTimer implements RotatorTimer {
  fn: (() => void) | undefined;
  ms = 0;
  every(ms: number, fn: () => void): () => void {
    this.ms = ms;
    this.fn = fn;
    return () => {
      this.fn = undefined;
    };
  }
  fire(): void {
    this.fn?.();
  }
}

const T0 = Date.UTC(2026, 10, 22, 0, 0, 0);

describe('LogRotator', () => {
  it('stamps round-trip', () => {
    expect(parseStamp(stampOf(T0 + 1234))).toBe(T0 + 1234);
    expect(parseStamp('garbage')).toBeUndefined();
  });

  it('rotates every rotate_time and deletes files whose content is older than max_age', () => {
    const dir = tempDir('rot');
    const clock = new ManualClock(T0);
    const timer = new ManualTimer();
    // A stranger's file in the same dir is never touched.
    writeFileSync(join(dir, 'other.log'), 'x');
    const r = new LogRotator({ dir, rotateMs: 1000, maxAgeMs: 2500, clock, timer });
    expect(timer.ms).toBe(1000);
    const written: string[] = [];
    for (let i = 0; i < 6; i++) {
      r.write(`line ${i}\n`);
      written.push(r.current);
      clock.advance(1000);
      timer.fire();
    }
    // Now T0+6000: files started at 0..6000 s; a file's content ends where the next starts.
    // Kept: ended at ≥ 3500 → started at 3000, 4000, 5000 (+ the current one at 6000).
    const ours = r.files().map((f) => f.start - T0);
    expect(ours).toEqual([3000, 4000, 5000, 6000]);
    expect(r.deleted).toBe(3);
    expect(r.rotations).toBe(6);
    expect(readdirSync(dir)).toContain('other.log');
    expect(readFileSync(written[5], 'utf8')).toBe('line 5\n');
    expect(readFileSync(r.current, 'utf8')).toBe('');
    r.close();
    timer.fire(); // stopped: nothing happens
    expect(r.rotations).toBe(6);
  });

  it('serve logs: pino lines in the rotated file, secrets scrubbed and redacted', () => {
    const dir = tempDir('log');
    const clock = new ManualClock(T0);
    const timer = new ManualTimer();
    const log = createServeLog({
      dir,
      rotateMs: 60_000,
      maxAgeMs: 120_000,
      level: 'info',
      stdout: false,
      secrets: ['S3cr3t-value'],
      clock,
      timer,
    });
    log.logger.info(
      { apiKey: 'K-1234567', nested: { secret: 'zzz-secret' }, note: 'contains S3cr3t-value inside' },
      'hello',
    );
    log.addSecret('late-token-42');
    log.logger.warn('token late-token-42 leaked?');
    const first = log.rotator.current;
    clock.advance(60_000);
    timer.fire();
    log.logger.info('after rotation');
    log.close();
    const a = readFileSync(first, 'utf8');
    expect(a).toMatch(/"msg":"hello"/);
    expect(a).not.toMatch(/K-1234567|zzz-secret|S3cr3t-value|late-token-42/);
    expect(a).toMatch(/\[redacted\]/);
    expect(readFileSync(log.rotator.current, 'utf8')).toMatch(/after rotation/);
  });

  it('scrubText replaces the longest secret first, ignores tiny ones', () => {
    expect(scrubText('key abcd1234 and abcd', ['abcd', 'abcd1234', 'ab'])).toBe('key [redacted] and [redacted]');
    expect(scrubText('a b', ['a'])).toBe('a b');
  });
});
