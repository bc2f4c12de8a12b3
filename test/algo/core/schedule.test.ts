import { describe, expect, it } from 'vitest';
import { decide, initialState } from '../../../src/algo/decide.js';
import { Budget, target } from '../../../src/algo/schedule.js';
import type { AlgoCoreState, AlgoMode, ChildView, Decision, ParentSpec } from '../../../src/algo/types.js';
import { T0, HOUR, cancels, child, flatBars, ladder, market, places, round, spec, tagged } from './fixtures.js';

describe('linear target', () => {
  it('is size·(t − start)/(end − start), floored, clamped', () => {
    const s = spec({ size: 1_000 });
    expect(target(s, T0 - 1)).toBe(0);
    expect(target(s, T0 + HOUR / 2)).toBe(500);
    expect(target(s, T0 + 3_599)).toBe(0);
    expect(target(s, T0 + 3_600)).toBe(1);
    expect(target(s, T0 + HOUR)).toBe(1_000);
    expect(target(s, T0 + 2 * HOUR)).toBe(1_000);
  });

  it('is exact for sizes beyond 2^53 / duration', () => {
    const s = spec({ size: 2 ** 52, endAt: T0 + 3 });
    expect(target(s, T0 + 1)).toBe(Math.floor(2 ** 52 / 3));
  });

  it('a budget never grants below the minimum order', () => {
    const b = new Budget(5, 4, 100, 100);
    expect(b.take('taker', 10)).toBe(0);
    expect(b.take('maker', 10)).toBe(10);
    expect(b.available('hard')).toBe(90);
  });
});

/** Deterministic PRNG for the simulated venue (test-local). */
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

interface SimResult {
  readonly decisions: { at: number; d: Decision }[];
  readonly filled: number;
  readonly maxCommitted: number;
  readonly done: Decision | undefined;
}

/**
 * Drive one parent through a jittering market with a venue that fills takers at once (partly at
 * times), fills resting makers at random, and may fill a child before confirming its cancel.
 */
function simulate(s: ParentSpec, seed: number, makerFill = 0.15, untilMs = s.endAt + 10_000): SimResult {
  const rnd = prng(seed);
  const kids = new Map<string, ChildView>();
  let state: AlgoCoreState = initialState(s);
  let n = 0;
  let maxCommitted = 0;
  const decisions: { at: number; d: Decision }[] = [];
  const committedNow = () => {
    let c = 0;
    for (const k of kids.values()) c += k.filled + (k.open ? k.size - k.filled : 0);
    return c;
  };
  for (let now = s.startAt; now <= untilMs; now = Math.max(now + 1, state.nextAt)) {
    // The venue acts between rounds.
    for (const [id, k] of kids) {
      if (!k.open) continue;
      const r = rnd();
      if (k.cancelling && r < 0.7) {
        const extra = r < 0.2 ? Math.floor((k.size - k.filled) / 2) : 0;
        kids.set(id, { ...k, filled: k.filled + extra, open: false, cancelling: false });
      } else if (r < makerFill) {
        const f = Math.max(1, Math.floor((k.size - k.filled) * rnd()));
        const filled = Math.min(k.size, k.filled + f);
        kids.set(id, { ...k, filled, open: filled < k.size });
      }
    }
    const shift = Math.floor(rnd() * 8) - 4;
    const m = market({
      now,
      bids: ladder(9_999 + shift - (rnd() < 0.3 ? 6 : 0), [40, 30, 30, 30, 30, 30], -1),
      asks: ladder(10_000 + shift, [20 + Math.floor(rnd() * 40), 30, 30, 30, 30, 30], 1),
      bars: flatBars(60, 500 + Math.floor(rnd() * 500), 10_000, now),
    });
    const children = [...kids.values()];
    const filled = children.reduce((a, c) => a + c.filled, 0);
    const d = decide({ spec: s, state, market: m, children, filled });
    decisions.push({ at: now, d });
    state = d.state;
    for (const a of d.actions) {
      if (a.kind === 'cancel') {
        const k = kids.get(a.clientId);
        if (k) kids.set(a.clientId, { ...k, cancelling: true });
        continue;
      }
      const id = `c${++n}`;
      let k = child({ clientId: id, tag: a.tag, price: a.price, size: a.size, placedAt: now, round: d.state.round });
      if (!a.postOnly) {
        // Taker: fills at once, sometimes only partly; IOC leaves nothing resting.
        const f = rnd() < 0.8 ? a.size : Math.floor(a.size / 2);
        k = { ...k, filled: f, open: a.tif === 'IOC' ? false : f < a.size };
      }
      kids.set(id, k);
    }
    maxCommitted = Math.max(maxCommitted, committedNow());
    if (d.done) return { decisions, filled: committedFilled(kids), maxCommitted, done: d };
  }
  return { decisions, filled: committedFilled(kids), maxCommitted, done: undefined };
}

function committedFilled(kids: Map<string, ChildView>): number {
  let f = 0;
  for (const k of kids.values()) f += k.filled;
  return f;
}

const modes: AlgoMode[] = ['progressive', 'aggressive', 'passive'];

describe('schedule invariants (simulated venue, 3 modes × 6 seeds)', () => {
  for (const mode of modes) {
    for (let seed = 1; seed <= 6; seed++) {
      it(`${mode} seed ${seed}: never over size, nothing after the end, no child below the minimum`, () => {
        const s = spec({ mode, size: 3_000, minLots: 3, endAt: T0 + 20 * 60_000, seed });
        const r = simulate(s, seed);
        expect(r.maxCommitted).toBeLessThanOrEqual(s.size);
        for (const { at, d } of r.decisions) {
          for (const p of places(d)) {
            expect(at).toBeLessThan(s.endAt);
            expect(p.size).toBeGreaterThanOrEqual(s.minLots);
            if (p.tag === 'finish') expect(at).toBeGreaterThanOrEqual(s.endAt - 30_000);
          }
        }
        expect(r.done).toBeDefined();
        expect(r.filled).toBeLessThanOrEqual(s.size);
        // The finish-up rule ('take', the default) gets the parent (nearly) done.
        expect(r.filled).toBeGreaterThan(s.size * 0.9);
      });
    }
  }
});

describe('finish-up and the end time', () => {
  const s = spec({ size: 1_000, endAt: T0 + HOUR });
  const inWindow = T0 + HOUR - 10_000;
  const st = { ...initialState(s), round: 5 };

  it("'take': inside the window, cancels resting children and takes the free remainder with an IOC capped by price_limit", () => {
    const resting = child({
      clientId: 'r',
      tag: 'orderbook',
      price: 9_999,
      size: 100,
      placedAt: inWindow - 1_000,
      round: 4,
    });
    const done = child({ clientId: 'd', tag: 'trade', price: 10_000, size: 500, filled: 500, open: false, round: 3 });
    const asks = ladder(10_000, [150, 150, 150, 150, 150], 1);
    const d = round({ spec: s, state: st, market: market({ now: inWindow, asks }), children: [resting, done] });
    expect(cancels(d)).toEqual([{ kind: 'cancel', clientId: 'r', reason: 'finish' }]);
    // free: 1 000 − 500 filled − 100 still open = 400 → reaches the 3rd level
    expect(tagged(d, 'finish')).toEqual([
      { kind: 'place', tag: 'finish', type: 'limit', price: 10_002, size: 400, tif: 'IOC' },
    ]);
    expect(places(d)).toHaveLength(1);
  });

  it("'take' stops at price_limit: only the depth within mid × 1.10", () => {
    const asks: [number, number][] = [
      [10_000, 50],
      [10_999, 50],
      [11_000, 1_000],
    ];
    const d = round({ spec: s, state: st, market: market({ now: inWindow, asks }) });
    expect(tagged(d, 'finish')).toEqual([
      { kind: 'place', tag: 'finish', type: 'limit', price: 10_999, size: 100, tif: 'IOC' },
    ]);
  });

  it('not yet in the window one ms before it', () => {
    const d = round({ spec: s, state: st, market: market({ now: T0 + HOUR - 30_001 }) });
    expect(tagged(d, 'finish')).toEqual([]);
  });

  it("'none': no finish children; the remainder is left and the parent expires at the end", () => {
    const none = spec({ size: 1_000, raw: { finishUp: { mode: 'none' } } });
    const d = round({ spec: none, state: st, market: market({ now: inWindow }) });
    expect(tagged(d, 'finish')).toEqual([]);
    const r = simulate(
      spec({ mode: 'passive', size: 100_000, endAt: T0 + 5 * 60_000, raw: { finishUp: { mode: 'none' } } }),
      3,
      0,
    );
    expect(r.decisions.some(({ d: x }) => tagged(x, 'finish').length > 0)).toBe(false);
    expect(r.done?.doneReason).toBe('expired');
    expect(r.filled).toBeLessThan(100_000);
  });

  it('at endAt: cancels every open child, places nothing, done expired', () => {
    const a = child({ clientId: 'a', price: 9_999, round: 4 });
    const b = child({ clientId: 'b', price: 9_999, round: 4, cancelling: true });
    const d = round({ spec: s, state: st, market: market({ now: T0 + HOUR }), children: [a, b] });
    expect(d.actions).toEqual([{ kind: 'cancel', clientId: 'a', reason: 'finish' }]);
    expect(d.done).toBe(true);
    expect(d.doneReason).toBe('expired');
  });

  it('filled: done filled', () => {
    const a = child({ clientId: 'a', size: 1_000, filled: 1_000, open: false });
    const d = round({ spec: s, state: st, children: [a] });
    expect(d).toMatchObject({ done: true, doneReason: 'filled', actions: [] });
  });

  it('before the start: nothing, wake at the start', () => {
    const d = round({ spec: s, state: initialState(s), market: market({ now: T0 - 5 }) });
    expect(d).toMatchObject({ done: false, actions: [], state: { nextAt: T0, round: 0 } });
  });

  it('wakes for the finish window and the end time', () => {
    const d = round({ spec: s, state: st, market: market({ now: T0 + HOUR - 31_000 }) });
    expect(d.state.nextAt).toBe(T0 + HOUR - 30_000);
    const last = round({ spec: s, state: st, market: market({ now: T0 + HOUR - 2_000 }) });
    expect(last.state.nextAt).toBe(T0 + HOUR);
  });

  it('takers close the gap to target(now); makers may work ahead to target(now + aheadMs)', () => {
    // 1 000 lots / hour: at 30 min target 500, +30 s ahead → 508
    const filledHalf = child({ clientId: 'f', size: 495, filled: 495, open: false, round: 1 });
    const bids = ladder(9_990, [100, 100, 100, 100, 100], -1); // orderbook rule fires (bids outweigh)
    const asks = ladder(10_000, [60, 10, 10, 10, 10], 1);
    const d = round({
      spec: s,
      state: st,
      children: [filledHalf],
      market: market({ bids, asks, bars: flatBars(60, 10) }),
    });
    expect(tagged(d, 'trade').reduce((a, p) => a + p.size, 0)).toBe(5);
    expect(tagged(d, 'orderbook').reduce((a, p) => a + p.size, 0)).toBe(8);
  });
});
