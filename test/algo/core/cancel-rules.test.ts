import { describe, expect, it } from 'vitest';
import { initialState } from '../../../src/algo/decide.js';
import { T0, HOUR, cancels, child, ladder, market, round, spec } from './fixtures.js';

const now = T0 + HOUR / 2;
const state = { ...initialState(spec()), round: 2 };

describe('cancel rules', () => {
  it('cancels an open child older than the child timeout (5 s)', () => {
    const c = child({ clientId: 'a', price: 9_999, placedAt: now - 5_001, round: 1 });
    expect(cancels(round({ state, children: [c] }))).toEqual([{ kind: 'cancel', clientId: 'a', reason: 'timeout' }]);
  });

  it('keeps a child exactly at the timeout', () => {
    const c = child({ clientId: 'a', price: 9_999, placedAt: now - 5_000, round: 1 });
    expect(cancels(round({ state, children: [c] }))).toEqual([]);
  });

  it('honours a configured timeout', () => {
    const s = spec({ raw: { childTimeoutMs: 20_000 } });
    const c = child({ clientId: 'a', price: 9_999, placedAt: now - 10_000, round: 1 });
    expect(cancels(round({ spec: s, state, children: [c] }))).toEqual([]);
  });

  it('cancels a buy priced below the 5th bid level', () => {
    // bids 9 999 … 9 995: the 5th level is 9 995
    const c = child({ clientId: 'a', price: 9_994, placedAt: now - 1_000, round: 1 });
    expect(cancels(round({ state, children: [c] }))).toEqual([{ kind: 'cancel', clientId: 'a', reason: 'far' }]);
  });

  it('keeps a buy priced at the 5th bid level', () => {
    const c = child({ clientId: 'a', price: 9_995, placedAt: now - 1_000, round: 1 });
    const bids = [
      [9_999, 10],
      [9_998, 10],
      [9_997, 10],
      [9_996, 10],
      [9_995, 11],
    ] as [number, number][];
    // The snapshot shows the child's own 1 lot at 9 995 on top of the others' 10.
    expect(cancels(round({ state, children: [{ ...c, size: 1 }], market: market({ bids }) }))).toEqual([]);
  });

  it('mirrors for a sell: above the 5th ask level is far', () => {
    const s = spec({ side: 'sell' });
    const far = child({ clientId: 'a', side: 'sell', price: 10_005, placedAt: now - 1_000, round: 1 });
    const near = child({ clientId: 'b', side: 'sell', price: 10_004, size: 1, placedAt: now - 1_000, round: 1 });
    const asks = ladder(10_000, [10, 10, 10, 10, 11], 1);
    const d = round({
      spec: s,
      state,
      children: [far, { ...near }],
      market: market({ asks: [...asks, [10_005, 10]] }),
    });
    expect(cancels(d)).toEqual([{ kind: 'cancel', clientId: 'a', reason: 'far' }]);
  });

  it('skips the far rule when the own side has fewer than 5 levels', () => {
    const c = child({ clientId: 'a', price: 9_000, placedAt: now - 1_000, round: 1 });
    expect(
      cancels(round({ state, children: [c], market: market({ bids: ladder(9_999, [10, 10, 10, 10], -1) }) })),
    ).toEqual([]);
  });

  it('judges only open children of earlier rounds not already being cancelled', () => {
    const old = now - 60_000;
    const kids = [
      child({ clientId: 'cur', placedAt: old, round: 3 }),
      child({ clientId: 'done', placedAt: old, round: 1, open: false }),
      child({ clientId: 'busy', placedAt: old, round: 1, cancelling: true }),
    ];
    expect(cancels(round({ state, children: kids }))).toEqual([]);
  });
});
