/**
 * Public market-data REST routes (KuCoin spot, `/api/v1|v2|v3/…`): time, status, symbols,
 * currencies, tickers, stats, L2 part/full books, L3 book, trade history, candles, plus the empty
 * margin/futures lists ccxt's loadMarkets asks for. Shapes follow KuCoin's docs; examples:
 *   GET /api/v1/market/orderbook/level2_20 → {"code":"200000","data":{"sequence":"3262786978",
 *       "time":1550653727731,"bids":[["6500.12","0.45054140"]],"asks":[["6500.16","0.57753524"]]}}
 *   GET /api/v1/market/histories → [{"sequence":"1545896668571","price":"0.07","size":"0.004",
 *       "side":"buy","time":1545904567062140823}]
 *   GET /api/v1/market/candles → [["1545904980","0.058","0.049","0.058","0.049","0.018","0.000945"]]
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { SimMarket } from '../engine-types.js';
import { authHook, marketOr900001, ok, parseWith, type ServerContext } from './context.js';
import { KC } from './kc-errors.js';
import { averagePriceText, changeRateText, nsNumber } from './wire-format.js';

const symbolQuery = z.object({ symbol: z.string().min(1).max(40) });

/** KuCoin candle types → minutes. `1month` is served as 30 days. */
export const CANDLE_MINUTES: Readonly<Record<string, number>> = {
  '1min': 1,
  '3min': 3,
  '5min': 5,
  '15min': 15,
  '30min': 30,
  '1hour': 60,
  '2hour': 120,
  '4hour': 240,
  '6hour': 360,
  '8hour': 480,
  '12hour': 720,
  '1day': 1440,
  '1week': 10080,
  '1month': 43200,
};

const candleQuery = z.object({
  symbol: z.string().min(1).max(40),
  type: z.string().refine((t) => t in CANDLE_MINUTES, 'unknown candle type'),
  startAt: z.coerce.number().int().min(0).max(1e11).optional(),
  endAt: z.coerce.number().int().min(0).max(1e11).optional(),
});

export function symbolJson(ctx: ServerContext, m: SimMarket): Record<string, unknown> {
  const e = ctx.engine;
  const quoteInc = e.currency(m.quote)?.increment.text ?? m.instrument.tickSize;
  return {
    symbol: m.symbol,
    name: m.symbol,
    baseCurrency: m.base,
    quoteCurrency: m.quote,
    feeCurrency: m.quote,
    market: m.quote === 'USDT' || m.quote === 'USDC' ? 'USDS' : m.quote,
    baseMinSize: e.formatSize(m.symbol, m.minLots),
    quoteMinSize: e.formatAmount(m.quote, m.minFunds),
    baseMaxSize: e.formatSize(m.symbol, m.maxLots),
    quoteMaxSize: '99999999',
    baseIncrement: m.instrument.lotSize,
    quoteIncrement: quoteInc,
    priceIncrement: m.instrument.tickSize,
    priceLimitRate: '0.1',
    minFunds: e.formatAmount(m.quote, m.minFunds),
    isMarginEnabled: false,
    enableTrading: true,
    feeCategory: 1,
    makerFeeCoefficient: '1.00',
    takerFeeCoefficient: '1.00',
    st: false,
    callauctionIsEnabled: false,
  };
}

function currencyJson(ctx: ServerContext, code: string, decimals: number): Record<string, unknown> {
  return {
    currency: code,
    name: code,
    fullName: code,
    precision: decimals,
    confirms: null,
    contractAddress: null,
    isMarginEnabled: false,
    isDebitEnabled: false,
    chains: [
      {
        chainName: 'SIM',
        chainId: 'sim',
        withdrawalMinSize: '0',
        withdrawalMinFee: '0',
        isWithdrawEnabled: false,
        isDepositEnabled: false,
        confirms: 0,
        preConfirms: 0,
        contractAddress: '',
        withdrawPrecision: decimals,
        maxWithdraw: null,
        maxDeposit: null,
        needTag: false,
      },
    ],
  };
}

/** Ticker fields shared by /market/stats and /market/allTickers. */
export function statsJson(ctx: ServerContext, m: SimMarket): Record<string, unknown> {
  const e = ctx.engine;
  const t = e.ticker(m.symbol);
  const px = (v: number | undefined): string | null => (v === undefined ? null : e.formatPrice(m.symbol, v));
  let changePrice: string | null = null;
  let changeRate: string | null = null;
  if (t.last !== undefined && t.open24h !== undefined) {
    changePrice = e.formatPrice(m.symbol, t.last - t.open24h);
    changeRate = changeRateText(t.last, t.open24h);
  }
  const averagePrice = averagePriceText(m, e.currency(m.quote)?.decimals ?? 0, t.turnover24h, t.volume24h);
  return {
    time: ctx.clock.now(),
    symbol: m.symbol,
    symbolName: m.symbol,
    buy: px(t.bestBid),
    bestBidSize: e.formatSize(m.symbol, t.bestBidSize),
    sell: px(t.bestAsk),
    bestAskSize: e.formatSize(m.symbol, t.bestAskSize),
    changeRate,
    changePrice,
    high: px(t.high24h),
    low: px(t.low24h),
    vol: e.formatSize(m.symbol, t.volume24h),
    volValue: e.formatAmount(m.quote, t.turnover24h),
    last: px(t.last),
    averagePrice,
    takerFeeRate: ctx.settings.takerFeeRate,
    makerFeeRate: ctx.settings.makerFeeRate,
    takerCoefficient: '1',
    makerCoefficient: '1',
  };
}

function l2Json(ctx: ServerContext, m: SimMarket, depth: number): Record<string, unknown> {
  const e = ctx.engine;
  const s = e.l2Snapshot(m.symbol, depth);
  return {
    time: s.ts,
    sequence: String(s.seq),
    bids: s.bids.map(([p, q]) => [e.formatPrice(m.symbol, p), e.formatSize(m.symbol, q)]),
    asks: s.asks.map(([p, q]) => [e.formatPrice(m.symbol, p), e.formatSize(m.symbol, q)]),
  };
}

/** Full L3 snapshot in KuCoin's v3 shape: [orderId, price, size, ts(ns)], asks low→high, bids high→low. */
export function l3Json(ctx: ServerContext, m: SimMarket): Record<string, unknown> {
  const e = ctx.engine;
  const s = e.l3Snapshot(m.symbol);
  const row = (o: { orderId: string; price: number; size: number; ts: number }) => [
    o.orderId,
    e.formatPrice(m.symbol, o.price),
    e.formatSize(m.symbol, o.size),
    nsNumber(o.ts),
  ];
  return { sequence: s.seq, time: s.ts, asks: s.asks.map(row), bids: s.bids.map(row) };
}

/** Deepest "full" book served; the engine aggregates at most this many levels per side. */
const FULL_DEPTH = 100_000;

export function registerMarketRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const e = ctx.engine;
  const auth = authHook(ctx);

  app.get('/api/v1/timestamp', async (_req, reply) => ok(reply, ctx.clock.now()));
  app.get('/api/v1/status', async (_req, reply) => ok(reply, { status: 'open', msg: '' }));

  for (const v of ['v1', 'v2']) {
    app.get(`/api/${v}/symbols`, async (req, reply) => {
      const q = parseWith(z.object({ market: z.string().max(20).optional() }), req.query);
      const all = e.markets().map((m) => symbolJson(ctx, m));
      return ok(reply, q.market ? all.filter((s) => s.market === q.market) : all);
    });
    app.get(`/api/${v}/symbols/:symbol`, async (req, reply) => {
      const p = parseWith(symbolQuery, req.params);
      return ok(reply, symbolJson(ctx, marketOr900001(ctx, p.symbol)));
    });
  }
  app.get('/api/v1/markets', async (_req, reply) =>
    ok(reply, [...new Set(e.markets().map((m) => symbolJson(ctx, m).market))]),
  );

  for (const v of ['v1', 'v3']) {
    app.get(`/api/${v}/currencies`, async (_req, reply) =>
      ok(
        reply,
        e.currencies().map((c) => currencyJson(ctx, c.code, c.decimals)),
      ),
    );
    app.get(`/api/${v}/currencies/:currency`, async (req, reply) => {
      const p = parseWith(z.object({ currency: z.string().min(1).max(20) }), req.params);
      const c = e.currency(p.currency.toUpperCase());
      if (!c) throw KC.badParams('currency not exists');
      return ok(reply, currencyJson(ctx, c.code, c.decimals));
    });
  }

  app.get('/api/v1/market/orderbook/level1', async (req, reply) => {
    const m = marketOr900001(ctx, parseWith(symbolQuery, req.query).symbol);
    const t = e.ticker(m.symbol);
    const px = (v: number | undefined) => (v === undefined ? null : e.formatPrice(m.symbol, v));
    return ok(reply, {
      sequence: String(t.seq),
      time: ctx.clock.now(),
      price: px(t.last),
      size: e.formatSize(m.symbol, t.lastSize),
      bestBid: px(t.bestBid),
      bestBidSize: e.formatSize(m.symbol, t.bestBidSize),
      bestAsk: px(t.bestAsk),
      bestAskSize: e.formatSize(m.symbol, t.bestAskSize),
    });
  });

  app.get('/api/v1/market/allTickers', async (_req, reply) =>
    ok(reply, { time: ctx.clock.now(), ticker: e.markets().map((m) => statsJson(ctx, m)) }),
  );
  app.get('/api/v1/market/stats', async (req, reply) => {
    const m = marketOr900001(ctx, parseWith(symbolQuery, req.query).symbol);
    return ok(reply, statsJson(ctx, m));
  });

  app.get('/api/v1/market/orderbook/level2_20', async (req, reply) =>
    ok(reply, l2Json(ctx, marketOr900001(ctx, parseWith(symbolQuery, req.query).symbol), 20)),
  );
  app.get('/api/v1/market/orderbook/level2_100', async (req, reply) =>
    ok(reply, l2Json(ctx, marketOr900001(ctx, parseWith(symbolQuery, req.query).symbol), 100)),
  );
  // Full books need a signed request on KuCoin (v3).
  app.get('/api/v3/market/orderbook/level2', { preHandler: auth }, async (req, reply) =>
    ok(reply, l2Json(ctx, marketOr900001(ctx, parseWith(symbolQuery, req.query).symbol), FULL_DEPTH)),
  );
  app.get('/api/v3/market/orderbook/level3', { preHandler: auth }, async (req, reply) =>
    ok(reply, l3Json(ctx, marketOr900001(ctx, parseWith(symbolQuery, req.query).symbol))),
  );

  app.get('/api/v1/market/histories', async (req, reply) => {
    const m = marketOr900001(ctx, parseWith(symbolQuery, req.query).symbol);
    const rows = e
      .trades(m.symbol, 100)
      .slice()
      .reverse()
      .map((t) => ({
        sequence: String(t.seq),
        price: e.formatPrice(m.symbol, t.price),
        size: e.formatSize(m.symbol, t.size),
        side: t.takerSide,
        time: nsNumber(t.ts),
      }));
    return ok(reply, rows);
  });

  app.get('/api/v1/market/candles', async (req, reply) => {
    const q = parseWith(candleQuery, req.query);
    const m = marketOr900001(ctx, q.symbol);
    const minutes = CANDLE_MINUTES[q.type] ?? 1;
    const fromMs = q.startAt !== undefined && q.startAt > 0 ? q.startAt * 1000 : undefined;
    const toMs = q.endAt !== undefined && q.endAt > 0 ? q.endAt * 1000 : undefined;
    if (fromMs !== undefined && toMs !== undefined && toMs < fromMs) throw KC.badParams('endAt must be after startAt');
    const rows = e
      .candles(m.symbol, minutes, fromMs, toMs)
      .slice(-1500)
      .reverse()
      .map((c) => [
        String(Math.floor(c.start / 1000)),
        e.formatPrice(m.symbol, c.open),
        e.formatPrice(m.symbol, c.close),
        e.formatPrice(m.symbol, c.high),
        e.formatPrice(m.symbol, c.low),
        e.formatSize(m.symbol, c.volume),
        e.formatAmount(m.quote, c.turnover),
      ]);
    return ok(reply, rows);
  });

  // ccxt's loadMarkets also lists margin and futures markets: the sim has none.
  app.get('/api/v3/margin/symbols', { preHandler: auth }, async (_req, reply) =>
    ok(reply, { timestamp: ctx.clock.now(), items: [] }),
  );
  app.get('/api/v1/isolated/symbols', { preHandler: auth }, async (_req, reply) => ok(reply, []));
  app.get('/api/v1/contracts/active', async (_req, reply) => ok(reply, []));
}
