/**
 * A MarketDataSource whose `ticker` is answered from what deskgate already holds, not from a REST
 * round trip per call: best bid / ask from the venue's synced book (the Venue's book subscription,
 * e.g. CcxtVenue's native KuCoin L3 feed through BookSync), and last / open / high / low / 24 h
 * volume from the venue's ticker push feed (ccxt.pro `watchTicker`, KuCoin `/market/snapshot`),
 * kept up to date by a background loop per instrument. Every other read goes to `fallback`
 * (usually createCcxtMarketData). The first ticker call of an instrument starts its feeds and
 * waits for both (up to `firstWaitMs`); after that a call does no I/O at all.
 *
 *   const md = createLiveMarketData({ venue, exchange: venue.exchange, fallback: createCcxtMarketData(…) });
 *   const port = createVenuePort(venue, md);
 *   …
 *   md.close();
 *
 * If the ticker feed is down the last values stay (with the book's live bid / ask); while a feed has
 * never delivered, or the book is resyncing, the call is answered by `fallback` (one REST round trip). Why: a venue's public REST quota (KuCoin: 2000
 * weight / 30 s, `market/stats` weighs 15) allows a handful of tickers a second per IP.
 */
import type { Exchange, Ticker } from 'ccxt';
import { systemClock, type Clock } from '../core/clock.js';
import type { Instrument } from '../core/instrument.js';
import { venueFail, venueOk, type BookSubscription, type Venue, type VenueResult } from '../venue/venue.js';
import type { TickerView } from './gateway-port.js';
import { ticksOpt } from './market-data-ccxt.js';
import type { MarketDataSource } from './market-data.js';

export interface LiveMarketDataOptions {
  readonly venue: Venue;
  /** A ccxt.pro exchange with watchTicker (CcxtVenue.exchange). */
  readonly exchange: Exchange;
  readonly fallback: MarketDataSource;
  readonly clock?: Clock;
  /** How long the first ticker call of an instrument waits for its feeds (default 10 000 ms). */
  readonly firstWaitMs?: number;
  /** Pause before a failed watchTicker is retried (default 1000 ms). */
  readonly retryMs?: number;
}

export interface LiveMarketData extends MarketDataSource {
  /** Stops the ticker loops (books belong to the venue). */
  close(): void;
}

/** 24 h figures of the last pushed ticker, already on the instrument's grid. */
interface Stats {
  last: number | undefined;
  open: number | undefined;
  high: number | undefined;
  low: number | undefined;
  volume: number;
}

interface Feed {
  book: BookSubscription | undefined;
  /** A book subscription in flight (the first, or a retry after a failed one). */
  booking: Promise<boolean> | undefined;
  stats: Stats | undefined;
  /** Resolves when both the book and a first ticker are in. */
  ready: Promise<boolean>;
}

function statsOf(t: Ticker, inst: Instrument): Stats {
  const vol = t.baseVolume;
  return {
    last: ticksOpt(t.last, inst, 'last'),
    open: ticksOpt(t.open, inst, 'open'),
    high: ticksOpt(t.high, inst, 'high'),
    low: ticksOpt(t.low, inst, 'low'),
    // volumes are sums, not on the lot grid: nearest lot
    volume: typeof vol === 'number' && Number.isFinite(vol) && vol > 0 ? Math.round(vol / Number(inst.lotSize)) : 0,
  };
}

export function createLiveMarketData(opts: LiveMarketDataOptions): LiveMarketData {
  const clock = opts.clock ?? systemClock;
  const firstWaitMs = opts.firstWaitMs ?? 10_000;
  const retryMs = opts.retryMs ?? 1000;
  const feeds = new Map<number, Feed>();
  let closed = false;

  function start(inst: Instrument): Feed {
    const feed: Feed = { book: undefined, booking: undefined, stats: undefined, ready: Promise.resolve(false) };
    let gotTicker: () => void = () => undefined;
    const firstTicker = new Promise<void>((r) => (gotTicker = r));
    const loop = async (): Promise<void> => {
      while (!closed) {
        try {
          const t = await opts.exchange.watchTicker(inst.symbol);
          // Frames that arrive together resolve the watch once, with the first; ccxt keeps the
          // newest in `tickers` — read that, or a burst's last update would be lost until the next.
          const newest = (opts.exchange.tickers as Record<string, Ticker | undefined> | undefined)?.[inst.symbol];
          feed.stats = statsOf(newest ?? t, inst);
          gotTicker();
        } catch {
          if (closed) return;
          await new Promise((r) => setTimeout(r, retryMs));
        }
      }
    };
    void loop();
    const book = subscribe(inst, feed);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<boolean>((r) => (timer = setTimeout(() => r(false), firstWaitMs)));
    feed.ready = Promise.race([Promise.all([book, firstTicker]).then(([ok]) => ok), timeout]).finally(() =>
      clearTimeout(timer),
    );
    feeds.set(inst.id, feed);
    return feed;
  }

  /** (Re)subscribes the book; a failed subscription is retried by the next ticker call. */
  function subscribe(inst: Instrument, feed: Feed): Promise<boolean> {
    if (feed.booking) return feed.booking;
    const p = opts.venue.subscribeBook(inst).then(
      (r) => {
        if (r.ok) feed.book = r.value;
        return r.ok;
      },
      () => false,
    );
    feed.booking = p.finally(() => {
      feed.booking = undefined;
    });
    return p;
  }

  function view(inst: Instrument, feed: Feed): VenueResult<TickerView> {
    const sub = feed.book;
    const s = feed.stats;
    if (!sub) {
      if (!closed) void subscribe(inst, feed);
      return venueFail('DG_E_VENUE_UNAVAILABLE', `${inst.symbol}: book not subscribed`);
    }
    if (!s) return venueFail('DG_E_VENUE_UNAVAILABLE', `${inst.symbol}: no ticker push received yet`);
    // a book being resynced is empty, never wrong: say so instead of showing no bid / ask
    if (!sub.synced) return venueFail('DG_E_VENUE_UNAVAILABLE', `${inst.symbol}: book resyncing`);
    const b = sub.view;
    return venueOk({
      instrument: inst,
      bid: b.bestBid(),
      ask: b.bestAsk(),
      last: s.last,
      open: s.open,
      high: s.high,
      low: s.low,
      volume: s.volume,
      time: clock.now(),
    });
  }

  return {
    ticker(inst: Instrument): Promise<VenueResult<TickerView>> {
      const feed = feeds.get(inst.id);
      // hot path: no I/O, no await
      if (feed?.book && feed.stats) {
        const v = view(inst, feed);
        if (v.ok) return Promise.resolve(v);
      }
      if (closed) return Promise.resolve(venueFail('DG_E_VENUE_UNAVAILABLE', 'market data closed'));
      const f = feed ?? start(inst);
      // Until both feeds deliver (no push yet, book resyncing), one REST round trip answers instead.
      return f.ready.then(() => {
        const v = view(inst, f);
        return v.ok ? v : opts.fallback.ticker(inst);
      });
    },
    trades: (inst, limit) => opts.fallback.trades(inst, limit),
    candles: (inst, period, limit) => opts.fallback.candles(inst, period, limit),
    closedOrders: (inst, since, limit) => opts.fallback.closedOrders(inst, since, limit),
    order: (inst, ids) => opts.fallback.order(inst, ids),
    ...(opts.fallback.tickers ? { tickers: opts.fallback.tickers.bind(opts.fallback) } : {}),
    close() {
      closed = true;
      feeds.clear();
    },
  };
}
