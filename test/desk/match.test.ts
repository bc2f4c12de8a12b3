import { describe, expect, it } from 'vitest';
import { isDeepStrictEqual } from 'node:util';
import { explainUnmatched, matchOrders } from '../../src/desk/match.js';
import { matchNaive } from '../../src/desk/match-naive.js';
import { seededRandom } from '../../src/core/seeded-random.js';
import { synthDesk } from '../../src/desk/synth.js';
import { hedge, lock, T0 } from './fixtures.js';

describe('matchOrders rule (S2.2)', () => {
  it('matches one-to-one on client, side, quote and base within 1 % of the lock amount, exactly at the edge', () => {
    const locks = [lock({ id: 'L1', amount: '100' }), lock({ id: 'L2', amount: '100', lockTime: T0 + 1 })];
    const hedges = [
      hedge({ id: 'H1', amount: '101' }),
      hedge({ id: 'H2', amount: '101.000000000000000001', startTime: T0 + 6000 }),
    ];
    const r = matchOrders(locks, hedges);
    expect(r.pairs).toEqual([{ lockId: 'L1', hedgeIds: ['H1'], kind: 'one-to-one' }]);
    expect(r.unmatchedLocks).toEqual([{ id: 'L2', reason: 'fitting_hedges_already_matched' }]);
    expect(r.unmatchedHedges).toEqual([{ id: 'H2', reason: 'amount_out_of_tolerance' }]);
    expect(matchOrders(locks, hedges, { tolerancePct: 1.5 }).pairs).toHaveLength(2);
  });

  it('never pairs across client, side, quote coin or (by default) base coin', () => {
    const l = lock({ id: 'L1' });
    const hedges = [
      hedge({ id: 'Hc', clientId: 'C2' }),
      hedge({ id: 'Hs', side: 'sell' }),
      hedge({ id: 'Hq', quote: 'USDC' }),
      hedge({ id: 'Hb', base: 'ETH' }),
    ];
    const r = matchOrders([l], hedges);
    expect(r.pairs).toEqual([]);
    expect(r.unmatchedLocks).toEqual([{ id: 'L1', reason: 'no_hedge_for_client_side_coin' }]);
    expect(matchOrders([l], hedges, { matchBase: false }).pairs).toEqual([
      { lockId: 'L1', hedgeIds: ['Hb'], kind: 'one-to-one' },
    ]);
  });

  it('respects the time window: no hedge before the lock (unless maxEarly), none after maxDelay', () => {
    const l = lock({ id: 'L1' });
    const early = hedge({ id: 'He', startTime: T0 - 1000 });
    const late = hedge({ id: 'Hl', startTime: T0 + 86_400_001 });
    expect(matchOrders([l], [early, late]).unmatchedLocks).toEqual([{ id: 'L1', reason: 'no_hedge_in_time_window' }]);
    expect(matchOrders([l], [early, late], { maxEarlyMs: 2000 }).pairs[0].hedgeIds).toEqual(['He']);
    expect(matchOrders([l], [early, late], { maxDelayMs: 2 * 86_400_000 }).pairs[0].hedgeIds).toEqual(['Hl']);
  });

  it('matches one lock to several hedges summing to it within tolerance (one-to-many)', () => {
    const l = lock({ id: 'L1', amount: '10' });
    const hs = [
      hedge({ id: 'H1', amount: '3', startTime: T0 + 1000 }),
      hedge({ id: 'H2', amount: '8', startTime: T0 + 2000 }), // would overshoot: skipped
      hedge({ id: 'H3', amount: '3', startTime: T0 + 3000 }),
      hedge({ id: 'H4', amount: '3.95', startTime: T0 + 4000 }),
    ];
    const r = matchOrders([l], hs);
    expect(r.pairs).toEqual([{ lockId: 'L1', hedgeIds: ['H1', 'H3', 'H4'], kind: 'one-to-many' }]);
    expect(r.unmatchedHedges).toEqual([{ id: 'H2', reason: 'amount_out_of_tolerance' }]);
    expect(matchOrders([l], hs, { maxParts: 2 }).pairs).toEqual([]);
  });

  it('prefers one-to-one for every lock before any split, in time order', () => {
    const locks = [lock({ id: 'L1', amount: '2' }), lock({ id: 'L2', amount: '1', lockTime: T0 + 10 })];
    const hs = [
      hedge({ id: 'Ha', amount: '1', startTime: T0 + 100 }),
      hedge({ id: 'Hb', amount: '1', startTime: T0 + 200 }),
      hedge({ id: 'Hc', amount: '1', startTime: T0 + 300 }),
    ];
    const r = matchOrders(locks, hs);
    expect(r.pairs).toEqual([
      { lockId: 'L1', hedgeIds: ['Hb', 'Hc'], kind: 'one-to-many' },
      { lockId: 'L2', hedgeIds: ['Ha'], kind: 'one-to-one' },
    ]);
  });

  it('explains a lock whose fitting hedge went to an earlier lock', () => {
    const locks = [lock({ id: 'L1' }), lock({ id: 'L2', lockTime: T0 + 1 })];
    const r = matchOrders(locks, [hedge({ id: 'H1' })]);
    expect(r.unmatchedLocks).toEqual([{ id: 'L2', reason: 'fitting_hedges_already_matched' }]);
    const ex = explainUnmatched([locks[1]], [], locks, [hedge({ id: 'H1' })]);
    expect(ex.unmatchedLocks).toEqual([{ id: 'L2', reason: 'fitting_hedges_already_matched' }]);
  });

  it('is deterministic: input order does not change the result', () => {
    const d = synthDesk({ seed: 11, locks: 3000, startMs: T0, endMs: T0 + 5 * 86_400_000, clients: 6 });
    const a = matchOrders(d.locks, d.hedges);
    const rnd = seededRandom(5);
    const shuffle = <T>(xs: T[]): T[] => {
      const c = [...xs];
      for (let i = c.length - 1; i > 0; i--) {
        const j = Math.floor(rnd() * (i + 1));
        [c[i], c[j]] = [c[j], c[i]];
      }
      return c;
    };
    expect(matchOrders(shuffle(d.locks), shuffle(d.hedges))).toEqual(a);
  });

  it.each([
    ['defaults', {}],
    ['tight tolerance, short window', { tolerancePct: 0.05, maxDelayMs: 60_000 }],
    ['loose, early hedges allowed, no base', { tolerancePct: 2, maxEarlyMs: 30_000, matchBase: false, maxParts: 3 }],
  ])('equals the all-pairs baseline on seeded data (%s)', (_name, opts) => {
    // Few clients ⇒ crowded buckets, so splits, steals and every unmatched reason occur.
    const d = synthDesk({
      seed: 3,
      locks: 2500,
      startMs: T0,
      endMs: T0 + 3 * 86_400_000,
      clients: 4,
      splitRate: 0.2,
      unhedgedRate: 0.05,
      orphanRate: 0.03,
    });
    const fast = matchOrders(d.locks, d.hedges, opts);
    const naive = matchNaive(d.locks, d.hedges, opts);
    expect(isDeepStrictEqual(fast, naive)).toBe(true);
    expect(fast.pairs.some((p) => p.kind === 'one-to-many')).toBe(true);
    expect(fast.unmatchedLocks.length).toBeGreaterThan(0);
    // Every order is accounted for exactly once.
    const usedHedges = fast.pairs.flatMap((p) => p.hedgeIds);
    expect(new Set(usedHedges).size).toBe(usedHedges.length);
    expect(usedHedges.length + fast.unmatchedHedges.length).toBe(d.hedges.length);
    expect(fast.pairs.length + fast.unmatchedLocks.length).toBe(d.locks.length);
  });
});
