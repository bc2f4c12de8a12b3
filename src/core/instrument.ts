/**
 * Instruments: the unified symbol plus the venue's native name and the grids that turn decimal
 * strings into integer ticks (price) and lots (size). Each instrument gets a dense integer handle
 * at registration; hot paths carry the handle, never the string.
 */
import { dgError } from './errors.js';
import { increment, toUnits, type Increment } from './decimal.js';
import { parseSymbol, type InstrumentKind } from './symbol.js';

export interface InstrumentSpec {
  readonly venue: string;
  /** Venue's own name, e.g. "BTC-USDT", "XBTUSDTM". */
  readonly native: string;
  /** Unified symbol; derived from `native` when omitted. */
  readonly symbol?: string;
  readonly tickSize: string;
  readonly lotSize: string;
  /** Smallest order size (decimal); defaults to one lot. */
  readonly minSize?: string;
  /** Contract value in base coin for derivatives; "1" for spot. */
  readonly contractValue?: string;
  /** Smallest order notional in quote (decimal), if the venue has one. */
  readonly minNotional?: string;
}

export interface Instrument {
  readonly id: number;
  readonly venue: string;
  readonly native: string;
  readonly symbol: string;
  readonly base: string;
  readonly quote: string;
  readonly settle: string | undefined;
  readonly kind: InstrumentKind;
  readonly tickSize: string;
  readonly lotSize: string;
  readonly minSize: string;
  readonly contractValue: string;
  readonly minNotional: string | undefined;
  /** Price grid: price string ⇄ ticks. */
  readonly price: Increment;
  /** Size grid: size string ⇄ lots. */
  readonly size: Increment;
  /** minSize in lots. */
  readonly minLots: number;
}

export function makeInstrument(id: number, spec: InstrumentSpec): Instrument {
  const parsed = parseSymbol(spec.symbol ?? spec.native);
  const price = increment(spec.tickSize);
  const size = increment(spec.lotSize);
  const minSize = spec.minSize ?? spec.lotSize;
  const minLots = toUnits(minSize, size);
  if (minLots <= 0) throw dgError('DG_E_BAD_INPUT', `minSize ${minSize} must be positive`);
  return {
    id,
    venue: spec.venue,
    native: spec.native,
    symbol: parsed.unified,
    base: parsed.base,
    quote: parsed.quote,
    settle: parsed.settle,
    kind: parsed.kind,
    tickSize: spec.tickSize,
    lotSize: spec.lotSize,
    minSize,
    contractValue: spec.contractValue ?? '1',
    minNotional: spec.minNotional,
    price,
    size,
    minLots,
  };
}

/** All instruments known to a process, by handle, by (venue, unified) and by (venue, native). */
export class InstrumentRegistry {
  private readonly byHandle: Instrument[] = [];
  private readonly byKey = new Map<string, Instrument>();

  add(spec: InstrumentSpec): Instrument {
    const probe = parseSymbol(spec.symbol ?? spec.native).unified;
    const existing = this.byKey.get(`${spec.venue}\u0000${probe}`);
    if (existing) return existing;
    const inst = makeInstrument(this.byHandle.length, spec);
    this.byHandle.push(inst);
    this.byKey.set(`${inst.venue}\u0000${inst.symbol}`, inst);
    this.byKey.set(`${inst.venue}\u0000${inst.native}`, inst);
    return inst;
  }

  byId(id: number): Instrument {
    const inst = this.byHandle[id];
    if (!inst) throw dgError('DG_E_UNKNOWN_INSTRUMENT', `handle ${id}`);
    return inst;
  }

  /** Look up by unified symbol, native name or any notation parseSymbol understands. */
  get(venue: string, name: string): Instrument {
    const direct = this.byKey.get(`${venue}\u0000${name}`);
    if (direct) return direct;
    const unified = parseSymbol(name).unified;
    const inst = this.byKey.get(`${venue}\u0000${unified}`);
    if (!inst) throw dgError('DG_E_UNKNOWN_INSTRUMENT', `${venue}:${name}`);
    return inst;
  }

  find(venue: string, name: string): Instrument | undefined {
    try {
      return this.get(venue, name);
    } catch {
      return undefined;
    }
  }

  list(venue?: string): Instrument[] {
    return venue === undefined ? [...this.byHandle] : this.byHandle.filter((i) => i.venue === venue);
  }
}
