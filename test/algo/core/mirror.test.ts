/**
 * A sell mirrors a buy: the same scene reflected in price (p → C − p, bids ↔ asks, own children
 * reflected too) must give the same actions at reflected prices. Random books and children over
 * the modes whose rules are additive in price (progressive with every level inside its price
 * limit, passive, iceberg) and the cancel rules; the multiplicative limits (mid × (1 ± pct),
 * aggressive's price_ceil) are covered by their own sell tests.
 */
import { describe, expect, it } from 'vitest';
import { decide, initialState } from '../../../src/algo/decide.js';
import type { AlgoAction, AlgoLevel, ChildTag, ChildView, MarketSnapshot } from '../../../src/algo/types.js';
import { T0, HOUR, child, flatBars, spec } from './fixtures.js';

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

const C = 20_000;
const flip = (p: number): number => C - p;
const flipLevels = (levels: readonly AlgoLevel[]): AlgoLevel[] => levels.map(([p, s]) => [flip(p), s] as const);
const flipActions = (actions: readonly AlgoAction[]): AlgoAction[] =>
  actions.map((a) => (a.kind === 'place' && a.price !== undefined ? { ...a, price: flip(a.price) } : a));

describe('sell mirrors buy', () => {
  const modes = ['progressive', 'passive', 'iceberg'] as const;
  for (const mode of modes) {
    it(`${mode}: 300 random scenes give mirrored actions`, () => {
      let acted = 0;
      for (let seed = 1; seed <= 300; seed++) {
        const rnd = prng(seed * 7 + modes.indexOf(mode));
        const raw = mode === 'iceberg' ? { displaySize: 7 } : mode === 'progressive' ? { priceLimitPct: 0.5 } : {};
        const buy = spec({ mode, raw, size: 500, minLots: 2 });
        const sell = { ...buy, side: 'sell' as const };
        const bestBid = 9_990 + Math.floor(rnd() * 5);
        const bestAsk = bestBid + 1 + Math.floor(rnd() * 9);
        const side = (best: number, dir: 1 | -1): AlgoLevel[] =>
          Array.from(
            { length: 3 + Math.floor(rnd() * 5) },
            (_, i) => [best + dir * i, 1 + Math.floor(rnd() * 30)] as const,
          );
        const now = T0 + HOUR / 2 + Math.floor(rnd() * 1_000);
        const m: MarketSnapshot = {
          now,
          bids: side(bestBid, -1),
          asks: side(bestAsk, 1),
          bars: flatBars(60, Math.floor(rnd() * 3_000), 10_000, now),
        };
        const tags: ChildTag[] = ['probe', 'orderbook', 'trade', 'passive', 'slice'];
        const kids: ChildView[] = Array.from({ length: Math.floor(rnd() * 3) }, (_, k) =>
          child({
            clientId: `k${k}`,
            tag: tags[Math.floor(rnd() * tags.length)],
            price: bestBid - 6 + Math.floor(rnd() * 10),
            size: 1 + Math.floor(rnd() * 5),
            placedAt: now - Math.floor(rnd() * 8_000),
            round: 1 + Math.floor(rnd() * 3),
          }),
        );
        const state = { ...initialState(buy), round: 3 };
        const b = decide({ spec: buy, state, market: m, children: kids, filled: 0 });
        const s = decide({
          spec: sell,
          state,
          market: { ...m, bids: flipLevels(m.asks), asks: flipLevels(m.bids) },
          children: kids.map((c) => ({
            ...c,
            side: 'sell' as const,
            price: c.price === undefined ? undefined : flip(c.price),
          })),
          filled: 0,
        });
        expect(flipActions(s.actions), `seed ${seed}`).toEqual(b.actions);
        expect(s.state).toEqual(b.state);
        acted += b.actions.length;
      }
      expect(acted).toBeGreaterThan(150); // the scenes do trigger rules
    });
  }
});
