/**
 * Bitfinex v2 book checksum (Bitfinex docs, "WebSocket Checksum"; enabled by the `conf` flag
 * OB_CHECKSUM = 131072, sent as its own frame `[chanId, "cs", CHECKSUM]`).
 *
 * Rule: take the first 25 bids (best first) and the first 25 asks (best first), interleave them
 * bid 0, ask 0, bid 1, ask 1, … (a side that has run out is skipped), write each entry as two
 * values — raw books (R0): order id and amount; price-aggregated books (P0–P4): price and amount —
 * with asks' amounts negative as on the wire, join every value with ":", CRC32 the text and read
 * the result as a signed 32-bit integer. The checksum covers the book after every message sent
 * before the "cs" frame.
 *
 * The values are written the way the venue's JSON has them, i.e. JavaScript's number-to-string
 * (shortest round-trip digits; exponent form below 1e-6 and from 1e21: "1e-7", "1e+21"). The
 * book keeps integer ticks/lots, so the text is rebuilt exactly: lots → canonical decimal string
 * (fromUnits) → Number → String. This is exact because the decoder got those lots from String(v)
 * of the very double v the venue sent: the canonical decimal is the same value as String(v), it
 * parses back to v, and String(v) is the one text JavaScript writes for v. Order ids are kept as
 * String(id) already. Within one price, orders are taken in the book's FIFO order (the order the
 * venue sent them in; L3Book's priority rules for size changes).
 */
import { fromUnits } from '../core/decimal.js';
import type { Side } from '../core/events.js';
import type { Instrument } from '../core/instrument.js';
import type { L3Book } from '../book/l3-book.js';
import { crc32Signed } from './crc32.js';
import type { FeedEvent } from './feed-event.js';

/** Entries per side the checksum covers. */
export const BITFINEX_CHECKSUM_DEPTH = 25;

/**
 * The control event BitfinexRawDecoder emits for a "cs" frame: the FeedEvent control shape plus
 * the venue's value. Read it back with bitfinexChecksumOf().
 */
export interface BitfinexChecksumEvent {
  readonly kind: 'control';
  readonly what: 'checksum';
  readonly symbol: string;
  readonly checksum: number;
}

/** The checksum a decoded Bitfinex "cs" frame carries; undefined for any other event. */
export function bitfinexChecksumOf(ev: FeedEvent): number | undefined {
  if (ev.kind !== 'control' || ev.what !== 'checksum') return undefined;
  const v = (ev as Partial<BitfinexChecksumEvent>).checksum;
  return typeof v === 'number' ? v : undefined;
}

/** JavaScript's text of the double nearest to a decimal string (what JSON.stringify writes). */
export function jsNumberText(decimal: string): string {
  return String(Number(decimal));
}

/** A Bitfinex amount as the venue writes it: positive for bids, negative for asks. */
export function bitfinexAmountText(lots: number, side: Side, inst: Instrument): string {
  const t = jsNumberText(fromUnits(lots, inst.size));
  return side === 0 || t === '0' ? t : `-${t}`;
}

/** A price as the venue writes it (price-aggregated books). */
export function bitfinexPriceText(ticks: number, inst: Instrument): string {
  return jsNumberText(fromUnits(ticks, inst.price));
}

/**
 * The checksum text of one book: entries are [key, amount] pairs per side, best first (key = order
 * id for raw books, price for aggregated ones), already written as the venue writes them.
 */
export function bitfinexChecksumText(
  bids: ReadonlyArray<readonly [string, string]>,
  asks: ReadonlyArray<readonly [string, string]>,
): string {
  const parts: string[] = [];
  for (let i = 0; i < BITFINEX_CHECKSUM_DEPTH; i++) {
    const b = bids[i];
    if (b !== undefined) parts.push(b[0], b[1]);
    const a = asks[i];
    if (a !== undefined) parts.push(a[0], a[1]);
  }
  return parts.join(':');
}

/** Checksum of a raw (R0) book held in an L3Book on an instrument's grids (signed 32-bit). */
export function bitfinexRawChecksum(book: L3Book, inst: Instrument): number {
  const side = (s: Side): Array<[string, string]> =>
    book.orders(s, BITFINEX_CHECKSUM_DEPTH).map((o) => [o.orderId, bitfinexAmountText(o.size, s, inst)]);
  return crc32Signed(bitfinexChecksumText(side(0), side(1)));
}
