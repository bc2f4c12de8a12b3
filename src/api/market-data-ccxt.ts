/**
 * MarketDataSource over any ccxt exchange: fetchTicker, fetchTrades, fetchOHLCV,
 * fetchClosedOrders, fetchOrder. ccxt numbers become ticks/lots exactly (venue/ccxt/ccxt-numbers);
 * volumes, which need not sit on the lot grid, round to the nearest lot. ccxt exceptions map to the
 * venue codes (venue/ccxt/ccxt-errors). The venue's own reply (`info`) is kept as `raw`.
 */
import type { Exchange, Order, Ticker } from 'ccxt';
import { systemClock, type Clock } from '../core/clock.js';
import { dgError } from '../core/errors.js';
import type { Instrument } from '../core/instrument.js';
import { fromCcxtError } from '../venue/ccxt/ccxt-errors.js';
import { decimalText, unitsOf } from '../venue/ccxt/ccxt-numbers.js';
import { ccxtOrder } from '../venue/ccxt/ccxt-translate.js';
import { venueFail, venueOk, type VenueResult } from '../venue/venue.js';
import type { CandleView, OrderView, TickerView, TradeView } from './gateway-port.js';
import { CANDLE_PERIODS, clampLimit, type MarketDataSource, type OrderIds } from './market-data.js';

export interface CcxtMarketDataOptions {
  readonly exchange: Exchange;
  /** createOrder/fetchOrder params key of the client order id; default per exchange. */
  readonly clientIdParam?: string;
  readonly clock?: Clock;
}

/** FMZ/record periods (minutes) → ccxt timeframes. */
export const CCXT_TIMEFRAMES: Readonly<Record<number, string>> = {
  1: '1m',
  3: '3m',
  5: '5m',
  15: '15m',
  30: '30m',
  60: '1h',
  120: '2h',
  240: '4h',
  360: '6h',
  480: '8h',
  720: '12h',
  1440: '1d',
  10080: '1w',
};

const CLIENT_ID_PARAM: Readonly<Record<string, string>> = { kucoin: 'clientOid' };

/** Optional price → ticks (undefined when absent or zero). */
export function ticksOpt(x: unknown, inst: Instrument, what: string): number | undefined {
  if (x === undefined || x === null || x === 0) return undefined;
  return unitsOf(x, inst.price, what);
}

/** A volume → nearest whole lot (volumes are sums: they need not sit on the lot grid). */
function lotsRounded(x: unknown, inst: Instrument): number {
  if (x === undefined || x === null) return 0;
  if (typeof x !== 'number' || !Number.isFinite(x) || x < 0) throw dgError('DG_E_VENUE_BAD_REPLY', 'volume');
  return Math.round(x / Number(inst.lotSize));
}

function exactText(x: unknown): string | undefined {
  return typeof x === 'number' && Number.isFinite(x) && x > 0 ? decimalText(x) : undefined;
}

export function ccxtOrderView(o: Order, inst: Instrument, now: number): OrderView {
  const base = ccxtOrder(o, inst, now);
  return {
    ...base,
    avgPrice: base.filledSize > 0 ? exactText(o.average) : undefined,
    createdAt: typeof o.timestamp === 'number' ? o.timestamp : base.ts,
    raw: (o as { info?: unknown }).info,
  };
}

function tickerView(t: Ticker, inst: Instrument, now: number): TickerView {
  return {
    instrument: inst,
    bid: ticksOpt(t.bid, inst, 'bid'),
    ask: ticksOpt(t.ask, inst, 'ask'),
    last: ticksOpt(t.last, inst, 'last'),
    open: ticksOpt(t.open, inst, 'open'),
    high: ticksOpt(t.high, inst, 'high'),
    low: ticksOpt(t.low, inst, 'low'),
    volume: lotsRounded(t.baseVolume, inst),
    time: typeof t.timestamp === 'number' ? t.timestamp : now,
    raw: t.info,
  };
}

export function createCcxtMarketData(opts: CcxtMarketDataOptions): MarketDataSource {
  const ex = opts.exchange;
  const clock = opts.clock ?? systemClock;
  const clientIdParam = opts.clientIdParam ?? CLIENT_ID_PARAM[ex.id] ?? 'clientOrderId';

  async function call<T>(fn: () => Promise<T>): Promise<VenueResult<T>> {
    try {
      return venueOk(await fn());
    } catch (e) {
      return venueFail(fromCcxtError(e));
    }
  }

  return {
    async ticker(inst: Instrument): Promise<VenueResult<TickerView>> {
      return call(async () => tickerView(await ex.fetchTicker(inst.symbol), inst, clock.now()));
    },

    async tickers(insts: readonly Instrument[]): Promise<VenueResult<TickerView[]>> {
      if (ex.has.fetchTickers !== true) return venueFail('DG_E_VENUE_UNSUPPORTED', `${ex.id} has no fetchTickers`);
      return call(async () => {
        const all = await ex.fetchTickers();
        const out: TickerView[] = [];
        for (const inst of insts) {
          const t = all[inst.symbol];
          if (!t) continue;
          try {
            out.push(tickerView(t, inst, clock.now()));
          } catch {
            /* a ticker off the grid is left out of the list, not the whole answer */
          }
        }
        return out;
      });
    },

    async trades(inst: Instrument, limit: number): Promise<VenueResult<TradeView[]>> {
      return call(async () => {
        const list = await ex.fetchTrades(inst.symbol, undefined, clampLimit(limit, 100));
        const out: TradeView[] = list.map((t) => ({
          id: typeof t.id === 'string' && t.id.length > 0 ? t.id : String(t.timestamp ?? ''),
          price: unitsOf(t.price, inst.price, 'trade price'),
          size: unitsOf(t.amount, inst.size, 'trade amount'),
          takerSide: t.side === 'sell' ? 1 : 0,
          time: typeof t.timestamp === 'number' ? t.timestamp : 0,
        }));
        // ccxt lists oldest first: reverse, then a stable sort keeps venue order within one ms
        out.reverse();
        out.sort((a, b) => b.time - a.time);
        return out.slice(0, clampLimit(limit, 100));
      });
    },

    async candles(inst: Instrument, periodMinutes: number, limit: number): Promise<VenueResult<CandleView[]>> {
      const tf = CANDLE_PERIODS.includes(periodMinutes) ? CCXT_TIMEFRAMES[periodMinutes] : undefined;
      if (!tf) return venueFail('DG_E_BAD_INPUT', `period ${periodMinutes} min`);
      if (ex.timeframes && !(tf in ex.timeframes)) return venueFail('DG_E_VENUE_UNSUPPORTED', `timeframe ${tf}`);
      const n = clampLimit(limit, 100);
      return call(async () => {
        const rows = await ex.fetchOHLCV(inst.symbol, tf, undefined, n);
        const out = rows.map((r): CandleView => {
          const [ts, o, h, l, c, v] = r;
          if (typeof ts !== 'number') throw dgError('DG_E_VENUE_BAD_REPLY', 'candle time');
          return [
            ts,
            unitsOf(o, inst.price, 'open'),
            unitsOf(h, inst.price, 'high'),
            unitsOf(l, inst.price, 'low'),
            unitsOf(c, inst.price, 'close'),
            lotsRounded(v, inst),
          ];
        });
        out.sort((a, b) => a[0] - b[0]);
        return out.slice(-n);
      });
    },

    async closedOrders(inst: Instrument, since: number | undefined, limit: number): Promise<VenueResult<OrderView[]>> {
      const n = clampLimit(limit, 100);
      return call(async () => {
        const list = await ex.fetchClosedOrders(inst.symbol, since, n);
        const now = clock.now();
        const out = list.map((o) => ccxtOrderView(o, inst, now));
        out.sort((a, b) => b.createdAt - a.createdAt);
        return out.slice(0, n);
      });
    },

    async order(inst: Instrument, ids: OrderIds): Promise<VenueResult<OrderView>> {
      if (ids.venueOrderId === undefined && ids.clientOrderId === undefined) {
        return venueFail('DG_E_BAD_INPUT', 'order needs an id');
      }
      return call(async () => {
        const o =
          ids.venueOrderId !== undefined
            ? await ex.fetchOrder(ids.venueOrderId, inst.symbol)
            : await ex.fetchOrder('', inst.symbol, { [clientIdParam]: ids.clientOrderId });
        return ccxtOrderView(o, inst, clock.now());
      });
    },
  };
}
