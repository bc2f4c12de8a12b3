/**
 * What a feed decoder produces from one wire frame: normalised book events tagged with the
 * venue's native symbol, plus control messages and reports of input it refused. A decoder never
 * throws on venue input; a refused frame becomes an `invalid` event (and is counted), so a
 * caller can resynchronise an unsequenced book that just lost an update.
 */
import type { DeskgateError, ErrorCounter } from '../core/errors.js';
import type { L2Snapshot, L2Update, L3Event, L3Snapshot, TradeEvent } from '../core/events.js';
import type { Instrument } from '../core/instrument.js';

export type FeedEvent =
  | { readonly kind: 'l2'; readonly symbol: string; readonly update: L2Update }
  | { readonly kind: 'l2-snapshot'; readonly symbol: string; readonly snapshot: L2Snapshot }
  | { readonly kind: 'l3'; readonly symbol: string; readonly event: L3Event }
  | { readonly kind: 'l3-snapshot'; readonly symbol: string; readonly snapshot: L3Snapshot }
  | { readonly kind: 'trade'; readonly symbol: string; readonly trade: TradeEvent }
  /** Welcome, ack, subscriptions, heartbeats, tickers: nothing for a book. */
  | { readonly kind: 'control'; readonly what: string; readonly symbol?: string }
  /** A frame refused with a stable error code; `symbol` when the frame named one. */
  | { readonly kind: 'invalid'; readonly symbol: string | undefined; readonly error: DeskgateError };

/** Native symbol → instrument (grids). undefined ⇒ DG_E_UNKNOWN_INSTRUMENT. */
export type InstrumentLookup = (native: string) => Instrument | undefined;

export interface FeedDecoder {
  readonly venue: string;
  /** Errors by code for every frame refused. */
  readonly errors: ErrorCounter;
  /** Decode one text frame. `recvMs` is the local receive time, used when the venue gives none. */
  decode(frame: string, recvMs?: number): FeedEvent[];
}

/** Receives every price and size string a frame holds, by symbol (grid derivation for captures). */
export type DecimalSink = (symbol: string, field: 'price' | 'size', text: string) => void;
