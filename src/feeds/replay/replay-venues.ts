/**
 * Per-venue wiring of the replay engine: which decoder, which book, which BookSync policy, how
 * to find and decode REST snapshots, and how to scan frames for the capture grid.
 */
import type { L2Snapshot, L3Snapshot } from '../../core/events.js';
import type { Instrument } from '../../core/instrument.js';
import type { L2Book } from '../../book/l2-book.js';
import type { L3Book } from '../../book/l3-book.js';
import { BinanceDepthDecoder, decodeBinanceDepthSnapshot, scanBinance } from '../binance-depth.js';
import { bitfinexChecksumOf, bitfinexRawChecksum } from '../bitfinex-checksum.js';
import { BitfinexRawDecoder, scanBitfinex } from '../bitfinex-raw.js';
import { CoinbaseFullDecoder, decodeCoinbaseL3Snapshot } from '../coinbase-full.js';
import { CoinbaseLevel2Decoder, scanCoinbase } from '../coinbase-level2.js';
import type { DecimalSink, FeedDecoder, FeedEvent, InstrumentLookup } from '../feed-event.js';
import { KucoinL2Decoder, decodeKucoinL2Snapshot, scanKucoinL2 } from '../kucoin-l2.js';
import { OkxBooksDecoder, okxChecksum, scanOkx } from '../okx-books.js';
import { POLICIES } from '../sync-policy.js';
import type { SeqPolicy } from '../sync-policy.js';
import type { L3TargetOptions } from '../sync-targets.js';
import { isObject, type Json } from '../wire-fields.js';

export type ReplayVenueName =
  'kucoin' | 'coinbase' | 'coinbase-full' | 'okx' | 'binance' | 'binance-futures' | 'bitfinex';

export interface VenueWiring {
  readonly venue: string;
  readonly book: 'l2' | 'l3';
  readonly policy: SeqPolicy;
  decoder(lookup: InstrumentLookup): FeedDecoder;
  scan(msg: Json, sink: DecimalSink, channels: Map<number, string>): void;
  snapshotSymbol?(url: string): string | undefined;
  scanSnapshot?(msg: Json, symbol: string, sink: DecimalSink): void;
  decodeSnapshot?(body: string, inst: Instrument, ts: number): L2Snapshot | L3Snapshot;
  checksum?(decoder: FeedDecoder, native: string, inst: Instrument): ((book: L2Book) => number) | undefined;
  /** L3 books whose venue sends its checksum as a message of its own (Bitfinex `cs`). */
  l3Checksum?(inst: Instrument): (book: L3Book) => number;
  /** The checksum a control event carries, if it is one. */
  controlChecksum?(ev: FeedEvent): number | undefined;
  readonly l3Options?: L3TargetOptions;
}

/** bids/asks rows [price, size, …] of a REST book reply, at the top level or under `data`. */
function scanRestBook(msg: Json, symbol: string, sink: DecimalSink): void {
  if (!isObject(msg)) return;
  const d = isObject(msg.data) ? msg.data : msg;
  for (const k of ['bids', 'asks']) {
    const rows = d[k];
    if (!Array.isArray(rows)) continue;
    for (const r of rows) {
      if (!Array.isArray(r)) continue;
      if (typeof r[0] === 'string') sink(symbol, 'price', r[0]);
      if (typeof r[1] === 'string') sink(symbol, 'size', r[1]);
    }
  }
}

const binance = (policy: SeqPolicy): VenueWiring => ({
  venue: 'binance',
  book: 'l2',
  policy,
  decoder: (lookup) => new BinanceDepthDecoder(lookup),
  scan: (msg, sink) => scanBinance(msg, sink),
  snapshotSymbol: symbolFromUrl,
  scanSnapshot: scanRestBook,
  decodeSnapshot: (body, inst, ts) => decodeBinanceDepthSnapshot(body, inst, ts),
});

export const VENUES: Record<ReplayVenueName, VenueWiring> = {
  kucoin: {
    venue: 'kucoin',
    book: 'l2',
    policy: POLICIES.kucoinL2,
    decoder: (lookup) => new KucoinL2Decoder(lookup),
    scan: (msg, sink) => scanKucoinL2(msg, sink),
    snapshotSymbol: symbolFromUrl,
    scanSnapshot: scanRestBook,
    decodeSnapshot: (body, inst) => decodeKucoinL2Snapshot(body, inst),
  },
  coinbase: {
    venue: 'coinbase',
    book: 'l2',
    policy: POLICIES.coinbaseLevel2,
    decoder: (lookup) => new CoinbaseLevel2Decoder(lookup),
    scan: (msg, sink) => scanCoinbase(msg, sink),
  },
  'coinbase-full': {
    venue: 'coinbase',
    book: 'l3',
    policy: POLICIES.coinbaseFull,
    decoder: (lookup) => new CoinbaseFullDecoder(lookup),
    scan: (msg, sink) => scanCoinbase(msg, sink),
    snapshotSymbol: symbolFromUrl,
    scanSnapshot: scanRestBook,
    decodeSnapshot: (body, inst, ts) => decodeCoinbaseL3Snapshot(body, inst, ts),
    l3Options: { ignoreUnknownChange: true },
  },
  okx: {
    venue: 'okx',
    book: 'l2',
    policy: POLICIES.okxBooks,
    decoder: (lookup) => new OkxBooksDecoder(lookup),
    scan: (msg, sink) => scanOkx(msg, sink),
    checksum: (decoder, native, inst) => {
      if (!(decoder instanceof OkxBooksDecoder)) return undefined;
      const memo = decoder.memo(native);
      return (book) => okxChecksum(book, inst, memo);
    },
  },
  binance: binance(POLICIES.binanceSpot),
  'binance-futures': binance(POLICIES.binanceFutures),
  bitfinex: {
    venue: 'bitfinex',
    book: 'l3',
    policy: POLICIES.bitfinexRaw,
    decoder: (lookup) => new BitfinexRawDecoder(lookup),
    scan: (msg, sink, channels) => scanBitfinex(msg, bitfinexScanChannel(msg, channels), sink),
    l3Options: { upsertOpen: true },
    l3Checksum: (inst) => (book) => bitfinexRawChecksum(book, inst),
    controlChecksum: bitfinexChecksumOf,
  },
};

/** Symbol from a REST URL: `?symbol=X` (KuCoin, Binance) or `/products/X/book` (Coinbase). */
export function symbolFromUrl(url: string): string | undefined {
  const q = /[?&]symbol=([^&\s]+)/.exec(url);
  if (q) return decodeURIComponent(q[1]);
  const p = /\/products\/([^/?\s]+)\/book/.exec(url);
  return p ? decodeURIComponent(p[1]) : undefined;
}

/** Channel id → symbol bookkeeping for scanning Bitfinex captures. */
export function bitfinexScanChannel(msg: Json, channels: Map<number, string>): string | undefined {
  if (isObject(msg) && msg.event === 'subscribed' && typeof msg.chanId === 'number' && typeof msg.symbol === 'string') {
    channels.set(msg.chanId, msg.symbol);
    return undefined;
  }
  if (Array.isArray(msg) && typeof msg[0] === 'number') return channels.get(msg[0]);
  return undefined;
}
