/**
 * Instruments for captures. Captured frames carry prices and sizes but no tick or lot sizes, so
 * the replay derives one grid per symbol from the data itself: the finest increment that
 * represents every price (resp. size) string seen for that symbol anywhere in the capture and
 * its snapshots (core/decimal.ts finestIncrement). That grid is never coarser than the venue's
 * real tick, so every value converts exactly; it may be finer (harmless: ticks are just smaller).
 */
import { finestIncrement, parseDecimal } from '../../core/decimal.js';
import { makeInstrument, type Instrument } from '../../core/instrument.js';
import type { DecimalSink } from '../feed-event.js';

/** Unified-symbol hint for a venue's native name where parseSymbol cannot read it directly. */
function symbolHint(venue: string, native: string): string | undefined {
  if (venue === 'bitfinex' && /^t[A-Z0-9]+(:[A-Z0-9]+)?$/.test(native)) {
    const body = native.slice(1);
    if (body.includes(':')) return body.replace(':', '/');
    if (body.length === 6) return `${body.slice(0, 3)}/${body.slice(3)}`;
  }
  return undefined;
}

export class CaptureGrid {
  private readonly scales = new Map<string, { price: number; size: number }>();
  private readonly insts = new Map<string, Instrument>();
  /** Symbols whose name no symbol parser understood (reported, not replayed). */
  readonly unreadable: string[] = [];

  constructor(readonly venue: string) {}

  /** Sink to hand to the decoders' scan functions. */
  readonly sink: DecimalSink = (symbol, field, text) => {
    let scale: number;
    try {
      scale = parseDecimal(text).scale;
    } catch {
      return; // not a decimal: the decoder will refuse it when replaying
    }
    let s = this.scales.get(symbol);
    if (!s) {
      s = { price: 0, size: 0 };
      this.scales.set(symbol, s);
    }
    if (scale > s[field]) s[field] = Math.min(scale, 18);
  };

  /** Build the instruments once every frame has been scanned. */
  build(): Map<string, Instrument> {
    let id = 0;
    for (const [native, s] of this.scales) {
      const tickSize = finestIncrement([], s.price).text;
      const lotSize = finestIncrement([], s.size).text;
      try {
        const hint = symbolHint(this.venue, native);
        this.insts.set(
          native,
          makeInstrument(id++, { venue: this.venue, native, tickSize, lotSize, ...(hint ? { symbol: hint } : {}) }),
        );
      } catch {
        this.unreadable.push(native);
      }
    }
    return this.insts;
  }

  get(native: string): Instrument | undefined {
    return this.insts.get(native);
  }
}
