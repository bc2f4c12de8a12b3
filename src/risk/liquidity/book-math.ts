/**
 * Exact order-book arithmetic for the liquidity report: spread, depth within ±x % of the mid
 * and the cost of filling a quote notional by walking the book. All sums are exact rationals
 * over the decimal strings of the book; floats appear only in the final bps figures.
 */
import { dgError } from '../../core/errors.js';
import { Rational } from './rational.js';
import type { BookSnapshot } from './source.js';

export interface ExactLevel {
  readonly price: Rational;
  /** Base-coin quantity (amount × contract size). */
  readonly base: Rational;
}

export interface ExactBook {
  readonly bids: ExactLevel[];
  readonly asks: ExactLevel[];
  readonly bestBid: Rational;
  readonly bestAsk: Rational;
  readonly mid: Rational;
}

/** Validates (sorted, positive, not crossed, both sides present) and converts a snapshot. */
export function exactBook(b: BookSnapshot, contractSize = '1'): ExactBook {
  const cs = Rational.parse(contractSize);
  if (cs.cmp(Rational.ZERO) <= 0) throw dgError('DG_E_RISK_BAD_SNAPSHOT', `${b.symbol}: contract size must be > 0`);
  const conv = (side: 'bids' | 'asks'): ExactLevel[] => {
    const out: ExactLevel[] = [];
    for (const [p, a] of b[side]) {
      const price = Rational.parse(p);
      const amount = Rational.parse(a);
      if (price.cmp(Rational.ZERO) <= 0)
        throw dgError('DG_E_RISK_BAD_SNAPSHOT', `${b.symbol}: non-positive price ${p} in ${side}`);
      if (amount.cmp(Rational.ZERO) < 0)
        throw dgError('DG_E_RISK_BAD_SNAPSHOT', `${b.symbol}: negative amount ${a} in ${side}`);
      if (amount.isZero()) continue;
      const prev = out[out.length - 1];
      if (prev && (side === 'bids' ? price.cmp(prev.price) >= 0 : price.cmp(prev.price) <= 0)) {
        throw dgError('DG_E_RISK_BAD_SNAPSHOT', `${b.symbol}: ${side} not strictly sorted at ${p}`);
      }
      out.push({ price, base: amount.mul(cs) });
    }
    return out;
  };
  const bids = conv('bids');
  const asks = conv('asks');
  if (bids.length === 0 || asks.length === 0)
    throw dgError('DG_E_RISK_BAD_SNAPSHOT', `${b.symbol}: one side of the book is empty`);
  if (bids[0].price.cmp(asks[0].price) >= 0) throw dgError('DG_E_CROSSED_BOOK', `${b.symbol}: best bid ≥ best ask`);
  const mid = bids[0].price.add(asks[0].price).div(Rational.of(2n));
  return { bids, asks, bestBid: bids[0].price, bestAsk: asks[0].price, mid };
}

export function spreadBps(b: ExactBook): number {
  return b.bestAsk.sub(b.bestBid).div(b.mid).toNumber() * 1e4;
}

export interface Depth {
  /** ±band as a fraction, e.g. 0.005. */
  readonly band: number;
  readonly bidBase: Rational;
  readonly askBase: Rational;
  readonly bidQuote: Rational;
  readonly askQuote: Rational;
  /** True when the fetched book ends inside the band (the figure is a lower bound). */
  readonly truncated: boolean;
}

/** Depth within ±band of the mid; band in basis points (10 = 0.1 %). */
export function depthWithin(b: ExactBook, bandBps: number): Depth {
  const f = Rational.of(BigInt(Math.round(bandBps * 100)), 1_000_000n);
  const lo = b.mid.mul(Rational.of(1n).sub(f));
  const hi = b.mid.mul(Rational.of(1n).add(f));
  let bidBase = Rational.ZERO;
  let bidQuote = Rational.ZERO;
  let askBase = Rational.ZERO;
  let askQuote = Rational.ZERO;
  let truncated = false;
  let i = 0;
  for (; i < b.bids.length && b.bids[i].price.cmp(lo) >= 0; i++) {
    bidBase = bidBase.add(b.bids[i].base);
    bidQuote = bidQuote.add(b.bids[i].base.mul(b.bids[i].price));
  }
  if (i === b.bids.length) truncated = true;
  let j = 0;
  for (; j < b.asks.length && b.asks[j].price.cmp(hi) <= 0; j++) {
    askBase = askBase.add(b.asks[j].base);
    askQuote = askQuote.add(b.asks[j].base.mul(b.asks[j].price));
  }
  if (j === b.asks.length) truncated = true;
  return { band: bandBps / 1e4, bidBase, askBase, bidQuote, askQuote, truncated };
}

export interface Fill {
  readonly side: 'buy' | 'sell';
  readonly notional: Rational;
  /** False when the fetched book is too thin: `filledNotional` < `notional`. */
  readonly complete: boolean;
  readonly filledNotional: Rational;
  readonly base: Rational;
  /** Volume-weighted average price (null when nothing filled). */
  readonly avgPrice: Rational | null;
  /** Cost versus the mid in bps (buy: avg above mid; sell: avg below mid), positive = worse. */
  readonly slippageBps: number | null;
  readonly levels: number;
  /** Worst price touched. */
  readonly worstPrice: Rational | null;
}

/** Walk the book to buy (asks) or sell (bids) `notional` of the quote coin, exactly. */
export function walkBook(b: ExactBook, side: 'buy' | 'sell', notional: Rational): Fill {
  if (notional.cmp(Rational.ZERO) <= 0) throw dgError('DG_E_BAD_INPUT', 'notional must be > 0');
  const levels = side === 'buy' ? b.asks : b.bids;
  let remaining = notional;
  let base = Rational.ZERO;
  let used = 0;
  let worst: Rational | null = null;
  for (const l of levels) {
    if (remaining.isZero()) break;
    used++;
    worst = l.price;
    const levelQuote = l.base.mul(l.price);
    if (levelQuote.cmp(remaining) <= 0) {
      base = base.add(l.base);
      remaining = remaining.sub(levelQuote);
    } else {
      base = base.add(remaining.div(l.price));
      remaining = Rational.ZERO;
    }
  }
  const filled = notional.sub(remaining);
  const avg = base.isZero() ? null : filled.div(base);
  const slip = avg === null ? null : (side === 'buy' ? avg.sub(b.mid) : b.mid.sub(avg)).div(b.mid).toNumber() * 1e4;
  return {
    side,
    notional,
    complete: remaining.isZero(),
    filledNotional: filled,
    base,
    avgPrice: avg,
    slippageBps: slip,
    levels: used,
    worstPrice: worst,
  };
}
