/**
 * Normalised market-data events. Feed decoders turn each venue's wire frames into these; books
 * and BookSync consume them. Prices are integer ticks and sizes integer lots of the instrument
 * (see core/decimal.ts); sequences are venue sequence numbers (safe integers).
 */

/** 0 = bid (buy), 1 = ask (sell). Numeric so hot paths can index arrays with it. */
export type Side = 0 | 1;
export const BID: Side = 0;
export const ASK: Side = 1;

export function sideFromText(s: string): Side | undefined {
  switch (s) {
    case 'buy':
    case 'bid':
    case 'bids':
      return BID;
    case 'sell':
    case 'ask':
    case 'asks':
      return ASK;
    default:
      return undefined;
  }
}

export function sideText(s: Side): 'buy' | 'sell' {
  return s === BID ? 'buy' : 'sell';
}

// ----- Level 3 (order by order) -------------------------------------------------------------

/** An order was accepted by the matching engine (no book change). Links clientOid to orderId. */
export interface L3Received {
  readonly type: 'received';
  readonly seq: number;
  readonly orderId: string;
  readonly clientOid?: string;
  readonly ts: number;
}

/** An order now rests on the book (joins the back of its price level's queue). */
export interface L3Open {
  readonly type: 'open';
  readonly seq: number;
  readonly orderId: string;
  readonly side: Side;
  readonly price: number;
  readonly size: number;
  readonly ts: number;
}

/** A resting order's size (and possibly price) changed. A decrease keeps queue priority. */
export interface L3Change {
  readonly type: 'change';
  readonly seq: number;
  readonly orderId: string;
  readonly size: number;
  /** Present only when the venue moved the order to another price. */
  readonly price?: number;
  readonly ts: number;
}

/** A trade against a resting maker order. */
export interface L3Match {
  readonly type: 'match';
  readonly seq: number;
  readonly makerOrderId: string;
  readonly takerOrderId: string;
  readonly price: number;
  /** Traded size. */
  readonly size: number;
  /** Maker's remaining size after the trade, when the venue says it (KuCoin v2 remainSize). */
  readonly remaining?: number;
  /** Taker's side (the aggressor). */
  readonly takerSide: Side;
  readonly tradeId?: string;
  readonly ts: number;
}

/** An order left the book (or never rested): filled or cancelled. */
export interface L3Done {
  readonly type: 'done';
  readonly seq: number;
  readonly orderId: string;
  readonly reason: 'filled' | 'canceled';
  readonly ts: number;
}

/** A venue message that carries a sequence but changes nothing (heartbeats, activate, …). */
export interface SeqNoop {
  readonly type: 'noop';
  readonly seq: number;
  readonly ts: number;
}

export type L3Event = L3Received | L3Open | L3Change | L3Match | L3Done | SeqNoop;

/** A resting order in an L3 snapshot, in FIFO order within its price. */
export interface L3SnapshotOrder {
  readonly orderId: string;
  readonly price: number;
  readonly size: number;
  readonly ts: number;
}

export interface L3Snapshot {
  readonly seq: number;
  readonly ts: number;
  /** Best first (high → low). */
  readonly bids: readonly L3SnapshotOrder[];
  /** Best first (low → high). */
  readonly asks: readonly L3SnapshotOrder[];
}

// ----- Level 2 (price levels) ---------------------------------------------------------------

/** Set a price level's total size; size 0 removes the level. */
export interface L2Level {
  readonly side: Side;
  readonly price: number;
  readonly size: number;
}

/**
 * One venue update of an L2 book. Sequenced feeds give [firstSeq, lastSeq] (KuCoin
 * sequenceStart/End, Binance U/u; a single number sets both); `prevSeq` is the venue's link to
 * the previous update where it has one (OKX prevSeqId, Binance futures pu).
 */
export interface L2Update {
  readonly type: 'l2';
  readonly firstSeq: number;
  readonly lastSeq: number;
  readonly prevSeq?: number;
  readonly levels: readonly L2Level[];
  /** Venue checksum to verify after applying (OKX CRC32), if any. */
  readonly checksum?: number;
  readonly ts: number;
}

export interface L2Snapshot {
  readonly seq: number;
  readonly ts: number;
  /** Best first. */
  readonly bids: readonly (readonly [price: number, size: number])[];
  readonly asks: readonly (readonly [price: number, size: number])[];
  readonly checksum?: number;
}

/** A public trade print. */
export interface TradeEvent {
  readonly type: 'trade';
  readonly seq?: number;
  readonly tradeId: string;
  readonly price: number;
  readonly size: number;
  readonly takerSide: Side;
  readonly ts: number;
}
