import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { CcxtSource } from '../../src/risk/liquidity/ccxt-source.js';
import { progressBar } from '../../src/risk/report/progress.js';

describe('progress bar on stderr', () => {
  it('redraws in place on a TTY, throttled, and ends the line', () => {
    const out: string[] = [];
    const clock = new ManualClock(0);
    const bar = progressBar({ write: (s: string) => out.push(s), isTTY: true }, clock, 'liqsim', 10);
    bar.update(0, 100);
    clock.advance(50);
    bar.update(10, 100); // within 100 ms: skipped
    clock.advance(100);
    bar.update(50, 100);
    bar.update(100, 100); // completion always drawn
    bar.finish();
    expect(out).toHaveLength(4);
    expect(out[1]).toBe('\rliqsim [#####.....]  50% 50/100 0.1s eta 0.1s');
    expect(out[2].startsWith('\rliqsim [##########] 100% 100/100')).toBe(true);
    expect(out[3]).toBe('\n');
  });

  it('prints a line per 10 % when not a TTY', () => {
    const out: string[] = [];
    const bar = progressBar({ write: (s: string) => out.push(s) }, new ManualClock(0), 'x', 4);
    for (let i = 0; i <= 100; i += 5) bar.update(i, 100);
    bar.finish();
    expect(out).toHaveLength(11);
    expect(out.every((l) => l.endsWith('\n'))).toBe(true);
  });
});

describe('ccxt source (constructed only; never online in tests)', () => {
  it('rejects an exchange ccxt does not know', () => {
    expect(() => new CcxtSource('no-such-exchange')).toThrow(expect.objectContaining({ code: 'DG_E_BAD_INPUT' }));
    expect(new CcxtSource('binance').name).toBe('binance');
  });
});
