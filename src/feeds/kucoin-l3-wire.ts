/**
 * KuCoin / KuMEX level-3 ("full match engine") wire shapes, exactly as the venue sends them.
 * Nothing outside src/feeds/kucoin-l3*.ts sees these types; kucoin-l3.ts turns them into
 * normalised L3Events (core/events.ts).
 *
 * Real example payloads (public docs, SDKs and captures quoted by public clients):
 *
 * v2 spot, topic /spotMarket/level3:{symbol}, kind in `subject`, sequence a number (older
 * pushes: a string), ts in ns:
 *   {"type":"message","topic":"/spotMarket/level3:BTC-USDT","subject":"received","data":{"symbol":"BTC-USDT","orderId":"629724de1f7e6b00015310cb","sequence":1630234429271,"clientOid":"d2b351d1-e185-11ec-aceb-068cc764f03f","ts":1654072542361747612}}
 *   {"type":"message","topic":"/spotMarket/level3:BTC-USDT","subject":"open","data":{"symbol":"BTC-USDT","sequence":"1594781800484","side":"buy","orderTime":"1597678002842139731","size":"0.65898942","orderId":"5f3aa1b2b6aeb200072bd6d8","price":"12139.8","ts":"1597678002842139731"}}
 *   {"type":"message","topic":"/spotMarket/level3:BTC-USDT","subject":"update","data":{"symbol":"BTC-USDT","sequence":"1594781878279","size":"0.0087306","orderId":"5f3aa2d2d5f3da0007802966","ts":"1597678290249785626"}}
 *   {"type":"message","topic":"/spotMarket/level3:BTC-USDT","subject":"match","data":{"symbol":"BTC-USDT","sequence":"1594781824886","side":"sell","size":"0.04541835","price":"12161.1","takerOrderId":"5f3aa220be5dd1000815506e","makerOrderId":"5f3aa21db6aeb200072ce502","tradeId":"5f3aa22078577835017d3de2","remainSize":"1.44964657","ts":"1597678112828040864"}}
 *   {"type":"message","topic":"/spotMarket/level3:BTC-USDT","subject":"done","data":{"symbol":"BTC-USDT","reason":"canceled","sequence":"1594781816444","orderId":"5f3aa1f3b640150007baf5d6","ts":"1597678072795057282"}}
 *   match: size = traded, remainSize = maker's remaining, side = the taker's side.
 *
 * v2 futures, topic /contractMarket/level3v2:{symbol}: the same five subjects and fields
 * (sizes are whole contracts), e.g.
 *   {"type":"message","topic":"/contractMarket/level3v2:XBTMM22","subject":"open","data":{"symbol":"XBTMM22","sequence":1647173843748,"side":"sell","orderTime":1654073248891988536,"size":"28","orderId":"629727a023aac2000194fc87","price":"31615.0","ts":1654073248910399802}}
 *
 * v1 spot, topic /market/level3:{symbol}, subject trade.l3received|l3open|l3done|l3match|
 * l3change and the kind in data.type, time in `time` (ns):
 *   {"type":"message","topic":"/market/level3:BTC-USDT","subject":"trade.l3open","data":{"sequence":"1545896669148","symbol":"BTC-USDT","side":"sell","size":"1","orderId":"5c24c72503aa6772d55b378d","price":"6.00000000000000000000","time":"1545914149935808632","type":"open","remainSize":"1"}}
 *   {"type":"message","topic":"/market/level3:BTC-USDT","subject":"trade.l3match","data":{"sequence":"1545896669291","symbol":"BTC-USDT","side":"buy","size":"0.07600000000000000000","price":"0.08300000000000000000","takerOrderId":"5c24ca2e03aa6772d55b38bf","time":"1545914933083576866","type":"match","makerOrderId":"5c20492a03aa677bd099ce9d","tradeId":"5c24ca3503aa673885cd67ef"}}
 *   {"type":"message","topic":"/market/level3:BTC-USDT","subject":"trade.l3change","data":{"sequence":"1545896669656","symbol":"BTC-USDT","side":"buy","orderId":"5c24caff03aa671aef3ca170","price":"1.00000000000000000000","newSize":"0.15722222000000000000","time":"1545915145402532254","type":"change","oldSize":"0.18622222000000000000"}}
 *   {"type":"message","topic":"/market/level3:BTC-USDT","subject":"trade.l3done","data":{"sequence":"1545896669226","symbol":"BTC-USDT","reason":"filled","side":"buy","orderId":"5c24c96103aa6772d55b380b","time":"1545914730696727106","type":"done"}}
 *   {"type":"message","topic":"/market/level3:BTC-USDT","subject":"trade.l3received","data":{"sequence":"1545896669147","symbol":"BTC-USDT","side":"sell","size":"1","orderId":"5c24c72503aa6772d55b378d","price":"4.00000000000000000000","time":"1545914149935808589","type":"received","orderType":"limit"}}
 *   match carries the traded size only; a received of data.type "activate"/"activated" (stop
 *   orders) changes nothing.
 *
 * KuMEX v1, topic /contractMarket/level3:{symbol} (retired by KuMEX in 2021 in favour of
 * level3v2), kind in data.type (received, open, update, match, done), integer sizes as JSON
 * numbers, ts in ns; match: matchSize = traded, size = maker's remaining; update: size = new
 * size (plus price, oldSize). Field names and types follow the official kumex-level3-sdk
 * (level3stream/stream_data_model.go); this frame is reconstructed from them, not captured:
 *   {"type":"message","topic":"/contractMarket/level3:XBTUSDM","subject":"match","data":{"symbol":"XBTUSDM","sequence":1001,"side":"buy","price":"3634.0","matchSize":20,"size":30,"takerOrderId":"5c0b520032eba53a888fd02y","makerOrderId":"5c0b520032eba53a888fd02x","tradeId":"5c0b520032eba53a888fd02z","type":"match","ts":1545914149935808589}}
 *
 * REST snapshot (spot) GET /api/v3/market/orderbook/level3?symbol=BTC-USDT: asks low→high,
 * bids high→low, FIFO within a price; entries [orderId, price, size, orderTime(ns)]:
 *   {"code":"200000","data":{"sequence":1611591135000,"time":1611591155000,"asks":[["5e0d672c1f311300093ac522","0.1917","390.9275",1577936689346546088]],"bids":[["5e0d672c1f311300093ac521","0.1916","100",1577936689346546087]]}}
 */

/** The four topic families. */
export type KucoinL3Dialect = 'spot-v2' | 'futures-v2' | 'spot-v1' | 'futures-v1';

/** Marker value of a decimal field whose text is a range of KucoinL3Raw.src (see there). */
export const DECIMAL_IN_SRC: unique symbol = Symbol('decimal-in-src');

export const KUCOIN_L3_TOPIC_PREFIX: Readonly<Record<KucoinL3Dialect, string>> = {
  'spot-v2': '/spotMarket/level3:',
  'futures-v2': '/contractMarket/level3v2:',
  'spot-v1': '/market/level3:',
  'futures-v1': '/contractMarket/level3:',
};

/**
 * The fields of one L3 frame the decoder reads, as they arrived (strings or numbers; anything
 * else is rejected when read). Filled either from JSON.parse output or by the hand scanner.
 */
export interface KucoinL3Raw {
  type: unknown;
  topic: unknown;
  subject: unknown;
  hasData: boolean;
  // data.*
  kind: unknown; // data.type (v1)
  sequence: unknown;
  orderId: unknown;
  clientOid: unknown;
  side: unknown;
  price: unknown;
  size: unknown;
  remainSize: unknown;
  matchSize: unknown;
  newSize: unknown;
  makerOrderId: unknown;
  takerOrderId: unknown;
  tradeId: unknown;
  reason: unknown;
  ts: unknown;
  time: unknown;
  orderTime: unknown;
  /**
   * Decimal fields the scanner did not slice: when a decimal field holds DECIMAL_IN_SRC, its text
   * is src[<field>A, <field>B) (read in place by the decoder, no string allocated).
   */
  src: string;
  priceA: number;
  priceB: number;
  sizeA: number;
  sizeB: number;
  remainA: number;
  remainB: number;
  /** Set by the scanner when it already read ts/time (tsMs) or orderTime as ns digits → ms. */
  tsMs: number | undefined;
  orderTimeMs: number | undefined;
}

export function emptyRaw(): KucoinL3Raw {
  return {
    type: undefined,
    topic: undefined,
    subject: undefined,
    hasData: false,
    kind: undefined,
    sequence: undefined,
    orderId: undefined,
    clientOid: undefined,
    side: undefined,
    price: undefined,
    size: undefined,
    remainSize: undefined,
    matchSize: undefined,
    newSize: undefined,
    makerOrderId: undefined,
    takerOrderId: undefined,
    tradeId: undefined,
    reason: undefined,
    ts: undefined,
    time: undefined,
    orderTime: undefined,
    tsMs: undefined,
    orderTimeMs: undefined,
    src: '',
    priceA: 0,
    priceB: 0,
    sizeA: 0,
    sizeB: 0,
    remainA: 0,
    remainB: 0,
  };
}

export function resetRaw(r: KucoinL3Raw): void {
  r.type = undefined;
  r.topic = undefined;
  r.subject = undefined;
  r.hasData = false;
  r.kind = undefined;
  r.sequence = undefined;
  r.orderId = undefined;
  r.clientOid = undefined;
  r.side = undefined;
  r.price = undefined;
  r.size = undefined;
  r.remainSize = undefined;
  r.matchSize = undefined;
  r.newSize = undefined;
  r.makerOrderId = undefined;
  r.takerOrderId = undefined;
  r.tradeId = undefined;
  r.reason = undefined;
  r.ts = undefined;
  r.time = undefined;
  r.orderTime = undefined;
  r.tsMs = undefined;
  r.orderTimeMs = undefined;
}
