import { describe, expect, it } from 'vitest';
import { initialState } from '../../../src/algo/decide.js';
import { T0, HOUR, cancels, child, ladder, market, places, round, spec } from './fixtures.js';

const now = T0 + HOUR / 2;
const ice = (raw: Record<string, unknown>, side: 'buy' | 'sell' = 'buy') =>
  spec({ mode: 'iceberg', size: 25, side, raw: { displaySize: 10, ...raw } });
const s = ice({});
const st = { ...initialState(s), round: 3 };
const slice = (over: Parameters<typeof child>[0]) =>
  child({ tag: 'slice', size: 10, placedAt: now - 1_000, round: 2, ...over });

describe('iceberg', () => {
  it('shows one post-only slice of displaySize at the best bid', () => {
    expect(places(round({ spec: s, state: st }))).toEqual([
      { kind: 'place', tag: 'slice', type: 'limit', price: 9_999, size: 10, postOnly: true, tif: 'GTC' },
    ]);
  });

  it('places nothing while a slice is open', () => {
    const open = slice({ clientId: 'a', price: 9_999, filled: 3, filledNotional: 29_997 });
    expect(
      round({ spec: s, state: st, children: [open], market: market({ bids: ladder(9_999, [17, 10, 10, 10, 10], -1) }) })
        .actions,
    ).toEqual([]);
  });

  it('replenishes when the slice is filled; the last slice is smaller', () => {
    const a = slice({ clientId: 'a', price: 9_999, filled: 10, filledNotional: 99_990, open: false });
    expect(places(round({ spec: s, state: st, children: [a] }))[0].size).toBe(10);
    const b = slice({ clientId: 'b', price: 9_999, filled: 10, filledNotional: 99_990, open: false });
    expect(places(round({ spec: s, state: st, children: [a, b] }))[0].size).toBe(5);
  });

  it('re-prices when the market trades through (best bid above the slice)', () => {
    const a = slice({ clientId: 'a', price: 9_998 });
    const bids = ladder(9_999, [10, 20, 10, 10, 10], -1);
    const d = round({ spec: s, state: st, children: [a], market: market({ bids }) });
    expect(cancels(d)).toEqual([{ kind: 'cancel', clientId: 'a', reason: 'reprice' }]);
    expect(places(d)).toEqual([]); // the next slice waits for the cancel to be confirmed
    const after = round({
      spec: s,
      state: st,
      children: [{ ...a, open: false }],
      market: market({ bids: ladder(9_999, [10, 10, 10, 10, 10], -1) }),
    });
    expect(places(after)[0].price).toBe(9_999);
  });

  it('no re-price when the slice is still the best, or with reprice off', () => {
    const a = slice({ clientId: 'a', price: 9_999 });
    expect(
      round({ spec: s, state: st, children: [a], market: market({ bids: ladder(9_999, [20, 10, 10, 10, 10], -1) }) })
        .actions,
    ).toEqual([]);
    const off = ice({ reprice: false });
    const b = slice({ clientId: 'b', price: 9_998 });
    expect(
      round({ spec: off, state: st, children: [b], market: market({ bids: ladder(9_999, [10, 20, 10, 10, 10], -1) }) })
        .actions,
    ).toEqual([]);
  });

  it('never goes beyond limitPrice', () => {
    const capped = ice({ limitPrice: 9_998 });
    expect(places(round({ spec: capped, state: st }))[0].price).toBe(9_998);
    const a = slice({ clientId: 'a', price: 9_998 });
    const bids = ladder(9_999, [10, 20, 10, 10, 10], -1);
    expect(round({ spec: capped, state: st, children: [a], market: market({ bids }) }).actions).toEqual([]);
  });

  it('sell: rests at the best ask, never below its limit', () => {
    expect(places(round({ spec: ice({}, 'sell'), state: st }))[0].price).toBe(10_000);
    expect(places(round({ spec: ice({ limitPrice: 10_003 }, 'sell'), state: st }))[0].price).toBe(10_003);
  });

  it('has no schedule: the whole size is available at once', () => {
    const early = round({ spec: s, state: st, market: market({ now: T0 + 1 }) });
    expect(places(early)[0].size).toBe(10);
  });
});
