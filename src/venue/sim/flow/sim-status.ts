/**
 * Live statistics of a running simulation for the CLI status line: per market mid, spread,
 * resting orders, L3 events per second (over the last report interval) and trades. Pure: the
 * caller passes the time of each report.
 */
import { fromUnits, increment } from '../../../core/decimal.js';
import type { SimEngine } from '../engine.js';

export interface MarketStatus {
  readonly symbol: string;
  readonly mid: string | undefined;
  readonly spreadTicks: number | undefined;
  readonly live: number;
  readonly eventsPerSec: number;
  readonly trades: number;
}

export class SimStatus {
  private readonly engine: SimEngine;
  private readonly symbols: readonly string[];
  private lastSeq: number[];
  private lastMs: number;

  constructor(engine: SimEngine, symbols: readonly string[], nowMs: number) {
    this.engine = engine;
    this.symbols = symbols;
    this.lastSeq = symbols.map((s) => engine.seq(s));
    this.lastMs = nowMs;
  }

  /** Statistics since the previous call. */
  sample(nowMs: number): MarketStatus[] {
    const dt = Math.max(1, nowMs - this.lastMs) / 1000;
    const seqs = this.symbols.map((s) => this.engine.seq(s));
    const out = this.symbols.map((symbol, i) => {
      const bb = this.engine.bestBid(symbol);
      const ba = this.engine.bestAsk(symbol);
      let mid: string | undefined;
      if (bb !== undefined && ba !== undefined) {
        // exact mid = (bb + ba) × tick / 2 = (bb + ba) × step × 5 × 10^-(decimals + 1)
        const p = this.engine.market(symbol)!.instrument.price;
        mid = fromUnits((bb + ba) * p.step * 5, increment(`1e-${p.decimals + 1}`));
      }
      return {
        symbol,
        mid,
        spreadTicks: bb !== undefined && ba !== undefined ? ba - bb : undefined,
        live: this.engine.openOrderCount(symbol),
        eventsPerSec: Math.round((seqs[i] - this.lastSeq[i]) / dt),
        trades: this.engine.tradeCount(symbol),
      };
    });
    this.lastSeq = seqs;
    this.lastMs = nowMs;
    return out;
  }
}

export function formatStatusLine(st: readonly MarketStatus[]): string {
  return st
    .map(
      (s) =>
        `${s.symbol} mid ${s.mid ?? '-'} spr ${s.spreadTicks ?? '-'}t live ${s.live} ev/s ${s.eventsPerSec} trades ${s.trades}`,
    )
    .join(' | ');
}
