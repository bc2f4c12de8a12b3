/**
 * What the transaction-cost analysis (src/algo/tca.ts) needs of the market during one parent's
 * life, recorded by the service as the parent runs: the arrival mid, a mid sample per round (when
 * it moved), and the market's public trades in the parent's interval (deduplicated by trade id).
 * Plain data, journaled as deltas (`tape` entries) so the TCA survives a restart.
 *
 * The trades come from `port.trades(inst, TRADE_WINDOW)` once per round: more trades than that
 * between two rounds are missed (VWAP and participation are then approximate; docs/algo-service.md).
 */
import type { TradeView } from '../../api/gateway-port.js';
import type { MarketTrade, MidSample } from '../tca.js';
import type { MarketSnapshot } from '../types.js';

export const TRADE_WINDOW = 100;
/** Trade ids remembered for de-duplication (the journal keeps only ts/price/size). */
const SEEN_LIMIT = 2 * TRADE_WINDOW;

export interface TapeData {
  readonly arrivalMid: number | undefined;
  readonly mids: MidSample[];
  readonly trades: MarketTrade[];
}

export interface TapeDelta {
  readonly arrivalMid?: number;
  readonly mids: MidSample[];
  readonly trades: MarketTrade[];
}

export function midOf(s: MarketSnapshot): number | undefined {
  const bid = s.bids[0]?.[0];
  const ask = s.asks[0]?.[0];
  return bid === undefined || ask === undefined ? undefined : (bid + ask) / 2;
}

export class MarketTape {
  readonly data: TapeData;
  private readonly seen = new Set<string>();
  private pending: { arrivalMid?: number; mids: MidSample[]; trades: MarketTrade[] } = { mids: [], trades: [] };

  constructor(
    private readonly startAt: number,
    private readonly endAt: number,
    restore?: TapeData,
  ) {
    this.data = {
      arrivalMid: restore?.arrivalMid,
      mids: [...(restore?.mids ?? [])],
      trades: [...(restore?.trades ?? [])],
    };
  }

  /** The mid at start (once). */
  arrival(s: MarketSnapshot): void {
    const mid = midOf(s);
    if (mid === undefined || this.data.arrivalMid !== undefined) return;
    (this.data as { arrivalMid: number | undefined }).arrivalMid = mid;
    this.pending.arrivalMid = mid;
    this.sample(s);
  }

  /** One mid sample (kept when the mid moved since the last one). */
  sample(s: MarketSnapshot): void {
    const mid = midOf(s);
    if (mid === undefined || s.now > this.endAt) return;
    const last = this.data.mids[this.data.mids.length - 1];
    if (last && (last.mid === mid || s.now < last.ts)) return;
    const m = { ts: s.now, mid };
    this.data.mids.push(m);
    this.pending.mids.push(m);
  }

  /** Public trades, newest first (as the port answers): the new ones in [startAt, endAt] are kept. */
  trades(list: readonly TradeView[]): void {
    const lastTs = this.data.trades[this.data.trades.length - 1]?.ts ?? -Infinity;
    for (const t of [...list].reverse()) {
      if (this.seen.has(t.id) || t.time < this.startAt || t.time > this.endAt) continue;
      // After a restart the ids are gone: what the journal has up to its last trade's time stays.
      if (this.seen.size === 0 && t.time <= lastTs) continue;
      this.seen.add(t.id);
      const m = { ts: t.time, price: t.price, size: t.size };
      this.data.trades.push(m);
      this.pending.trades.push(m);
    }
    while (this.seen.size > SEEN_LIMIT) this.seen.delete(this.seen.values().next().value as string);
  }

  /** What was recorded since the last call (undefined when nothing). */
  takeDelta(): TapeDelta | undefined {
    const p = this.pending;
    if (p.arrivalMid === undefined && p.mids.length === 0 && p.trades.length === 0) return undefined;
    this.pending = { mids: [], trades: [] };
    return p;
  }
}

/** Fold a journaled delta into tape data, in place (replay). */
export function applyDelta(t: TapeData | undefined, d: TapeDelta): TapeData {
  const out: TapeData = t ?? { arrivalMid: d.arrivalMid, mids: [], trades: [] };
  if (out.arrivalMid === undefined && d.arrivalMid !== undefined)
    (out as { arrivalMid: number | undefined }).arrivalMid = d.arrivalMid;
  out.mids.push(...d.mids);
  out.trades.push(...d.trades);
  return out;
}
