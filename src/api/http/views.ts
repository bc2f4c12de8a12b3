/**
 * JSON views of the native API: instruments, orders and books with exact decimal strings (ticks and
 * lots converted back with core/decimal.ts `fromUnits`), sides as "buy"/"sell".
 */
import type { BookView } from '../../book/book-view.js';
import type { L3Book } from '../../book/l3-book.js';
import { fromUnits } from '../../core/decimal.js';
import type { Side } from '../../core/events.js';
import type { Instrument } from '../../core/instrument.js';
import type { OrderView } from '../gateway-port.js';

export type SideText = 'buy' | 'sell';
export const sideText = (s: Side): SideText => (s === 0 ? 'buy' : 'sell');

export interface InstrumentJson {
  symbol: string;
  native: string;
  venue: string;
  base: string;
  quote: string;
  settle: string | null;
  kind: string;
  tickSize: string;
  lotSize: string;
  minSize: string;
  contractValue: string;
  minNotional: string | null;
}

export function instrumentJson(i: Instrument): InstrumentJson {
  return {
    symbol: i.symbol,
    native: i.native,
    venue: i.venue,
    base: i.base,
    quote: i.quote,
    settle: i.settle ?? null,
    kind: i.kind,
    tickSize: i.tickSize,
    lotSize: i.lotSize,
    minSize: i.minSize,
    contractValue: i.contractValue,
    minNotional: i.minNotional ?? null,
  };
}

export interface OrderJson {
  clientOrderId: string | null;
  venueOrderId: string;
  symbol: string;
  side: SideText;
  type: string;
  price: string | null;
  size: string | null;
  filled: string;
  status: string;
  avgPrice: string | null;
  createdAt: number;
  updatedAt: number;
}

export function orderJson(
  o: Pick<OrderView, Exclude<keyof OrderView, 'avgPrice' | 'createdAt' | 'raw'>> & {
    avgPrice?: string | undefined;
    createdAt?: number;
  },
): OrderJson {
  const i = o.instrument;
  return {
    clientOrderId: o.clientOrderId ?? null,
    venueOrderId: o.venueOrderId,
    symbol: i.symbol,
    side: sideText(o.side),
    type: o.type,
    price: o.price === undefined ? null : fromUnits(o.price, i.price),
    size: o.size === undefined ? null : fromUnits(o.size, i.size),
    filled: fromUnits(o.filledSize, i.size),
    status: o.status,
    avgPrice: o.avgPrice ?? null,
    createdAt: o.createdAt ?? o.ts,
    updatedAt: o.ts,
  };
}

export type LevelJson = [price: string, size: string];

export function levelsJson(inst: Instrument, levels: ReadonlyArray<readonly [number, number]>): LevelJson[] {
  return levels.map(([p, s]) => [fromUnits(p, inst.price), fromUnits(s, inst.size)]);
}

/** The book's venue sequence when the view carries one (L2Book and L3Book do). */
export function bookSeq(view: BookView): number | null {
  const s = (view as { seq?: unknown }).seq;
  return typeof s === 'number' && Number.isFinite(s) ? s : null;
}

export interface L2Json {
  symbol: string;
  seq: number | null;
  bids: LevelJson[];
  asks: LevelJson[];
}

export function l2Json(inst: Instrument, view: BookView, depth: number): L2Json {
  return {
    symbol: inst.symbol,
    seq: bookSeq(view),
    bids: levelsJson(inst, view.levels(0, depth)),
    asks: levelsJson(inst, view.levels(1, depth)),
  };
}

export interface QueueJson {
  ordersAhead: number;
  sizeAhead: string;
  levelSize: string;
}

export interface L3OrderJson {
  orderId: string;
  price: string;
  size: string;
  own?: { clientOrderId: string | null; queue: QueueJson };
}

export interface OwnQueueJson {
  clientOrderId: string | null;
  venueOrderId: string;
  side: SideText;
  price: string;
  size: string;
  ordersAhead: number;
  sizeAhead: string;
  levelSize: string;
}

export interface L3Json {
  symbol: string;
  seq: number;
  bids: L3OrderJson[];
  asks: L3OrderJson[];
  /** Every own open order found on the book, with its queue position. */
  own: OwnQueueJson[];
}

/** Orders of the L3 book (depth = orders per side), own orders marked with their queue position. */
export function l3Json(inst: Instrument, book: L3Book, depth: number, open: readonly OrderView[]): L3Json {
  const ownByVenueId = new Map<string, OrderView>();
  for (const o of open) if (o.instrument.symbol === inst.symbol) ownByVenueId.set(o.venueOrderId, o);
  const own: OwnQueueJson[] = [];
  const queues = new Map<string, QueueJson>();
  for (const [id, o] of ownByVenueId) {
    const q = book.queuePosition(id);
    const rest = book.order(id);
    if (!q || !rest) continue;
    const queue: QueueJson = {
      ordersAhead: q.ordersAhead,
      sizeAhead: fromUnits(q.sizeAhead, inst.size),
      levelSize: fromUnits(q.levelSize, inst.size),
    };
    queues.set(id, queue);
    own.push({
      clientOrderId: o.clientOrderId ?? null,
      venueOrderId: id,
      side: sideText(rest.side),
      price: fromUnits(rest.price, inst.price),
      size: fromUnits(rest.size, inst.size),
      ...queue,
    });
  }
  const side = (s: Side): L3OrderJson[] =>
    book.orders(s, depth).map((r) => {
      const row: L3OrderJson = {
        orderId: r.orderId,
        price: fromUnits(r.price, inst.price),
        size: fromUnits(r.size, inst.size),
      };
      const q = queues.get(r.orderId);
      if (q) row.own = { clientOrderId: ownByVenueId.get(r.orderId)?.clientOrderId ?? null, queue: q };
      return row;
    });
  return { symbol: inst.symbol, seq: book.seq, bids: side(0), asks: side(1), own };
}
