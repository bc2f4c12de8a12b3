/**
 * The runner against a scripted venue that races it: takers fill before place() returns, cancels
 * are acknowledged and confirmed later (sometimes after one more fill), some places and cancels
 * are refused, makers fill at random, and an operator pauses and resumes at random. Whatever the
 * order, the venue never fills more than the parent's size, nothing is placed at or after endAt or
 * below minLots, and the runner's filled equals the venue's.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { dgError } from '../../../src/core/errors.js';
import { AlgoRunner } from '../../../src/algo/runner.js';
import type {
  AlgoMode,
  ChildExecutor,
  ChildPlacement,
  ExecResult,
  MarketSnapshot,
  MarketSource,
} from '../../../src/algo/types.js';
import { T0, flatBars, ladder, spec } from './fixtures.js';

function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x100000000;
  };
}

interface VenueOrder {
  readonly size: number;
  readonly price: number;
  readonly postOnly: boolean;
  filled: number;
  open: boolean;
}

async function run(mode: AlgoMode, seed: number) {
  const rnd = prng(seed * 31 + 7);
  const s = spec({
    mode,
    size: 400,
    minLots: 3,
    endAt: T0 + 10 * 60_000,
    seed,
    raw: mode === 'iceberg' ? { displaySize: 20 } : {},
  });
  const clock = new ManualClock(T0);
  const venue = new Map<string, VenueOrder>();
  const later: (() => void)[] = [];
  const violations: string[] = [];
  let venueFilled = 0;
  let n = 0;
  const yieldNow = () => Promise.resolve();
  const report = (id: string) => {
    const v = venue.get(id);
    if (v) runner.childUpdate(id, { filled: v.filled, filledNotional: v.filled * v.price, open: v.open });
  };
  const fill = (id: string, want: number) => {
    const v = venue.get(id);
    if (!v || !v.open) return;
    const q = Math.min(want, v.size - v.filled);
    if (q <= 0) return;
    v.filled += q;
    venueFilled += q;
    if (v.filled >= v.size) v.open = false;
    runner.fill({
      clientId: id,
      price: v.price,
      size: q,
      fee: '0',
      liquidity: 'taker',
      ts: clock.now(),
      tradeId: `${id}:${v.filled}`,
    });
    if (rnd() < 0.5) report(id);
    else later.push(() => report(id));
  };
  const executor: ChildExecutor = {
    async place(p: ChildPlacement): Promise<ExecResult<string>> {
      if (clock.now() >= s.endAt) violations.push(`place at ${clock.now() - s.endAt} ms after the end`);
      if (p.size < s.minLots) violations.push(`child of ${p.size} lots`);
      await yieldNow();
      if (rnd() < 0.05) return { ok: false, error: dgError('DG_E_VENUE_REJECTED', 'scripted') };
      const id = `c${++n}`;
      venue.set(id, { size: p.size, price: p.price ?? 10_000, postOnly: p.postOnly === true, filled: 0, open: true });
      if (!p.postOnly && rnd() < 0.7) fill(id, p.size); // reported before place() returns
      if (p.tif === 'IOC') {
        const v = venue.get(id);
        if (v?.open) {
          v.open = false;
          later.push(() => report(id));
        }
      }
      return { ok: true, value: id };
    },
    async cancel(id: string): Promise<ExecResult<void>> {
      await yieldNow();
      if (rnd() < 0.1) return { ok: false, error: dgError('DG_E_VENUE_REJECTED', 'scripted') };
      later.push(() => {
        const v = venue.get(id);
        if (!v?.open) return;
        if (rnd() < 0.5) fill(id, v.size - v.filled); // a fill racing the cancel
        if (v.open) {
          v.open = false;
          report(id);
        }
      });
      return { ok: true, value: undefined };
    },
  };
  const market: MarketSource = {
    async snapshot(): Promise<ExecResult<MarketSnapshot>> {
      await yieldNow();
      const shift = Math.floor(rnd() * 6) - 3;
      const now = clock.now();
      return {
        ok: true,
        value: {
          now,
          bids: ladder(9_999 + shift - (rnd() < 0.3 ? 6 : 0), [40, 30, 30, 30, 30, 30], -1),
          asks: ladder(10_000 + shift, [20, 30, 30, 30, 30, 30], 1),
          bars: flatBars(60, 500, 10_000, now),
        },
      };
    },
  };
  const runner = new AlgoRunner({ spec: s, executor, market, clock });
  for (let i = 0; i < 3_000 && (runner.status === 'running' || runner.status === 'paused'); i++) {
    const step = runner.step();
    const pausing = rnd() < 0.02 ? runner.pause('operator') : undefined;
    await step;
    await pausing;
    // The venue answers in its own time: some reports wait a round or more.
    for (const f of later.splice(0)) {
      if (rnd() < 0.6) f();
      else later.push(f);
    }
    for (const [id, v] of venue) if (v.open && v.postOnly && rnd() < 0.1) fill(id, 1 + Math.floor(rnd() * v.size));
    if (runner.status === 'paused' && rnd() < 0.5) runner.resume();
    clock.set(Math.max(clock.now() + 200, Math.min(runner.nextAt, clock.now() + 5_000)));
  }
  return { s, runner, venueFilled, violations };
}

describe('runner invariants against a racing venue', () => {
  const modes: AlgoMode[] = ['progressive', 'aggressive', 'passive', 'iceberg'];
  for (const mode of modes) {
    it(`${mode}: never over size, nothing after the end or below the minimum`, async () => {
      for (let seed = 1; seed <= 4; seed++) {
        const r = await run(mode, seed);
        expect(r.violations, `seed ${seed}`).toEqual([]);
        expect(r.venueFilled, `seed ${seed}`).toBeLessThanOrEqual(r.s.size);
        expect(r.runner.filled, `seed ${seed}`).toBe(r.venueFilled);
        expect(r.runner.status, `seed ${seed}`).toBe('done');
        expect(r.venueFilled, `seed ${seed}`).toBeGreaterThan(r.s.size * 0.9);
      }
    });
  }
});
