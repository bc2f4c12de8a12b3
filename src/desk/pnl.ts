/**
 * Hedge PnL of a matched pair (S2.3). Sign convention: positive = desk profit.
 *   Client BUY lock (desk sells base to the client at lock_price, hedges by buying):
 *     pnl = (lock_price − hedge_avg) × lock_amount − fees
 *   Client SELL lock (desk buys at lock_price, hedges by selling):
 *     pnl = (hedge_avg − lock_price) × lock_amount − fees
 * hedge_avg = Σ(price_i × amount_i) / Σ amount_i over the pair's hedges; fees are in quote.
 * Computed exactly with integers and rounded once to 1e-18 quote. bps = pnl / (lock_price ×
 * lock_amount) × 10⁴. delay = first hedge start − lock time.
 */
import { divRound } from '../core/decimal.js';
import { ONE, toFloat } from './amount.js';
import type { DeskSide, HedgeMethod, HedgeOrder, LockOrder } from './types.js';

export interface PairPnl {
  readonly lockId: string;
  readonly hedgeIds: readonly string[];
  readonly clientId: string;
  readonly side: DeskSide;
  readonly base: string;
  readonly quote: string;
  readonly method: HedgeMethod | 'mixed';
  readonly venues: string;
  readonly lockTime: number;
  readonly hedgeStart: number;
  readonly hedgeEnd: number;
  readonly delayMs: number;
  readonly lockAmount: bigint;
  readonly hedgeAmount: bigint;
  readonly lockPrice: bigint;
  /** Rounded to 1e-18. */
  readonly hedgeAvg: bigint;
  readonly fee: bigint;
  /** Lock notional in quote (lock_price × lock_amount), 1e-18 units. */
  readonly notional: bigint;
  /** Desk PnL in quote, 1e-18 units. */
  readonly pnl: bigint;
  readonly pnlBps: number;
}

export function pairPnl(lock: LockOrder, hedges: readonly HedgeOrder[]): PairPnl {
  if (hedges.length === 0) throw new RangeError(`pair ${lock.id} has no hedges`);
  let H = 0n;
  let pa = 0n;
  let fee = 0n;
  let start = Infinity;
  let end = -Infinity;
  const methods = new Set<HedgeMethod>();
  const venues = new Set<string>();
  for (const h of hedges) {
    H += h.baseAmount;
    pa += h.avgPrice * h.baseAmount;
    fee += h.fee;
    if (h.startTime < start) start = h.startTime;
    if (h.endTime > end) end = h.endTime;
    methods.add(h.method);
    if (h.venue) venues.add(h.venue);
  }
  const L = lock.baseAmount;
  // (lock_price × L × H − Σ p·a × L) / H is (lock − avg) × L at scale 1e-36; fee scaled to match.
  const gross = (lock.price * H - pa) * L;
  const signed = lock.side === 'buy' ? gross : -gross;
  const pnl = divRound(signed - fee * ONE * H, H * ONE);
  const notional = divRound(lock.price * L, ONE);
  const nf = toFloat(notional);
  return {
    lockId: lock.id,
    hedgeIds: hedges.map((h) => h.id),
    clientId: lock.clientId,
    side: lock.side,
    base: lock.base,
    quote: lock.quote,
    method: methods.size === 1 ? [...methods][0] : 'mixed',
    venues: [...venues].sort().join('+'),
    lockTime: lock.lockTime,
    hedgeStart: start,
    hedgeEnd: end,
    delayMs: start - lock.lockTime,
    lockAmount: L,
    hedgeAmount: H,
    lockPrice: lock.price,
    hedgeAvg: divRound(pa, H),
    fee,
    notional,
    pnl,
    pnlBps: nf > 0 ? (toFloat(pnl) / nf) * 1e4 : 0,
  };
}
