import { describe, expect, it } from 'vitest';
import { initialState } from '../../../src/algo/decide.js';
import type { AlgoLevel } from '../../../src/algo/types.js';
import { T0, HOUR, cancels, child, ladder, market, places, round, spec } from './fixtures.js';

const now = T0 + HOUR / 2;
const s = spec({ mode: 'passive' });
const st = { ...initialState(s), round: 1 };
const wide = ladder(9_998, [10, 10, 10, 10, 10], -1); // spread 2 against asks at 10 000

describe('passive', () => {
  it('rests one post-only quote at the best bid when the spread is one tick', () => {
    const d = round({ spec: s, state: st });
    const p = places(d);
    expect(p).toHaveLength(1);
    expect(p[0]).toMatchObject({ tag: 'passive', type: 'limit', price: 9_999, postOnly: true, tif: 'GTC' });
    // maker budget: target(now + 60 s) = 1 000 000 × 1 860/3 600
    expect(p[0].size).toBe(516_666);
  });

  it('improves by one tick inside a wider spread, or not when improveInside is off', () => {
    expect(places(round({ spec: s, state: st, market: market({ bids: wide }) }))[0].price).toBe(9_999);
    const off = spec({ mode: 'passive', raw: { improveInside: false } });
    expect(places(round({ spec: off, state: st, market: market({ bids: wide }) }))[0].price).toBe(9_998);
  });

  it('does not chase its own quote: the book is read without it', () => {
    // Our quote at 9 999 is alone on that level; the others' best is 9 998 → wanted 9 999 = ours.
    const q = child({ clientId: 'q', tag: 'passive', price: 9_999, size: 7, placedAt: now - 1_000, round: 1 });
    const d = round({ spec: s, state: st, children: [q], market: market({ bids: [[9_999, 7], ...wide] }) });
    expect(d.actions).toEqual([]);
  });

  it('re-prices when outbid', () => {
    const q = child({ clientId: 'q', tag: 'passive', price: 9_998, size: 7, placedAt: now - 1_000, round: 1 });
    const bids = ladder(9_999, [10, 17, 10, 10, 10], -1); // someone at 9 999; ours inside the 17 at 9 998
    const d = round({ spec: s, state: st, children: [q], market: market({ bids }) });
    expect(cancels(d)).toEqual([{ kind: 'cancel', clientId: 'q', reason: 'reprice' }]);
    expect(places(d)[0]).toMatchObject({ price: 9_999, postOnly: true });
    // the cancelled quote still counts until confirmed: budget − its 7 lots
    expect(places(d)[0].size).toBe(516_666 - 7);
  });

  it('re-prices when the market moved away below it', () => {
    const q = child({ clientId: 'q', tag: 'passive', price: 9_999, size: 7, placedAt: now - 1_000, round: 1 });
    const bids: AlgoLevel[] = [[9_999, 7], ...ladder(9_990, [10, 10, 10, 10, 10], -1)];
    const off = spec({ mode: 'passive', raw: { improveInside: false } });
    const d = round({ spec: off, state: st, children: [q], market: market({ bids }) });
    expect(cancels(d)).toEqual([{ kind: 'cancel', clientId: 'q', reason: 'reprice' }]);
    expect(places(d)[0].price).toBe(9_990);
  });

  it('sell: rests at the best ask, one tick inside a wide spread', () => {
    const sell = spec({ mode: 'passive', side: 'sell' });
    const d = round({ spec: sell, state: st, market: market({ asks: ladder(10_002, [10, 10, 10, 10, 10], 1) }) });
    expect(places(d)[0]).toMatchObject({ price: 10_001, postOnly: true });
  });
});
