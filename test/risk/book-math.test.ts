import { describe, expect, it } from 'vitest';
import { depthWithin, exactBook, spreadBps, walkBook } from '../../src/risk/liquidity/book-math.js';
import { Rational } from '../../src/risk/liquidity/rational.js';
import type { BookSnapshot } from '../../src/risk/liquidity/source.js';

const book: BookSnapshot = {
  symbol: 'X/USDT',
  bids: [
    ['99.5', '2'],
    ['99', '10'],
  ],
  asks: [
    ['100.5', '1'],
    ['101', '3'],
    ['102', '5'],
  ],
};

describe('exact book arithmetic', () => {
  it('spread and mid', () => {
    const b = exactBook(book);
    expect(b.mid.toDecimal(10)).toBe('100');
    expect(spreadBps(b)).toBeCloseTo(100, 12);
  });

  it('walks the asks exactly, partial last level as a rational', () => {
    const f = walkBook(exactBook(book), 'buy', Rational.parse('350'));
    expect(f.complete).toBe(true);
    expect(f.levels).toBe(2);
    // 1 @ 100.5 (100.5) + 249.5/101 @ 101 ⇒ base 350.5/101, avg 350 / (350.5/101) = 70700/701
    expect(f.base.cmp(Rational.of(3505n, 1010n))).toBe(0);
    expect(f.avgPrice?.cmp(Rational.of(70700n, 701n))).toBe(0);
    expect(f.slippageBps).toBeCloseTo(((70700 / 701 - 100) / 100) * 1e4, 9);
    expect(f.worstPrice?.toDecimal(4)).toBe('101');
  });

  it('sells into the bids and reports a thin book instead of a number', () => {
    const b = exactBook(book);
    const ok = walkBook(b, 'sell', Rational.parse('199'));
    expect(ok.complete).toBe(true);
    expect(ok.avgPrice?.toDecimal(6)).toBe('99.5');
    expect(ok.slippageBps).toBeCloseTo(50, 9);
    const thin = walkBook(b, 'sell', Rational.parse('5000'));
    expect(thin.complete).toBe(false);
    expect(thin.filledNotional.toDecimal(6)).toBe('1189'); // 199 + 990
  });

  it('depth within ±0.5 % includes levels on the band edge, flags a book that ends inside', () => {
    const b = exactBook(book);
    const d = depthWithin(b, 50);
    expect(d.bidBase.toDecimal(8)).toBe('2');
    expect(d.bidQuote.toDecimal(8)).toBe('199');
    expect(d.askQuote.toDecimal(8)).toBe('100.5');
    expect(d.truncated).toBe(false);
    const wide = depthWithin(b, 500);
    expect(wide.truncated).toBe(true);
    expect(wide.askQuote.toDecimal(8)).toBe(String(100.5 + 303 + 510));
  });

  it('sums exactly where floats would not', () => {
    const b = exactBook({ symbol: 'Y', bids: [['0.1', '1']], asks: [['0.2', '1']] });
    const d = depthWithin(b, 10_000);
    expect(d.bidQuote.add(d.askQuote).toDecimal(30)).toBe('0.3');
    expect(0.1 * 1 + 0.2 * 1).not.toBe(0.3); // the float sum is off
  });

  it('contract size converts contracts to base', () => {
    const b = exactBook({ symbol: 'S', bids: [['100', '250']], asks: [['101', '100']] }, '0.01');
    expect(depthWithin(b, 200).bidBase.toDecimal(8)).toBe('2.5');
    const f = walkBook(b, 'buy', Rational.parse('101'));
    expect(f.base.toDecimal(8)).toBe('1');
  });

  it('rejects crossed, unsorted, empty or negative books with codes', () => {
    expect(() => exactBook({ symbol: 'C', bids: [['101', '1']], asks: [['100', '1']] })).toThrow(
      expect.objectContaining({ code: 'DG_E_CROSSED_BOOK' }),
    );
    expect(() =>
      exactBook({
        symbol: 'U',
        bids: [
          ['99', '1'],
          ['99.5', '1'],
        ],
        asks: [['100', '1']],
      }),
    ).toThrow(expect.objectContaining({ code: 'DG_E_RISK_BAD_SNAPSHOT' }));
    expect(() => exactBook({ symbol: 'E', bids: [], asks: [['100', '1']] })).toThrow(
      expect.objectContaining({ code: 'DG_E_RISK_BAD_SNAPSHOT' }),
    );
    expect(() => exactBook({ symbol: 'N', bids: [['99', '-1']], asks: [['100', '1']] })).toThrow(/negative/);
    expect(() => walkBook(exactBook(book), 'buy', Rational.parse('0'))).toThrow(/notional/);
  });
});
