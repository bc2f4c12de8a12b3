/**
 * Transaction-cost analysis of one parent order (issue #6 item 4). Pure: everything comes in as
 * data (the parent's children and fills from the runner, mid samples and market trades of the
 * interval from whoever watched the market) and one report goes out. docs/algo-tca.md gives the
 * definitions; in short, with s = +1 for a buy and −1 for a sell, every "…Bps" figure is a cost
 * (positive = worse for the parent):
 *
 *   slippageBps       = s·(avg − arrival)/arrival·1e4                      (filled part only)
 *   shortfallBps      = executionCostBps + opportunityCostBps + feesBps    (of size × arrival)
 *   executionCostBps  = s·Σ(pᵢ − arrival)·qᵢ / (arrival·size)·1e4
 *   opportunityCostBps= s·(endMid − arrival)·(size − filled − unfillable) / (arrival·size)·1e4
 *   unfillableCostBps = s·(endMid − arrival)·unfillable / (arrival·size)·1e4  (NOT in shortfallBps)
 *   feesBps           = fees(quote) / (arrival·size in quote)·1e4
 *   vsTwapBps / vsVwapBps = s·(avg − benchmark)/benchmark·1e4
 *
 * `unfillable` is the remainder of a parent that ended done 'below-minimum': lots below the
 * instrument's minimum order, which no child could ever have been placed for. It is not counted
 * as an opportunity cost (nothing the algo did or waited for left it unfilled); it is reported on
 * its own, lots and the same mark at the end mid, so a reader can add it back.
 *
 * Prices are ticks, sizes lots (the parent's instrument); fees are quote-currency decimal strings.
 */
import { increment, type Increment } from '../core/decimal.js';
import { dgError, isDeskgateError } from '../core/errors.js';
import type { AlgoSideText, ChildFill, ChildTag, ChildView, ExecResult } from './types.js';
import { averagePriceText, formatTickRatio, ratio, ratioOfFloat, sumDecimals } from './tca-decimal.js';

/** The market mid at a moment (ticks; half ticks happen). */
export interface MidSample {
  readonly ts: number;
  readonly mid: number;
}

/** One market trade (every account's, the parent's own included). */
export interface MarketTrade {
  readonly ts: number;
  readonly price: number;
  readonly size: number;
}

export interface TcaInput {
  readonly side: AlgoSideText;
  /** Parent size (lots). */
  readonly size: number;
  /** The interval: the parent's schedule start and end (ms). Market TWAP/VWAP, participation and
   *  the schedule error are measured over [startAt, endAt]. */
  readonly startAt: number;
  readonly endAt: number;
  /** Mid when the parent started (ticks). */
  readonly arrivalMid: number;
  /** Mid at endAt: marks the unfilled remainder (ticks). */
  readonly endMid: number;
  /** Mid samples; each holds until the next. Before the first one the arrival mid holds. */
  readonly mids: readonly MidSample[];
  readonly trades: readonly MarketTrade[];
  readonly children: readonly ChildView[];
  /** Fills of the parent's children (already de-duplicated). `fee` is in the quote currency. */
  readonly fills: readonly ChildFill[];
  /** The instrument's grid, for the decimal strings. */
  readonly tickSize: string;
  readonly lotSize: string;
  /** Points of the schedule-error grid (default 100). */
  readonly scheduleSamples?: number;
  /**
   * Lots of the unfilled remainder that were below the instrument's minimum order when the parent
   * ended (done 'below-minimum'); default 0. At most size − filled.
   */
  readonly unfillable?: number;
}

export type TcaChildState = 'open' | 'cancelling' | 'filled' | 'partial' | 'unfilled';
export type TcaLiquidity = 'maker' | 'taker' | 'mixed' | 'unknown';

export interface TcaChildRow {
  readonly clientId: string;
  readonly tag: ChildTag;
  readonly type: 'limit' | 'market';
  readonly placedAt: number;
  /** Limit price (ticks) or undefined for a market child. */
  readonly price: number | undefined;
  readonly size: number;
  readonly filled: number;
  /** Average fill price (ticks), null without a fill. */
  readonly avgFillPrice: number | null;
  /** From the child's fills; null without a fill. */
  readonly liquidity: TcaLiquidity | null;
  readonly state: TcaChildState;
  readonly text: {
    readonly price: string | null;
    readonly size: string;
    readonly filled: string;
    readonly avgFillPrice: string | null;
  };
}

export interface TcaReport {
  readonly side: AlgoSideText;
  readonly size: number;
  readonly filled: number;
  readonly fillRatio: number;
  readonly arrivalMid: number;
  readonly endMid: number;
  /** Average fill price (ticks), null without a fill. */
  readonly avgPrice: number | null;
  readonly slippageBps: number | null;
  readonly shortfallBps: number;
  readonly executionCostBps: number;
  /** The unfilled remainder marked at the end mid, the unfillable lots left out. */
  readonly opportunityCostBps: number;
  /** Lots left below the instrument's minimum order (done 'below-minimum'); 0 otherwise. */
  readonly unfillable: number;
  /** The unfillable lots marked like the opportunity cost; reported apart, not in shortfallBps. */
  readonly unfillableCostBps: number;
  readonly feesBps: number;
  /** Time-weighted mid over the interval (ticks). */
  readonly twapMid: number;
  /** Volume-weighted price of the market's trades in the interval (ticks); null without trades. */
  readonly vwap: number | null;
  readonly vsTwapBps: number | null;
  readonly vsVwapBps: number | null;
  /** Market volume in the interval (lots, the parent's own fills included). */
  readonly marketVolume: number;
  /** Own filled / market volume; null when the market traded nothing. */
  readonly participation: number | null;
  /** Lots filled as maker / filled; null without a fill. Fills without a liquidity flag count as neither. */
  readonly makerShare: number | null;
  readonly makerLots: number;
  readonly takerLots: number;
  /** Quote currency. */
  readonly fees: number;
  /** Cumulative fills vs the linear schedule, as shares of size: RMS and max |deviation| on the grid. */
  readonly scheduleRms: number;
  readonly scheduleMaxDev: number;
  readonly children: readonly TcaChildRow[];
  readonly text: {
    readonly size: string;
    readonly filled: string;
    readonly remaining: string;
    readonly unfillable: string;
    readonly arrivalMid: string;
    readonly endMid: string;
    readonly avgPrice: string | null;
    readonly twapMid: string;
    readonly vwap: string | null;
    readonly fees: string;
  };
}

const BPS = 10_000;

function bad(detail: string): ExecResult<TcaReport> {
  return { ok: false, error: dgError('DG_E_BAD_INPUT', `tca: ${detail}`) };
}

export function computeTca(input: TcaInput): ExecResult<TcaReport> {
  const { size, startAt, endAt, arrivalMid, endMid } = input;
  if (!Number.isSafeInteger(size) || size <= 0) return bad('size must be a positive number of lots');
  if (!(Number.isFinite(startAt) && Number.isFinite(endAt) && endAt > startAt))
    return bad('endAt must be after startAt');
  if (!(arrivalMid > 0 && Number.isFinite(arrivalMid))) return bad('arrivalMid must be positive');
  if (!(endMid > 0 && Number.isFinite(endMid))) return bad('endMid must be positive');
  let tickInc: Increment;
  let lotInc: Increment;
  let feeSum: string;
  try {
    tickInc = increment(input.tickSize);
    lotInc = increment(input.lotSize);
    feeSum = sumDecimals(input.fills.map((f) => f.fee));
  } catch (e) {
    return bad(isDeskgateError(e) ? e.message : String(e));
  }
  for (const f of input.fills) {
    if (!Number.isSafeInteger(f.size) || f.size <= 0 || !Number.isSafeInteger(f.price) || f.price <= 0)
      return bad(`fill of ${f.clientId}: price and size must be positive integers`);
  }
  const unfillable = input.unfillable ?? 0;
  if (!Number.isSafeInteger(unfillable) || unfillable < 0)
    return bad('unfillable must be a non-negative number of lots');
  const samples = input.scheduleSamples ?? 100;
  if (!Number.isSafeInteger(samples) || samples < 1) return bad('scheduleSamples must be a positive integer');

  const s = input.side === 'buy' ? 1 : -1;
  const tick = Number(input.tickSize);
  const lot = Number(input.lotSize);

  let filled = 0;
  let notional = 0; // ticks·lots
  let makerLots = 0;
  let takerLots = 0;
  for (const f of input.fills) {
    filled += f.size;
    notional += f.price * f.size;
    if (f.liquidity === 'maker') makerLots += f.size;
    else if (f.liquidity === 'taker') takerLots += f.size;
  }
  const avgPrice = filled > 0 ? notional / filled : null;
  const fees = Number(feeSum);
  const arrivalNotionalTicks = arrivalMid * size; // ticks·lots
  const executionCostBps = (s * (notional - arrivalMid * filled) * BPS) / arrivalNotionalTicks;
  if (unfillable > Math.max(0, size - filled)) return bad('unfillable exceeds the unfilled remainder');
  const markBps = (lots: number): number =>
    lots === 0 ? 0 : (s * (endMid - arrivalMid) * lots * BPS) / arrivalNotionalTicks;
  const opportunityCostBps = markBps(Math.max(0, size - filled) - unfillable);
  const unfillableCostBps = markBps(unfillable);
  const feesBps = (fees * BPS) / (arrivalNotionalTicks * tick * lot);
  const shortfallBps = executionCostBps + opportunityCostBps + feesBps;
  const slippageBps = avgPrice === null ? null : (s * (avgPrice - arrivalMid) * BPS) / arrivalMid;

  const twapMid = timeWeightedMid(input.mids, startAt, endAt, arrivalMid);
  let mVol = 0;
  let mNotional = 0;
  for (const t of input.trades) {
    if (t.ts < startAt || t.ts > endAt) continue;
    mVol += t.size;
    mNotional += t.price * t.size;
  }
  const vwap = mVol > 0 ? mNotional / mVol : null;
  const vsTwapBps = avgPrice === null ? null : (s * (avgPrice - twapMid) * BPS) / twapMid;
  const vsVwapBps = avgPrice === null || vwap === null ? null : (s * (avgPrice - vwap) * BPS) / vwap;
  const { rms, max } = scheduleError(input.fills, size, startAt, endAt, samples);

  const fillsByChild = new Map<string, ChildFill[]>();
  for (const f of input.fills) {
    const list = fillsByChild.get(f.clientId);
    if (list) list.push(f);
    else fillsByChild.set(f.clientId, [f]);
  }
  const children = input.children.map((c) => childRow(c, fillsByChild.get(c.clientId) ?? [], tickInc, lotInc));

  return {
    ok: true,
    value: {
      side: input.side,
      size,
      filled,
      fillRatio: filled / size,
      arrivalMid,
      endMid,
      avgPrice,
      slippageBps,
      shortfallBps,
      executionCostBps,
      opportunityCostBps,
      unfillable,
      unfillableCostBps,
      feesBps,
      twapMid,
      vwap,
      vsTwapBps,
      vsVwapBps,
      marketVolume: mVol,
      participation: mVol > 0 ? filled / mVol : null,
      makerShare: filled > 0 ? makerLots / filled : null,
      makerLots,
      takerLots,
      fees,
      scheduleRms: rms,
      scheduleMaxDev: max,
      children,
      text: {
        size: formatTickRatio(ratio(size), lotInc, 0),
        filled: formatTickRatio(ratio(filled), lotInc, 0),
        remaining: formatTickRatio(ratio(Math.max(0, size - filled)), lotInc, 0),
        unfillable: formatTickRatio(ratio(unfillable), lotInc, 0),
        arrivalMid: formatTickRatio(ratioOfFloat(arrivalMid), tickInc),
        endMid: formatTickRatio(ratioOfFloat(endMid), tickInc),
        avgPrice: averagePriceText(notional, filled, tickInc),
        twapMid: formatTickRatio(ratioOfFloat(twapMid), tickInc),
        vwap: averagePriceText(mNotional, mVol, tickInc),
        fees: feeSum,
      },
    },
  };
}

/**
 * ∫ mid dt / (end − start) over [start, end], mids as a step function (each sample holds until
 * the next; the arrival mid holds before the first sample).
 */
export function timeWeightedMid(mids: readonly MidSample[], start: number, end: number, arrivalMid: number): number {
  const sorted = [...mids].sort((a, b) => a.ts - b.ts);
  let cur = arrivalMid;
  let t = start;
  let area = 0;
  for (const m of sorted) {
    if (m.ts <= start) {
      cur = m.mid;
      continue;
    }
    if (m.ts >= end) break;
    area += cur * (m.ts - t);
    t = m.ts;
    cur = m.mid;
  }
  area += cur * (end - t);
  return area / (end - start);
}

/**
 * Deviation of cumulative fills from the linear schedule size·(t − start)/(end − start), as a
 * share of size, on the grid t_k = start + k·(end − start)/n, k = 1…n (fills at ts ≤ t_k count).
 */
export function scheduleError(
  fills: readonly ChildFill[],
  size: number,
  start: number,
  end: number,
  n: number,
): { rms: number; max: number } {
  const sorted = [...fills].sort((a, b) => a.ts - b.ts);
  let i = 0;
  let cum = 0;
  let sq = 0;
  let max = 0;
  for (let k = 1; k <= n; k++) {
    const tk = start + ((end - start) * k) / n;
    while (i < sorted.length && sorted[i].ts <= tk) cum += sorted[i++].size;
    const dev = (cum - (size * k) / n) / size;
    sq += dev * dev;
    if (Math.abs(dev) > max) max = Math.abs(dev);
  }
  return { rms: Math.sqrt(sq / n), max };
}

function childRow(c: ChildView, fills: readonly ChildFill[], tickInc: Increment, lotInc: Increment): TcaChildRow {
  let maker = false;
  let taker = false;
  let unknown = false;
  for (const f of fills) {
    if (f.liquidity === 'maker') maker = true;
    else if (f.liquidity === 'taker') taker = true;
    else unknown = true;
  }
  const kinds = Number(maker) + Number(taker) + Number(unknown);
  const liquidity: TcaLiquidity | null =
    kinds === 0 ? null : kinds > 1 ? 'mixed' : maker ? 'maker' : taker ? 'taker' : 'unknown';
  const state: TcaChildState = c.open
    ? c.cancelling
      ? 'cancelling'
      : 'open'
    : c.filled >= c.size
      ? 'filled'
      : c.filled > 0
        ? 'partial'
        : 'unfilled';
  return {
    clientId: c.clientId,
    tag: c.tag,
    type: c.type,
    placedAt: c.placedAt,
    price: c.price,
    size: c.size,
    filled: c.filled,
    avgFillPrice: c.filled > 0 ? c.filledNotional / c.filled : null,
    liquidity,
    state,
    text: {
      price: c.price === undefined ? null : formatTickRatio(ratio(c.price), tickInc, 0),
      size: formatTickRatio(ratio(c.size), lotInc, 0),
      filled: formatTickRatio(ratio(c.filled), lotInc, 0),
      avgFillPrice: averagePriceText(c.filledNotional, c.filled, tickInc),
    },
  };
}
