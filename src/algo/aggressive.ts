/**
 * Aggressive TWAP mode, S2.13, for a buy (a sell mirrors through `dir`).
 *
 * price_ceil = best ask × (1 + ceilBaseBps/10⁴ + ceilSpreadMult · spread/ask
 *                            + ceilMoveMult · max(0, move))
 * where move is the relative price change over the last `moveWindowMs` (from the open of the bar
 * that starts that long before the last bar's close, to that close). A sell uses
 * best bid × (1 − … − ceilMoveMult · max(0, −move)): only a move against the parent widens it.
 * Candidates are the opposite levels strictly better than price_ceil; nLevelVol is their total.
 * ema_vol / vol_std: EMA and standard deviation of the volumes of the `windowBars`-bar windows
 * of the last `bars` one-minute bars; threshold = ema_vol + vol_std.
 * - Big-order logic, when nLevelVol > threshold and now ≥ nextBigAt: buy the first `bigLevels`
 *   candidate levels at their prices and sizes; nextBigAt = now + min(bigMin · max(1,
 *   nLevelVol/ema_vol), bigMax) (the seed's min(5·max(1, r), 60) s).
 * - Otherwise regular logic, when now ≥ nextRegularAt: buy the best ask level's price and size;
 *   nextRegularAt = now + regularIntervalMs (≥ 30 s apart).
 * Both are taker logics, capped by the taker budget (the gap to target(now)); a timer only moves
 * when its logic placed a child, so a logic held back by the schedule fires as soon as it may.
 * With no complete window of bars the big-order logic is off (there is no ema_vol to compare).
 */
import type { AggressiveParams, AlgoAction, AlgoBar } from './types.js';
import { ema, std, windowVolumes } from './bar-stats.js';
import type { Dir } from './book-side.js';
import type { ModeOutcome, RoundCtx } from './round-context.js';

/** Relative move over the window, from the bars (0 without enough bars). */
export function recentMove(bars: readonly AlgoBar[], moveWindowMs: number): number {
  const n = Math.max(1, Math.round(moveWindowMs / 60_000));
  if (bars.length < n) return 0;
  const ref = bars[bars.length - n].open;
  const last = bars[bars.length - 1].close;
  return ref > 0 ? (last - ref) / ref : 0;
}

/** price_ceil (a buy) or price floor (a sell), as a real number of ticks. */
export function priceCeil(
  dir: Dir,
  bestOpp: number,
  bestOwn: number | undefined,
  move: number,
  p: AggressiveParams,
): number {
  const spread = bestOwn === undefined ? 0 : Math.abs(bestOpp - bestOwn);
  const adverse = Math.max(0, dir * move);
  const factor = p.ceilBaseBps / 10_000 + (p.ceilSpreadMult * spread) / bestOpp + p.ceilMoveMult * adverse;
  return bestOpp * (1 + dir * factor);
}

/** Big-order interval: min(bigMin · max(1, nLevelVol / ema_vol), bigMax) ms; bigMax when ema_vol is 0. */
export function bigInterval(nLevelVol: number, emaVol: number, p: AggressiveParams): number {
  if (!(emaVol > 0)) return p.bigMaxIntervalMs;
  return Math.min(Math.round(p.bigMinIntervalMs * Math.max(1, nLevelVol / emaVol)), p.bigMaxIntervalMs);
}

export interface AggressiveStats {
  readonly ceil: number;
  readonly candidates: readonly (readonly [number, number])[];
  readonly nLevelVol: number;
  readonly emaVol: number;
  readonly volStd: number;
  readonly threshold: number;
}

export function aggressiveStats(ctx: RoundCtx, p: AggressiveParams): AggressiveStats | undefined {
  const { dir, own, opp } = ctx.book;
  if (opp.length === 0) return undefined;
  const move = recentMove(ctx.market.bars, p.moveWindowMs);
  const ceil = priceCeil(dir, opp[0][0], own[0]?.[0], move, p);
  const candidates = opp.filter(([price]) => dir * price < dir * ceil);
  let nLevelVol = 0;
  for (const [, s] of candidates) nLevelVol += s;
  const windows = windowVolumes(ctx.market.bars.slice(-p.bars), p.windowBars);
  const emaVol = ema(windows);
  const volStd = std(windows);
  const threshold = windows.length === 0 ? Infinity : emaVol + volStd;
  return { ceil, candidates, nLevelVol, emaVol, volStd, threshold };
}

export function decideAggressive(ctx: RoundCtx, p: AggressiveParams): ModeOutcome {
  const actions: AlgoAction[] = [];
  const patch: { nextBigAt?: number; nextRegularAt?: number } = {};
  const st = aggressiveStats(ctx, p);
  if (st) {
    const bigDue = ctx.now >= (ctx.state.nextBigAt ?? 0);
    if (st.nLevelVol > st.threshold && bigDue) {
      for (const [price, size] of st.candidates.slice(0, p.bigLevels)) {
        if (ctx.budget.available('taker') < ctx.spec.minLots) break;
        const got = ctx.budget.take('taker', size);
        if (got > 0) actions.push({ kind: 'place', tag: 'big', type: 'limit', price, size: got, tif: 'GTC' });
      }
      if (actions.length > 0) patch.nextBigAt = ctx.now + bigInterval(st.nLevelVol, st.emaVol, p);
    } else if (ctx.now >= (ctx.state.nextRegularAt ?? 0)) {
      const [price, size] = ctx.book.opp[0];
      const got = ctx.budget.take('taker', size);
      if (got > 0) {
        actions.push({ kind: 'place', tag: 'regular', type: 'limit', price, size: got, tif: 'GTC' });
        patch.nextRegularAt = ctx.now + p.regularIntervalMs;
      }
    }
  }
  return { actions, nextAt: ctx.now + p.roundMs, patch };
}
