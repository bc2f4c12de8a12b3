/**
 * Bitfinex v2 raw books (`channel:"book"`, `prec:"R0"`): order-by-order, trading pairs (t…).
 *
 * Wire (Bitfinex docs, "Raw Books" and "WebSocket General"):
 *   → {"event":"subscribe","channel":"book","symbol":"tBTCUSD","prec":"R0","len":"25"}
 *   ← {"event":"subscribed","channel":"book","chanId":10092,"symbol":"tETHUSD","prec":"R0",
 *      "freq":"F0","len":"25","pair":"ETHUSD"}
 *   ← [10092,[[34753002978,7294.7,1.54340371],…]]      snapshot: [ORDER_ID, PRICE, AMOUNT]
 *   ← [10092,[34753002978,7294.7,-0.5]]                 update
 *   ← [10092,"hb"]                                       heartbeat (every 15 s)
 * AMOUNT > 0 is a bid, < 0 an ask (size = |AMOUNT|); PRICE 0 means "remove the order". An
 * update for an id already on the book replaces it (l3Target option upsertOpen). Prices and
 * amounts are JSON numbers: they are turned into their shortest decimal text (what the venue
 * wrote) and then into ticks/lots exactly; a value off the instrument's grid is refused.
 * With the `conf` flag SEQ_ALL (65536) every frame ends with a connection-wide sequence number
 * ([chanId, data, seq], heartbeats too); the decoder checks its continuity and reports a hole
 * as DG_E_SEQUENCE_GAP with an `invalid` event for every subscribed book (they resync). With
 * OB_CHECKSUM (131072) the venue sends [chanId,"cs",checksum] (a signed 32-bit CRC32 of the
 * first 25 bids and asks, bitfinex-checksum.ts): decoded into a control event
 * {what:"checksum", symbol, checksum} (BitfinexChecksumEvent; read it with bitfinexChecksumOf)
 * that the caller hands to BookSync.onChecksum(); the book's checksum is verified there, against
 * createL3Sync(…, {checksum: (b) => bitfinexRawChecksum(b, inst)}), and a mismatch resyncs.
 * Funding books (f…) have a different layout and are refused.
 * No per-book sequence ⇒ BookSync policy POLICIES.bitfinexRaw (snapshot in band). A resync is a
 * new snapshot, i.e. unsubscribe + subscribe: resubscribeFrames(symbol) writes those frames.
 */
import { dgError } from '../core/errors.js';
import type { BitfinexChecksumEvent } from './bitfinex-checksum.js';
import type { L3SnapshotOrder } from '../core/events.js';
import type { Instrument } from '../core/instrument.js';
import { BaseDecoder } from './decoder-base.js';
import type { DecimalSink, FeedEvent, InstrumentLookup } from './feed-event.js';
import { isObject, priceTicks, sizeLots, type Json } from './wire-fields.js';

interface Channel {
  readonly symbol: string;
  readonly native: string;
  /** `len`/`freq` of the subscription, reused when resubscribing. */
  readonly len: string | undefined;
  readonly freq: string | undefined;
}

/** Shortest decimal text of a JSON number (exact for what the venue printed). */
function numText(v: Json | undefined, what: string): string {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw dgError('DG_E_BAD_MESSAGE', `${what} is not a finite number`);
  return String(v);
}

export class BitfinexRawDecoder extends BaseDecoder {
  private readonly channels = new Map<number, Channel>();
  private lastSeq: number | undefined;

  constructor(lookup: InstrumentLookup) {
    super('bitfinex', lookup);
  }

  /** Native symbols of the subscribed books (e.g. "tBTCUSD"). */
  symbols(): string[] {
    return [...this.channels.values()].map((c) => c.native);
  }

  /**
   * The frames that get a book a new snapshot (its resync): unsubscribe from its current channel
   * and subscribe again with the same precision, length and frequency. [] when not subscribed.
   */
  resubscribeFrames(native: string): string[] {
    for (const [chanId, c] of this.channels) {
      if (c.native !== native) continue;
      const sub: Record<string, string> = { event: 'subscribe', channel: 'book', symbol: native, prec: 'R0' };
      if (c.freq !== undefined) sub.freq = c.freq;
      if (c.len !== undefined) sub.len = c.len;
      return [JSON.stringify({ event: 'unsubscribe', chanId }), JSON.stringify(sub)];
    }
    return [];
  }

  protected symbolHint(msg: Json): string | undefined {
    if (Array.isArray(msg) && typeof msg[0] === 'number') return this.channels.get(msg[0])?.native;
    return undefined;
  }

  protected decodeMessage(msg: Json, recvMs: number, out: FeedEvent[]): void {
    if (isObject(msg)) {
      const ev = msg.event;
      if (ev === 'subscribed') {
        if (msg.channel !== 'book') {
          out.push({ kind: 'control', what: `subscribed:${String(msg.channel)}` });
          return;
        }
        if (msg.prec !== 'R0')
          throw dgError('DG_E_UNKNOWN_MESSAGE', `book precision ${String(msg.prec)} (only R0 is raw)`);
        if (typeof msg.chanId !== 'number' || typeof msg.symbol !== 'string')
          throw dgError('DG_E_BAD_MESSAGE', 'subscribed without chanId/symbol');
        if (!msg.symbol.startsWith('t'))
          throw dgError('DG_E_UNKNOWN_MESSAGE', `funding book ${msg.symbol.slice(0, 16)}`);
        this.instrument(msg.symbol);
        this.channels.set(msg.chanId, {
          symbol: msg.symbol,
          native: msg.symbol,
          len: typeof msg.len === 'string' || typeof msg.len === 'number' ? String(msg.len) : undefined,
          freq: typeof msg.freq === 'string' ? msg.freq : undefined,
        });
        out.push({ kind: 'control', what: 'subscribed', symbol: msg.symbol });
        return;
      }
      if (ev === 'unsubscribed' && typeof msg.chanId === 'number') {
        this.channels.delete(msg.chanId);
        out.push({ kind: 'control', what: 'unsubscribed' });
        return;
      }
      if (ev === 'info' || ev === 'conf' || ev === 'pong') {
        if (ev === 'info') this.lastSeq = undefined; // new connection or reconnect notice
        out.push({ kind: 'control', what: ev });
        return;
      }
      if (ev === 'error')
        throw dgError('DG_E_BAD_MESSAGE', `venue error ${String(msg.code)} ${String(msg.msg).slice(0, 60)}`);
      throw dgError('DG_E_UNKNOWN_MESSAGE', `event ${String(ev).slice(0, 32)}`);
    }
    if (!Array.isArray(msg) || typeof msg[0] !== 'number') throw dgError('DG_E_BAD_MESSAGE', 'not a channel frame');
    const ch = this.channels.get(msg[0]);
    if (!ch) throw dgError('DG_E_UNKNOWN_MESSAGE', `channel ${msg[0]}`);
    const body = msg[1];
    // Optional connection sequence (SEQ_ALL): the last element when it is a number after the body.
    const seqAt = body === 'cs' ? 3 : 2;
    const seq = typeof msg[seqAt] === 'number' ? (msg[seqAt] as number) : undefined;
    if (seq !== undefined) this.checkConnectionSeq(seq, out);
    if (body === 'hb') {
      out.push({ kind: 'control', what: 'hb', symbol: ch.native });
      return;
    }
    if (body === 'cs') {
      const cs = msg[2];
      if (typeof cs !== 'number' || !Number.isInteger(cs) || cs < -0x80000000 || cs > 0x7fffffff)
        throw dgError('DG_E_BAD_MESSAGE', 'checksum is not a signed 32-bit integer');
      const ev: BitfinexChecksumEvent = { kind: 'control', what: 'checksum', symbol: ch.native, checksum: cs };
      out.push(ev);
      return;
    }
    if (!Array.isArray(body)) throw dgError('DG_E_BAD_MESSAGE', 'channel body');
    const inst = this.instrument(ch.native);
    const ts = recvMs;
    if (body.length === 0 || Array.isArray(body[0])) {
      const bids: L3SnapshotOrder[] = [];
      const asks: L3SnapshotOrder[] = [];
      for (const raw of body) {
        const e = this.entry(raw, inst);
        if (e.price === 0) continue;
        (e.bid ? bids : asks).push({ orderId: e.id, price: e.price, size: e.size, ts });
      }
      // Best first; stable within a price (venue order is kept as FIFO).
      bids.sort((a, b) => b.price - a.price);
      asks.sort((a, b) => a.price - b.price);
      out.push({ kind: 'l3-snapshot', symbol: ch.native, snapshot: { seq: seq ?? 0, ts, bids, asks } });
      return;
    }
    const e = this.entry(body, inst);
    const s = seq ?? 0;
    if (e.price === 0) {
      out.push({
        kind: 'l3',
        symbol: ch.native,
        event: { type: 'done', seq: s, orderId: e.id, reason: 'canceled', ts },
      });
    } else {
      out.push({
        kind: 'l3',
        symbol: ch.native,
        event: { type: 'open', seq: s, orderId: e.id, side: e.bid ? 0 : 1, price: e.price, size: e.size, ts },
      });
    }
  }

  private entry(raw: Json, inst: Instrument): { id: string; price: number; size: number; bid: boolean } {
    if (!Array.isArray(raw) || raw.length < 3) throw dgError('DG_E_BAD_MESSAGE', 'book entry needs [id,price,amount]');
    if (raw.length > 3) throw dgError('DG_E_UNKNOWN_MESSAGE', 'funding book entry');
    const id = raw[0];
    if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0) throw dgError('DG_E_BAD_MESSAGE', 'order id');
    const priceText = numText(raw[1], 'price');
    const amount = raw[2];
    const amountText = numText(amount, 'amount');
    const bid = (amount as number) > 0;
    const price = priceText === '0' ? 0 : priceTicks(priceText, inst);
    const size = price === 0 ? 0 : sizeLots(bid ? amountText : amountText.slice(1), inst);
    if (price !== 0 && size === 0) throw dgError('DG_E_BAD_SIZE', 'amount 0 on a live order');
    return { id: String(id), price, size, bid };
  }

  private checkConnectionSeq(seq: number, out: FeedEvent[]): void {
    const prev = this.lastSeq;
    this.lastSeq = seq;
    if (prev === undefined || seq === prev + 1) return;
    const err = dgError('DG_E_SEQUENCE_GAP', `bitfinex connection seq ${prev} → ${seq}`);
    this.errors.record(err);
    for (const c of this.channels.values()) out.push({ kind: 'invalid', symbol: c.native, error: err });
  }
}

/** Every price/amount of a Bitfinex frame as decimal text (grid derivation). */
export function scanBitfinex(msg: Json, native: string | undefined, sink: DecimalSink): void {
  if (!native || !Array.isArray(msg) || !Array.isArray(msg[1])) return;
  const body = msg[1];
  const entries = body.length > 0 && Array.isArray(body[0]) ? body : [body];
  for (const e of entries) {
    if (!Array.isArray(e) || typeof e[1] !== 'number' || typeof e[2] !== 'number') continue;
    if (e[1] !== 0) sink(native, 'price', String(e[1]));
    sink(native, 'size', String(Math.abs(e[2])));
  }
}
