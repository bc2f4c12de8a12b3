import { describe, expect, it } from 'vitest';
import { PriceLadder } from '../../src/book/price-ladder.js';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

function walk(l: PriceLadder): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let p = l.bestPos(); p >= 0; p = l.prevPos(p)) out.push([l.priceAt(p), l.valAt(p)]);
  return out;
}

describe('PriceLadder (chunked, best at the tail)', () => {
  for (const sign of [1, -1] as const) {
    it(`matches a sorted map through splits and merges (sign ${sign})`, () => {
      const rnd = rng(sign === 1 ? 11 : 12);
      const l = new PriceLadder(sign);
      const ref = new Map<number, number>();
      for (let step = 0; step < 30_000; step++) {
        // Phases: grow to thousands of sparse levels, then shrink, then churn at the touch.
        const phase = Math.floor(step / 10_000);
        const price = phase === 2 ? 500_000 + Math.floor(rnd() * 40) : 1 + Math.floor(rnd() * 1_000_000);
        const i = l.find(price);
        const del = phase === 1 ? rnd() < 0.8 : rnd() < 0.3;
        if (del) {
          const victim = i >= 0 ? price : [...ref.keys()][Math.floor(rnd() * ref.size)];
          if (victim === undefined) continue;
          l.removeAt(l.find(victim));
          ref.delete(victim);
        } else if (i >= 0) {
          l.setValAt(i, step);
          ref.set(price, step);
        } else {
          l.insertAt(i, price, step);
          ref.set(price, step);
        }
        if (step % 2500 === 0 || step === 29_999) {
          expect(l.isConsistent()).toBe(true);
          const want = [...ref.entries()].sort((a, b) => (sign === 1 ? b[0] - a[0] : a[0] - b[0]));
          expect(walk(l)).toEqual(want);
          expect(l.length).toBe(ref.size);
          expect(l.best()).toBe(want[0]?.[0]);
        }
      }
      for (const p of [...ref.keys()]) l.removeAt(l.find(p));
      expect(l.length).toBe(0);
      expect(l.best()).toBeUndefined();
      expect(l.bestPos()).toBe(-1);
    });
  }
});
