/**
 * S0.4: one file per rotate_time period (named after its UTC start), files older than max_age
 * deleted, lines batched per event-loop turn and flushed on rotation, close and process exit
 * (manual clock and timer; a child process for the crash and SIGTERM paths).
 */
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { RotatingLog, parseStamp, stampOf, type RotatorTimer } from '../../src/logging/rotating-log.js';
import { createServeLog, scrubText } from '../../src/gateway/serve/logging.js';
import { removeTempDirs, tempDir } from './support.js';

afterAll(() => removeTempDirs());

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

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
const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('RotatingLog', () => {
  it('stamps: ISO 8601 basic UTC seconds; the older millisecond stamps still parse', () => {
    expect(stampOf(T0 + 3_723_456)).toBe('20261122T010203Z');
    expect(parseStamp(stampOf(T0 + 3_723_000))).toBe(T0 + 3_723_000);
    expect(parseStamp('20261122T004512345Z')).toBe(T0 + 45 * 60_000 + 12_345);
    expect(parseStamp('garbage')).toBeUndefined();
    expect(parseStamp('20261122-004512')).toBeUndefined();
  });

  it('refuses a bad prefix or rotate/max age', () => {
    const dir = tempDir('bad');
    const clock = new ManualClock(T0);
    const timer = new ManualTimer();
    expect(() => new RotatingLog({ dir, prefix: 'a/b', rotateMs: 1000, maxAgeMs: 1000, clock, timer })).toThrow(
      /DG_E_BAD_CONFIG|configuration/,
    );
    expect(() => new RotatingLog({ dir, prefix: 'x', rotateMs: 999, maxAgeMs: 5000, clock, timer })).toThrow();
    expect(() => new RotatingLog({ dir, prefix: 'x', rotateMs: 2000, maxAgeMs: 1000, clock, timer })).toThrow();
  });

  it('rotates on the timer every period, names files by period start, deletes what ended before max_age', () => {
    const dir = tempDir('rot');
    const clock = new ManualClock(T0 + 300); // mid-period: the file is still named after 00:00:00
    const timer = new ManualTimer();
    // Strangers in the same dir are never touched, even when they look like logs.
    writeFileSync(join(dir, 'other.log'), 'x');
    writeFileSync(join(dir, 'dealer-20200101T000000Z.log'), 'another prefix');
    const r = new RotatingLog({ dir, prefix: 'deskgate', rotateMs: 1000, maxAgeMs: 2500, clock, timer });
    expect(timer.ms).toBe(1000);
    expect(r.current).toBe(join(dir, 'deskgate-20261122T000000Z.log'));
    const written: string[] = [];
    for (let i = 0; i < 6; i++) {
      r.write(`line ${i}\n`);
      written.push(r.current);
      clock.advance(1000);
      timer.fire();
    }
    // Now T0+6300: periods 0..6 s; a period [s, s+1000) is kept while s + 1000 ≥ 6300 − 2500.
    expect(r.files().map((f) => f.start - T0)).toEqual([3000, 4000, 5000, 6000]);
    expect(r.deleted).toBe(3);
    expect(r.rotations).toBe(6);
    expect(readdirSync(dir)).toEqual(expect.arrayContaining(['other.log', 'dealer-20200101T000000Z.log']));
    expect(readFileSync(written[5], 'utf8')).toBe('line 5\n'); // flushed at the rotation
    expect(readFileSync(r.current, 'utf8')).toBe('');
    r.close();
    timer.fire(); // stopped: nothing happens
    expect(r.rotations).toBe(6);
  });

  it('an idle tick deletes expired files without a rotation; older serve names age out too', () => {
    const dir = tempDir('idle');
    const old = ['deskgate-20261121T000000123Z.log', 'deskgate-20261121T000000123Z-1.log'];
    for (const f of old) writeFileSync(join(dir, f), 'old');
    writeFileSync(join(dir, 'deskgate-20261121T230000Z.log'), 'recent');
    const clock = new ManualClock(T0 + 10 * 60_000);
    const timer = new ManualTimer();
    const r = new RotatingLog({ dir, prefix: 'deskgate', rotateMs: 3_600_000, maxAgeMs: 3_600_000, clock, timer });
    expect(timer.ms).toBe(60_000); // ticks at most a minute apart
    // Constructed at 00:10: the 23:00 file ended at 00:00, 10 min ago; the legacy ones long ago.
    expect(readdirSync(dir).sort()).toEqual(['deskgate-20261121T230000Z.log', 'deskgate-20261122T000000Z.log']);
    clock.set(T0 + 59 * 60_000 + 59_999); // 00:59:59.999: a tick in the period rotates nothing
    timer.fire();
    expect(r.rotations).toBe(0);
    expect(readdirSync(dir)).toContain('deskgate-20261121T230000Z.log'); // ended 59:59.999 ago < 1 h
    clock.set(T0 + 3_600_000 + 1000); // 01:00:01, no write
    timer.fire();
    expect(r.rotations).toBe(1);
    expect(r.current).toBe(join(dir, 'deskgate-20261122T010000Z.log'));
    expect(readdirSync(dir).sort()).toEqual(['deskgate-20261122T000000Z.log', 'deskgate-20261122T010000Z.log']);
    r.close();
  });

  it("the Dealer's names before this rotator (dealer.YYYYMMDD-HHMMSS.log) age out too", () => {
    const dir = tempDir('dealer-legacy');
    writeFileSync(join(dir, 'dealer.20261121-000000.log'), 'old');
    writeFileSync(join(dir, 'dealer.20261121-230000.log'), 'recent');
    writeFileSync(join(dir, 'dealer.notes.log'), 'not ours');
    const clock = new ManualClock(T0 + 10 * 60_000);
    const r = new RotatingLog({ dir, prefix: 'dealer', rotateMs: 3_600_000, maxAgeMs: 3_600_000, clock });
    // The 2026-11-21 00:00 period ended a day ago; the 23:00 one ended 10 minutes ago (< max age).
    expect(readdirSync(dir).sort()).toEqual([
      'dealer-20261122T000000Z.log',
      'dealer.20261121-230000.log',
      'dealer.notes.log',
    ]);
    r.close();
  });

  it('a restart inside a period appends to that period file', () => {
    const dir = tempDir('restart');
    const clock = new ManualClock(T0 + 1000);
    const timer = new ManualTimer();
    const opts = { dir, prefix: 'deskgate', rotateMs: 60_000, maxAgeMs: 120_000, clock, timer };
    const a = new RotatingLog(opts);
    a.write('first run');
    a.close();
    clock.advance(5000);
    const b = new RotatingLog(opts);
    b.write('second run');
    b.close();
    expect(b.current).toBe(a.current);
    expect(readFileSync(b.current, 'utf8')).toBe('first run\nsecond run\n');
  });

  it('batches lines: no write per line, one flush at the end of the turn, at 64 KiB, and on close', async () => {
    const dir = tempDir('batch');
    const clock = new ManualClock(T0);
    const r = new RotatingLog({
      dir,
      prefix: 'deskgate',
      rotateMs: 60_000,
      maxAgeMs: 60_000,
      clock,
      timer: new ManualTimer(),
    });
    r.write('a');
    r.write('b\n');
    expect(readFileSync(r.current, 'utf8')).toBe(''); // still in the batch
    await turn();
    expect(readFileSync(r.current, 'utf8')).toBe('a\nb\n');
    const big = 'x'.repeat(1023);
    for (let i = 0; i < 63; i++) r.write(big);
    expect(readFileSync(r.current, 'utf8')).toBe('a\nb\n'); // 63 KiB: still batched
    r.write(big); // 64 KiB: written at once
    expect(readFileSync(r.current, 'utf8').length).toBe(4 + 64 * 1024);
    r.write('last');
    r.close();
    expect(readFileSync(r.current, 'utf8').endsWith('x\nlast\n')).toBe(true);
    expect(r.write('ignored')).toBe(false);
    await turn();
    expect(readFileSync(r.current, 'utf8').endsWith('last\n')).toBe(true);
    expect(r.writeErrors).toBe(0);
  });

  it('process exit paths keep the last lines: an uncaught exception, and SIGTERM → close', async () => {
    const dir = tempDir('exit');
    const mod = pathToFileURL(join(ROOT, 'src/logging/rotating-log.ts')).href;
    const script = join(dir, 'child.mts');
    writeFileSync(
      script,
      `import { RotatingLog } from ${JSON.stringify(mod)};
const log = new RotatingLog({ dir: process.argv[2], prefix: 'child', rotateMs: 60_000, maxAgeMs: 60_000, clock: { now: () => Date.now() } });
if (process.argv[3] === 'crash') {
  log.write('before the crash');
  throw new Error('boom');
}
process.on('SIGTERM', () => {
  log.write('last line on SIGTERM');
  log.close();
  process.exit(0);
});
log.write('ready');
setInterval(() => undefined, 1000);
process.stdout.write('ready\\n');
`,
    );
    const run = (
      sub: string,
      mode: string,
    ): { child: ReturnType<typeof spawn>; done: Promise<{ code: number | null; out: string }> } => {
      const child = spawn(process.execPath, ['--import', 'tsx', script, join(dir, sub), mode], {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout?.on('data', (b: Buffer) => {
        out += b.toString();
        if (out.includes('ready')) child.kill('SIGTERM');
      });
      const done = new Promise<{ code: number | null; out: string }>((res) =>
        child.on('exit', (code) => res({ code, out })),
      );
      return { child, done };
    };
    const read = (sub: string): string =>
      readdirSync(join(dir, sub))
        .map((f) => readFileSync(join(dir, sub, f), 'utf8'))
        .join('');

    const crash = await run('crash', 'crash').done;
    expect(crash.code).toBe(1);
    expect(read('crash')).toBe('before the crash\n');

    const term = await run('term', 'term').done;
    expect(term.code).toBe(0);
    expect(read('term')).toBe('ready\nlast line on SIGTERM\n');
  }, 30_000);
});

describe('serve logs', () => {
  it('pino lines in the rotated file, secrets scrubbed and redacted, the last line flushed on close', () => {
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
    expect(first).toBe(join(dir, 'deskgate-20261122T000000Z.log'));
    clock.advance(60_000);
    timer.fire();
    log.logger.info('after rotation');
    log.close();
    const a = readFileSync(first, 'utf8');
    expect(a).toMatch(/"msg":"hello"/);
    expect(a).toMatch(/token \[redacted\] leaked/);
    expect(a).not.toMatch(/K-1234567|zzz-secret|S3cr3t-value|late-token-42/);
    expect(a).toMatch(/\[redacted\]/);
    expect(log.rotator.current).toBe(join(dir, 'deskgate-20261122T000100Z.log'));
    expect(readFileSync(log.rotator.current, 'utf8')).toMatch(/after rotation/);
  });

  it('scrubText replaces the longest secret first, ignores tiny ones', () => {
    expect(scrubText('key abcd1234 and abcd', ['abcd', 'abcd1234', 'ab'])).toBe('key [redacted] and [redacted]');
    expect(scrubText('a b', ['a'])).toBe('a b');
  });
});
