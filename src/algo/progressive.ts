/**
 * Progressive (mixed) TWAP mode, S2.13, for a buy (a sell mirrors through `dir`). A round every
 * roundMin–roundMax ms (uniform draw from the xorshift state). After the cancel rules each round
 * runs, in order:
 * 1. place_on_trade (taker): the first `tradeLevels` ask levels priced ≤ price_limit =
 *    mid × (1 + priceLimitPct). If their total size > threshold_vlm = median(last `thresholdBars`
 *    bar volumes) × thresholdFactor, buy at each level's price with the level's size, stopping once
 *    the round's total exceeds max_vlm_each_trade = (Σ bid sizes / nBidLevels + Σ ask sizes /
 *    nAskLevels) / 2 over the first `maxVlmLevels` levels (the seed's (Σ30 + Σ30)/30/2 when both
 *    sides have 30 levels).
 *    Fallback: when last round's probe is still without a fill and step 1 placed nothing, the same
 *    level walk runs without the threshold_vlm gate, tagged 'fallback'.
 * 2. place_on_orderbook (maker): if Σ top-`orderbookLevels` bid sizes > Σ top ask sizes, rest a
 *    post-only buy at the mid (floored to the tick, kept below the best ask) with size = the
 *    average top-level bid size.
 * 3. place_on_spread (maker): if best ask − best bid > spreadTicks, rest a post-only probe of
 *    minLots at best bid + 1 tick — unless a probe is already open.
 * Sizes are capped by the schedule budgets (taker: target(now); maker: target(now + aheadMs)).
 * The own side is read without the parent's own resting children (book-side.ts).
 */
import type { AlgoAction, AlgoSideText, ChildTag, ProgressiveParams } from './types.js';
import { median, lastVolumes } from './bar-stats.js';
import { midOf, spreadOf, sumSizes, withinLimit } from './book-side.js';
import { drawInterval } from './schedule.js';
import type { ModeOutcome, RoundCtx } from './round-context.js';

/** threshold_vlm: median of the last `thresholdBars` one-minute volumes × thresholdFactor. */
export function thresholdVlm(ctx: RoundCtx, p: ProgressiveParams): number {
  return median(lastVolumes(ctx.market.bars, p.thresholdBars)) * p.thresholdFactor;
}

/** max_vlm_each_trade: mean level size over the first `maxVlmLevels` of each side, averaged over the sides. */
export function maxVlmEachTrade(ctx: RoundCtx, p: ProgressiveParams): number {
  const avg = (levels: readonly (readonly [number, number])[]): number => {
    const n = Math.min(p.maxVlmLevels, levels.length);
    return n === 0 ? 0 : sumSizes(levels, n) / n;
  };
  return (avg(ctx.book.own) + avg(ctx.book.opp)) / 2;
}

/** The place_on_trade level walk; `gate` applies the threshold_vlm condition. */
export function tradeWalk(ctx: RoundCtx, p: ProgressiveParams, gate: boolean, tag: ChildTag): AlgoAction[] {
  const mid = midOf(ctx.book);
  if (mid === undefined) return [];
  const dir = ctx.book.dir;
  const limit = mid * (1 + dir * p.priceLimitPct);
  const levels = ctx.book.opp.slice(0, p.tradeLevels).filter(([price]) => withinLimit(dir, price, limit));
  const total = sumSizes(levels, levels.length);
  if (total === 0) return [];
  if (gate && !(total > thresholdVlm(ctx, p))) return [];
  const maxVlm = maxVlmEachTrade(ctx, p);
  const out: AlgoAction[] = [];
  let placed = 0;
  for (const [price, size] of levels) {
    if (placed > maxVlm) break;
    if (ctx.budget.available('taker') < ctx.spec.minLots) break;
    const got = ctx.budget.take('taker', size);
    if (got === 0) continue; // this level is below the minimum order: try the next one
    out.push({ kind: 'place', tag, type: 'limit', price, size: got, tif: 'GTC' });
    placed += got;
  }
  return out;
}

/** Price of a maker order at the mid: floored toward the own side, never crossing the opposite best. */
export function makerMidPrice(ownBest: number, oppBest: number, side: AlgoSideText): number {
  if (side === 'buy') return Math.min(Math.floor((ownBest + oppBest) / 2), oppBest - 1);
  return Math.max(Math.ceil((ownBest + oppBest) / 2), oppBest + 1);
}

export function placeOnOrderbook(ctx: RoundCtx, p: ProgressiveParams): AlgoAction[] {
  const { own, opp } = ctx.book;
  if (own.length === 0 || opp.length === 0) return [];
  const ownSum = sumSizes(own, p.orderbookLevels);
  const oppSum = sumSizes(opp, p.orderbookLevels);
  if (!(ownSum > oppSum)) return [];
  const avg = Math.floor(ownSum / Math.min(p.orderbookLevels, own.length));
  const size = ctx.budget.take('maker', avg);
  if (size === 0) return [];
  const price = makerMidPrice(own[0][0], opp[0][0], ctx.spec.side);
  return [{ kind: 'place', tag: 'orderbook', type: 'limit', price, size, postOnly: true, tif: 'GTC' }];
}

export function placeOnSpread(ctx: RoundCtx, p: ProgressiveParams): AlgoAction[] {
  const spread = spreadOf(ctx.book);
  if (spread === undefined || !(spread > p.spreadTicks)) return [];
  if (ctx.children.some((c) => c.tag === 'probe' && c.open && !ctx.cancelled.has(c.clientId))) return [];
  const size = ctx.budget.take('maker', ctx.spec.minLots);
  if (size === 0) return [];
  const price = ctx.book.own[0][0] + ctx.book.dir;
  return [{ kind: 'place', tag: 'probe', type: 'limit', price, size, postOnly: true, tif: 'GTC' }];
}

/** Last round's probe, if it has no fill yet (the fallback trigger). */
export function unfilledLastProbe(ctx: RoundCtx): boolean {
  const prev = ctx.round - 1;
  return ctx.children.some((c) => c.tag === 'probe' && c.round === prev && c.filled === 0);
}

export function decideProgressive(ctx: RoundCtx, p: ProgressiveParams): ModeOutcome {
  const actions: AlgoAction[] = [];
  const trade = tradeWalk(ctx, p, true, 'trade');
  actions.push(...trade);
  if (trade.length === 0 && unfilledLastProbe(ctx)) actions.push(...tradeWalk(ctx, p, false, 'fallback'));
  actions.push(...placeOnOrderbook(ctx, p));
  actions.push(...placeOnSpread(ctx, p));
  const draw = drawInterval(ctx.state.rng, p.roundMinMs, p.roundMaxMs);
  return { actions, nextAt: ctx.now + draw.ms, patch: { rng: draw.rng } };
}
