/**
 * MarketSource over a GatewayPort: up to 30 aggregated levels a side from the live book
 * (`port.book`) and the closed one-minute bars from `port.candles(inst, 1, 61)` (61 so that 60 are
 * left once the bar still forming is dropped). Every failure is DG_E_ALGO_MARKET_UNAVAILABLE with
 * the reason in its detail: the runner pauses the parent on it and says why.
 *
 * Unavailable means: the symbol is gone from the port, the book cannot be read, a side is empty
 * (nothing to price against) or the book is crossed (not in sync). Candles are history, not the
 * market: they are read again only when a newer closed bar is due (at most every `barsRefreshMs`:
 * a REST call every round would eat a real venue's rate limit), and when a read fails the last
 * good bars are reused for up to `barsMaxAgeMs`.
 */
import type { Clock } from '../../core/clock.js';
import { dgError } from '../../core/errors.js';
import type { GatewayPort } from '../../api/gateway-port.js';
import type { AlgoBar, AlgoLevel, ExecResult, MarketSnapshot, MarketSource } from '../types.js';

export const BOOK_LEVELS = 30;
export const BAR_COUNT = 60;
const BAR_MS = 60_000;

export interface PortMarketSourceOptions {
  readonly port: GatewayPort;
  /** Symbol in any notation the port understands. */
  readonly symbol: string;
  readonly clock: Clock;
  /** How long the last good bars stand in for a failed candle read (default 120 000 ms). */
  readonly barsMaxAgeMs?: number;
  /** Least time between two candle reads while a newer closed bar is missing (default 5000 ms). */
  readonly barsRefreshMs?: number;
}

function unavailable(symbol: string, why: string): ExecResult<never> {
  return { ok: false, error: dgError('DG_E_ALGO_MARKET_UNAVAILABLE', `${symbol}: ${why}`) };
}

export class PortMarketSource implements MarketSource {
  private bars: { at: number; bars: AlgoBar[] } | undefined;
  private lastRead = -Infinity;
  private lastValue: MarketSnapshot | undefined;

  constructor(private readonly o: PortMarketSourceOptions) {}

  /** The last snapshot served (e.g. the cap of a market buy child). */
  get last(): MarketSnapshot | undefined {
    return this.lastValue;
  }

  async snapshot(): Promise<ExecResult<MarketSnapshot>> {
    const { port, symbol, clock } = this.o;
    const inst = port.instrument(symbol);
    if (!inst) return unavailable(symbol, 'symbol no longer listed');
    const book = await port.book(inst);
    if (!book.ok) return unavailable(symbol, `book: ${book.error.code} ${book.error.detail ?? ''}`.trim());
    const view = book.value;
    if (view.isCrossed()) return unavailable(symbol, 'book crossed (not in sync)');
    const bids: AlgoLevel[] = view.levels(0, BOOK_LEVELS);
    const asks: AlgoLevel[] = view.levels(1, BOOK_LEVELS);
    if (bids.length === 0 || asks.length === 0)
      return unavailable(symbol, `book has no ${bids.length === 0 ? 'bids' : 'asks'}`);
    const now = clock.now();
    const bars = await this.closedBars(inst, now);
    if (!bars.ok) return bars;
    const snap: MarketSnapshot = { now, bids, asks, bars: bars.value };
    this.lastValue = snap;
    return { ok: true, value: snap };
  }

  private async closedBars(inst: Parameters<GatewayPort['candles']>[0], now: number): Promise<ExecResult<AlgoBar[]>> {
    const cached = this.bars;
    if (cached) {
      // The newest bar that can be closed now opened a minute before the current minute.
      const due = Math.floor(now / BAR_MS) * BAR_MS - BAR_MS;
      const newest = cached.bars[cached.bars.length - 1]?.start ?? -Infinity;
      const recent = now - this.lastRead < (this.o.barsRefreshMs ?? 5000);
      if (newest >= due || recent) return { ok: true, value: cached.bars };
    }
    this.lastRead = now;
    const c = await this.o.port.candles(inst, 1, BAR_COUNT + 1);
    if (!c.ok) {
      const maxAge = this.o.barsMaxAgeMs ?? 120_000;
      if (this.bars && now - this.bars.at <= maxAge) return { ok: true, value: this.bars.bars };
      return unavailable(this.o.symbol, `candles: ${c.error.code} ${c.error.detail ?? ''}`.trim());
    }
    const out: AlgoBar[] = [];
    for (const [start, open, high, low, close, volume] of c.value) {
      // Only closed bars: the one still forming would read as a sudden volume drop.
      if (start + BAR_MS > now) continue;
      out.push({ start, open, high, low, close, volume });
    }
    const bars = out.slice(-BAR_COUNT);
    this.bars = { at: now, bars };
    return { ok: true, value: bars };
  }
}
