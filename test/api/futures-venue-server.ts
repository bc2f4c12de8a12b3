/**
 * A loopback double of Binance USDⓈ-M Futures (the venue ccxt's `binanceusdm` class speaks to), enough
 * of its REST wire for the FMZ futures methods: exchange info, leverage brackets, account, position
 * risk (v3), leverage, margin type, premium index / funding rate / funding info, order placement,
 * query, cancel and open orders, 24 h ticker and depth, the user-data listen key, and a WebSocket that
 * accepts the user-data stream (ccxt opens it for watchOrders; nothing is pushed).
 *
 * Field names and error bodies follow Binance's public USDⓈ-M futures docs. Private endpoints check
 * `X-MBX-APIKEY` and the HMAC-SHA256 `signature` over the query string (GET/DELETE) or the form body
 * (POST/PUT) exactly as the venue does; every request is recorded so tests can assert who signed what.
 * State is simple but consistent: a MARKET order fills at once at the mark price and moves the
 * position (entry price averaged when it grows, reduce-only orders may only shrink it); a LIMIT order
 * rests as NEW until cancelled. One-way position mode (positionSide BOTH).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';

export interface UsdmCredentials {
  readonly apiKey: string;
  readonly secret: string;
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly params: Readonly<Record<string, string>>;
  /** X-MBX-APIKEY header as sent (undefined when absent). */
  readonly apiKey: string | undefined;
  /** A `signature` parameter was present and matched the HMAC over the rest. */
  readonly signatureOk: boolean;
  /** The raw query string / body that was signed (for grepping). */
  readonly raw: string;
}

interface ContractSpec {
  readonly symbol: string;
  readonly pair: string;
  readonly contractType: 'PERPETUAL' | 'CURRENT_QUARTER' | 'NEXT_QUARTER';
  readonly deliveryDate: number;
  readonly baseAsset: string;
  readonly tickSize: string;
  readonly stepSize: string;
  readonly pricePrecision: number;
  readonly quantityPrecision: number;
  mark: number;
}

interface PositionState {
  amt: number;
  entry: number;
  leverage: number;
  marginType: 'CROSSED' | 'ISOLATED';
  updateTime: number;
}

interface OrderState {
  orderId: number;
  symbol: string;
  clientOrderId: string;
  side: 'BUY' | 'SELL';
  type: 'LIMIT' | 'MARKET';
  price: number;
  origQty: number;
  executedQty: number;
  avgPrice: number;
  status: 'NEW' | 'FILLED' | 'CANCELED';
  timeInForce: string;
  reduceOnly: boolean;
  time: number;
  updateTime: number;
}

const PERPETUAL_DELIVERY = 4133404800000; // what Binance reports for perpetuals (2100-12-25)
const FUNDING_INTERVAL_MS = 8 * 3600_000;

class VenueError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    msg: string,
  ) {
    super(msg);
  }
}

function fixed(v: number, digits: number): string {
  return v.toFixed(digits);
}

export class UsdmFuturesDouble {
  readonly requests: RecordedRequest[] = [];
  readonly wsConnections: string[] = [];
  /** Funding rates the premium index reports, per symbol (decimal strings, as the venue sends). */
  readonly fundingRate = new Map<string, string>([
    ['BTCUSDT', '0.00010000'],
    ['ETHUSDT', '-0.00002500'],
  ]);
  wallet = 10_000;
  private readonly contracts: ContractSpec[];
  private readonly positions = new Map<string, PositionState>();
  private readonly orders = new Map<number, OrderState>();
  private nextOrderId = 8_389_765_000;
  private listenKey = 'pqia91ma19a5s61cv6a81va65sdf19v8a65a1a5s61cv6a81va65sdf19v8a65a1';
  private server: Server | undefined;
  private wss: WebSocketServer | undefined;
  url = '';

  constructor(
    private readonly creds: UsdmCredentials,
    private readonly now: () => number = Date.now,
  ) {
    this.contracts = [
      {
        symbol: 'BTCUSDT',
        pair: 'BTCUSDT',
        contractType: 'PERPETUAL',
        deliveryDate: PERPETUAL_DELIVERY,
        baseAsset: 'BTC',
        tickSize: '0.10',
        stepSize: '0.001',
        pricePrecision: 2,
        quantityPrecision: 3,
        mark: 91_250.5,
      },
      {
        symbol: 'ETHUSDT',
        pair: 'ETHUSDT',
        contractType: 'PERPETUAL',
        deliveryDate: PERPETUAL_DELIVERY,
        baseAsset: 'ETH',
        tickSize: '0.01',
        stepSize: '0.001',
        pricePrecision: 2,
        quantityPrecision: 3,
        mark: 3_050.25,
      },
      {
        symbol: 'BTCUSDT_261225',
        pair: 'BTCUSDT',
        contractType: 'CURRENT_QUARTER',
        deliveryDate: Date.UTC(2026, 11, 25, 8),
        baseAsset: 'BTC',
        tickSize: '0.10',
        stepSize: '0.001',
        pricePrecision: 1,
        quantityPrecision: 3,
        mark: 92_010.3,
      },
      {
        symbol: 'BTCUSDT_270326',
        pair: 'BTCUSDT',
        contractType: 'NEXT_QUARTER',
        deliveryDate: Date.UTC(2027, 2, 26, 8),
        baseAsset: 'BTC',
        tickSize: '0.10',
        stepSize: '0.001',
        pricePrecision: 1,
        quantityPrecision: 3,
        mark: 93_400.1,
      },
    ];
    for (const c of this.contracts) {
      this.positions.set(c.symbol, { amt: 0, entry: 0, leverage: 20, marginType: 'CROSSED', updateTime: 0 });
    }
  }

  async start(): Promise<string> {
    const server = createServer((req, res) => {
      void this.handle(req, res);
    });
    const wss = new WebSocketServer({ noServer: true });
    server.on('upgrade', (req, socket, head) => {
      // the user-data stream: `/ws/<listenKey>`, or the routed `/private/ws?listenKey=<listenKey>`
      const [path, query = ''] = (req.url ?? '').split('?', 2);
      const key = path.startsWith('/ws/') ? path.slice(4) : new URLSearchParams(query).get('listenKey');
      if (key !== this.listenKey || (path !== '/private/ws' && !path.startsWith('/ws/'))) {
        socket.destroy();
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => {
        this.wsConnections.push(path);
        ws.on('message', () => undefined);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    this.wss = wss;
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this.url;
  }

  async close(): Promise<void> {
    for (const c of this.wss?.clients ?? []) c.terminate();
    this.wss?.close();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server?.closeAllConnections();
  }

  /** The contract's mark price moves (positions' PnL follow). */
  setMark(symbol: string, mark: number): void {
    const c = this.contract(symbol);
    c.mark = mark;
  }

  position(symbol: string): Readonly<PositionState> {
    const p = this.positions.get(symbol);
    if (!p) throw new Error(`no contract ${symbol}`);
    return p;
  }

  order(id: number): Readonly<OrderState> | undefined {
    return this.orders.get(id);
  }

  /** Requests to a path (any verb), oldest first. */
  to(path: string, method?: string): RecordedRequest[] {
    return this.requests.filter((r) => r.path === path && (method === undefined || r.method === method));
  }

  // ----- HTTP edge ---------------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const [path, query = ''] = (req.url ?? '/').split('?', 2);
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const method = (req.method ?? 'GET').toUpperCase();
    const raw = method === 'POST' || method === 'PUT' ? body || query : query;
    const params = Object.fromEntries(new URLSearchParams(raw));
    const keyHeader = req.headers['x-mbx-apikey'];
    const apiKey = typeof keyHeader === 'string' ? keyHeader : undefined;
    const signatureOk = this.signatureOk(raw, params.signature);
    this.requests.push({ method, path, params, apiKey, signatureOk, raw });
    try {
      const out = this.route(method, path, params, apiKey, signatureOk);
      this.send(res, 200, out);
    } catch (e) {
      if (e instanceof VenueError) this.send(res, e.status, { code: e.code, msg: e.message });
      else this.send(res, 500, { code: -1000, msg: 'An unknown error occured while processing the request.' });
    }
  }

  private send(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  private signatureOk(raw: string, given: string | undefined): boolean {
    if (given === undefined) return false;
    const at = raw.lastIndexOf('&signature=');
    const signed = at >= 0 ? raw.slice(0, at) : '';
    const want = createHmac('sha256', this.creds.secret).update(signed).digest('hex');
    return want.length === given.length && timingSafeEqual(Buffer.from(want), Buffer.from(given));
  }

  private requireKey(apiKey: string | undefined): void {
    if (apiKey !== this.creds.apiKey) {
      throw new VenueError(401, -2015, 'Invalid API-key, IP, or permissions for action.');
    }
  }

  private requireSigned(apiKey: string | undefined, signatureOk: boolean, params: Record<string, string>): void {
    this.requireKey(apiKey);
    if (params.timestamp === undefined)
      throw new VenueError(400, -1102, "Mandatory parameter 'timestamp' was not sent.");
    if (!signatureOk) throw new VenueError(400, -1022, 'Signature for this request is not valid.');
  }

  private contract(symbol: string | undefined): ContractSpec {
    const c = this.contracts.find((x) => x.symbol === symbol);
    if (!c) throw new VenueError(400, -1121, 'Invalid symbol.');
    return c;
  }

  private route(
    method: string,
    path: string,
    p: Record<string, string>,
    apiKey: string | undefined,
    signed: boolean,
  ): unknown {
    const key = `${method} ${path}`;
    switch (key) {
      case 'GET /fapi/v1/ping':
        return {};
      case 'GET /fapi/v1/time':
        return { serverTime: this.now() };
      case 'GET /fapi/v1/exchangeInfo':
        return this.exchangeInfo();
      case 'GET /fapi/v1/ticker/24hr':
        return this.ticker(this.contract(p.symbol));
      case 'GET /fapi/v1/depth':
        return this.depth(this.contract(p.symbol));
      case 'GET /fapi/v1/aggTrades':
        return this.aggTrades(this.contract(p.symbol), Number(p.limit ?? 500) || 500);
      case 'GET /fapi/v1/klines':
        return this.klines(this.contract(p.symbol), p.interval, Number(p.limit ?? 500) || 500);
      case 'GET /fapi/v1/premiumIndex':
        return p.symbol === undefined
          ? this.contracts.map((c) => this.premiumIndex(c))
          : this.premiumIndex(this.contract(p.symbol));
      case 'GET /fapi/v1/fundingRate':
        return this.fundingHistory(p);
      case 'GET /fapi/v1/fundingInfo':
        return this.contracts
          .filter((c) => c.contractType === 'PERPETUAL')
          .map((c) => ({
            symbol: c.symbol,
            adjustedFundingRateCap: '0.02000000',
            adjustedFundingRateFloor: '-0.02000000',
            fundingIntervalHours: 8,
            disclaimer: false,
          }));
      case 'POST /fapi/v1/listenKey':
      case 'PUT /fapi/v1/listenKey':
        this.requireKey(apiKey);
        return { listenKey: this.listenKey };
      default:
        break;
    }
    this.requireSigned(apiKey, signed, p);
    switch (key) {
      case 'GET /fapi/v1/leverageBracket':
        return this.contracts.map((c) => ({
          symbol: c.symbol,
          notionalCoef: 1.0,
          brackets: [
            {
              bracket: 1,
              initialLeverage: 125,
              notionalCap: 50_000,
              notionalFloor: 0,
              maintMarginRatio: 0.004,
              cum: 0,
            },
            {
              bracket: 2,
              initialLeverage: 100,
              notionalCap: 600_000,
              notionalFloor: 50_000,
              maintMarginRatio: 0.005,
              cum: 50,
            },
          ],
        }));
      case 'GET /sapi/v1/capital/config/getall':
        // ccxt's binance family reads coin metadata from the spot wallet on loadMarkets (same keys)
        return ['USDT', 'BTC', 'ETH'].map((coin) => this.coinInfo(coin));
      case 'GET /sapi/v1/margin/allPairs':
        return [
          {
            id: '351637150141315861',
            symbol: 'BTCUSDT',
            base: 'BTC',
            quote: 'USDT',
            isMarginTrade: true,
            isBuyAllowed: true,
            isSellAllowed: true,
          },
          {
            id: '351637150141315862',
            symbol: 'ETHUSDT',
            base: 'ETH',
            quote: 'USDT',
            isMarginTrade: true,
            isBuyAllowed: true,
            isSellAllowed: true,
          },
        ];
      case 'GET /fapi/v3/account':
      case 'GET /fapi/v2/account':
        return this.account();
      case 'GET /fapi/v2/balance':
      case 'GET /fapi/v3/balance':
        return [this.assetRow(true)];
      case 'GET /fapi/v3/positionRisk':
        return this.contracts
          .filter((c) => p.symbol === undefined || c.symbol === p.symbol)
          .filter((c) => this.position(c.symbol).amt !== 0)
          .map((c) => this.positionRisk(c));
      case 'POST /fapi/v1/leverage': {
        const c = this.contract(p.symbol);
        const lev = Number(p.leverage);
        if (!Number.isInteger(lev) || lev < 1 || lev > 125) {
          throw new VenueError(400, -4028, `Leverage ${p.leverage ?? ''} is not valid`);
        }
        const pos = this.positions.get(c.symbol)!;
        pos.leverage = lev;
        return { leverage: lev, maxNotionalValue: lev > 100 ? '50000' : '600000', symbol: c.symbol };
      }
      case 'POST /fapi/v1/marginType': {
        const c = this.contract(p.symbol);
        const want = p.marginType;
        if (want !== 'CROSSED' && want !== 'ISOLATED') throw new VenueError(400, -1116, 'Invalid marginType.');
        const pos = this.positions.get(c.symbol)!;
        if (pos.marginType === want) throw new VenueError(400, -4046, 'No need to change margin type.');
        if (pos.amt !== 0) {
          throw new VenueError(400, -4048, 'Margin type cannot be changed if there exists position.');
        }
        pos.marginType = want;
        return { code: 200, msg: 'success' };
      }
      case 'POST /fapi/v1/order':
        return this.orderReply(this.place(p));
      case 'GET /fapi/v1/order':
        return this.orderReply(this.findOrder(p));
      case 'DELETE /fapi/v1/order': {
        const o = this.findOrder(p);
        if (o.status !== 'NEW') throw new VenueError(400, -2011, 'Unknown order sent.');
        o.status = 'CANCELED';
        o.updateTime = this.now();
        return this.orderReply(o);
      }
      case 'GET /fapi/v1/allOrders': {
        const c = this.contract(p.symbol);
        const since = p.startTime === undefined ? 0 : Number(p.startTime);
        const limit = Math.min(Number(p.limit ?? 500) || 500, 1000);
        return [...this.orders.values()]
          .filter((o) => o.symbol === c.symbol && o.time >= since)
          .slice(-limit)
          .map((o) => this.orderReply(o));
      }
      case 'GET /fapi/v1/openOrders':
        return [...this.orders.values()]
          .filter((o) => o.status === 'NEW' && (p.symbol === undefined || o.symbol === p.symbol))
          .map((o) => this.orderReply(o));
      default:
        throw new VenueError(404, -5000, `Path ${path}, Method ${method} is invalid`);
    }
  }

  // ----- replies -----------------------------------------------------------------------------

  private exchangeInfo(): unknown {
    return {
      timezone: 'UTC',
      serverTime: this.now(),
      futuresType: 'U_MARGINED',
      rateLimits: [
        { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 2400 },
        { rateLimitType: 'ORDERS', interval: 'MINUTE', intervalNum: 1, limit: 1200 },
      ],
      exchangeFilters: [],
      assets: [{ asset: 'USDT', marginAvailable: true, autoAssetExchange: '-10000' }],
      symbols: this.contracts.map((c) => ({
        symbol: c.symbol,
        pair: c.pair,
        contractType: c.contractType,
        deliveryDate: c.deliveryDate,
        onboardDate: 1569398400000,
        status: 'TRADING',
        maintMarginPercent: '2.5000',
        requiredMarginPercent: '5.0000',
        baseAsset: c.baseAsset,
        quoteAsset: 'USDT',
        marginAsset: 'USDT',
        pricePrecision: c.pricePrecision,
        quantityPrecision: c.quantityPrecision,
        baseAssetPrecision: 8,
        quotePrecision: 8,
        underlyingType: 'COIN',
        underlyingSubType: ['PoW'],
        settlePlan: 0,
        triggerProtect: '0.0500',
        liquidationFee: '0.012500',
        marketTakeBound: '0.05',
        maxMoveOrderLimit: 10000,
        filters: [
          { filterType: 'PRICE_FILTER', minPrice: '556.80', maxPrice: '4529764', tickSize: c.tickSize },
          { filterType: 'LOT_SIZE', minQty: c.stepSize, maxQty: '1000', stepSize: c.stepSize },
          { filterType: 'MARKET_LOT_SIZE', minQty: c.stepSize, maxQty: '120', stepSize: c.stepSize },
          { filterType: 'MAX_NUM_ORDERS', limit: 200 },
          { filterType: 'MAX_NUM_ALGO_ORDERS', limit: 10 },
          { filterType: 'MIN_NOTIONAL', notional: '100' },
          { filterType: 'PERCENT_PRICE', multiplierUp: '1.0500', multiplierDown: '0.9500', multiplierDecimal: '4' },
        ],
        orderTypes: [
          'LIMIT',
          'MARKET',
          'STOP',
          'STOP_MARKET',
          'TAKE_PROFIT',
          'TAKE_PROFIT_MARKET',
          'TRAILING_STOP_MARKET',
        ],
        timeInForce: ['GTC', 'IOC', 'FOK', 'GTX', 'GTD'],
      })),
    };
  }

  private ticker(c: ContractSpec): unknown {
    return {
      symbol: c.symbol,
      priceChange: '-94.99999800',
      priceChangePercent: '-0.104',
      weightedAvgPrice: fixed(c.mark, 2),
      lastPrice: fixed(c.mark, 2),
      lastQty: '0.010',
      openPrice: fixed(c.mark + 95, 2),
      highPrice: fixed(c.mark + 400, 2),
      lowPrice: fixed(c.mark - 600, 2),
      volume: '1234.567',
      quoteVolume: fixed(1234.567 * c.mark, 2),
      openTime: this.now() - 86_400_000,
      closeTime: this.now(),
      firstId: 28385,
      lastId: 28460,
      count: 76,
    };
  }

  private depth(c: ContractSpec): unknown {
    const tick = Number(c.tickSize);
    return {
      lastUpdateId: 1027024,
      E: this.now(),
      T: this.now(),
      bids: [0, 1, 2].map((i) => [fixed(c.mark - tick * (i + 1), 2), '1.250']),
      asks: [0, 1, 2].map((i) => [fixed(c.mark + tick * (i + 1), 2), '0.750']),
    };
  }

  /** Recent aggregate trades around the mark: ids ascending, alternating taker sides. */
  private aggTrades(c: ContractSpec, limit: number): unknown {
    const tick = Number(c.tickSize);
    const n = Math.min(limit, 5);
    const t0 = this.now() - n * 1000;
    return Array.from({ length: n }, (_, i) => ({
      a: 26129 + i,
      p: fixed(c.mark + (i % 2 === 0 ? tick : -tick), 2),
      q: fixed(0.004 + i * 0.001, 3),
      f: 27781 + i * 2,
      l: 27782 + i * 2,
      T: t0 + i * 1000,
      m: i % 2 === 1,
    }));
  }

  /** Klines of a whole interval grid ending at the current period, oldest first. */
  private klines(c: ContractSpec, interval: string | undefined, limit: number): unknown {
    const ms: Record<string, number> = {
      '1m': 60_000,
      '5m': 300_000,
      '15m': 900_000,
      '1h': 3_600_000,
      '1d': 86_400_000,
    };
    const step = ms[interval ?? ''];
    if (step === undefined) throw new VenueError(400, -1120, 'Invalid interval.');
    const n = Math.min(limit, 3);
    const last = Math.floor(this.now() / step) * step;
    return Array.from({ length: n }, (_, i) => {
      const open = last - (n - 1 - i) * step;
      const o = c.mark - 10 * (n - i);
      return [
        open,
        fixed(o, 2),
        fixed(o + 25, 2),
        fixed(o - 5, 2),
        fixed(o + 10, 2),
        '12.345',
        open + step - 1,
        '1126000.10',
        211,
        '6.100',
        '556000.50',
        '0',
      ];
    });
  }

  private nextFundingTime(): number {
    return (Math.floor(this.now() / FUNDING_INTERVAL_MS) + 1) * FUNDING_INTERVAL_MS;
  }

  private premiumIndex(c: ContractSpec): unknown {
    const perp = c.contractType === 'PERPETUAL';
    return {
      symbol: c.symbol,
      markPrice: fixed(c.mark, 8),
      indexPrice: fixed(c.mark - 3.25, 8),
      estimatedSettlePrice: fixed(c.mark - 1.5, 8),
      lastFundingRate: perp ? (this.fundingRate.get(c.symbol) ?? '0.00010000') : '',
      interestRate: perp ? '0.00010000' : '',
      nextFundingTime: perp ? this.nextFundingTime() : 0,
      time: this.now(),
    };
  }

  private fundingHistory(p: Record<string, string>): unknown {
    const c = this.contract(p.symbol ?? 'BTCUSDT');
    const limit = Math.min(Number(p.limit ?? 100) || 100, 1000);
    const last = this.nextFundingTime() - FUNDING_INTERVAL_MS;
    const rows: unknown[] = [];
    for (let i = 9; i >= 0; i--) {
      const t = last - i * FUNDING_INTERVAL_MS;
      if (p.startTime !== undefined && t < Number(p.startTime)) continue;
      rows.push({
        symbol: c.symbol,
        fundingTime: t,
        fundingRate: fixed(0.0001 - i * 0.00001, 8),
        markPrice: fixed(c.mark - i * 10, 8),
      });
    }
    return rows.slice(0, limit);
  }

  private unrealized(c: ContractSpec): number {
    const pos = this.position(c.symbol);
    return pos.amt * (c.mark - pos.entry);
  }

  private positionRisk(c: ContractSpec): unknown {
    const pos = this.position(c.symbol);
    const notional = pos.amt * c.mark;
    const im = Math.abs(notional) / pos.leverage;
    const isolated = pos.marginType === 'ISOLATED' ? im : 0;
    return {
      symbol: c.symbol,
      positionSide: 'BOTH',
      positionAmt: fixed(pos.amt, 3),
      entryPrice: fixed(pos.entry, 8),
      breakEvenPrice: fixed(pos.entry * 1.0004, 7),
      markPrice: fixed(c.mark, 8),
      unRealizedProfit: fixed(this.unrealized(c), 8),
      liquidationPrice: '0',
      isolatedMargin: fixed(isolated, 8),
      notional: fixed(notional, 8),
      marginAsset: 'USDT',
      isolatedWallet: fixed(isolated, 8),
      initialMargin: fixed(im, 8),
      maintMargin: fixed(Math.abs(notional) * 0.004, 8),
      positionInitialMargin: fixed(im, 8),
      openOrderInitialMargin: '0',
      adl: 2,
      bidNotional: '0',
      askNotional: '0',
      updateTime: pos.updateTime,
    };
  }

  private assetRow(v2: boolean): Record<string, unknown> {
    const upnl = this.contracts.reduce((s, c) => s + this.unrealized(c), 0);
    const im = this.contracts.reduce((s, c) => {
      const pos = this.position(c.symbol);
      return s + Math.abs(pos.amt * c.mark) / pos.leverage;
    }, 0);
    const avail = this.wallet + upnl - im;
    const row: Record<string, unknown> = {
      asset: 'USDT',
      walletBalance: fixed(this.wallet, 8),
      unrealizedProfit: fixed(upnl, 8),
      marginBalance: fixed(this.wallet + upnl, 8),
      maintMargin: '0.00000000',
      initialMargin: fixed(im, 8),
      positionInitialMargin: fixed(im, 8),
      openOrderInitialMargin: '0.00000000',
      crossWalletBalance: fixed(this.wallet, 8),
      crossUnPnl: fixed(upnl, 8),
      availableBalance: fixed(avail, 8),
      maxWithdrawAmount: fixed(avail, 8),
      updateTime: this.now(),
    };
    if (v2) Object.assign(row, { accountAlias: 'SgsR', balance: row.walletBalance, marginAvailable: true });
    return row;
  }

  private coinInfo(coin: string): unknown {
    return {
      coin,
      depositAllEnable: true,
      withdrawAllEnable: true,
      name: coin === 'USDT' ? 'TetherUS' : coin === 'BTC' ? 'Bitcoin' : 'Ethereum',
      free: '0',
      locked: '0',
      freeze: '0',
      withdrawing: '0',
      ipoing: '0',
      ipoable: '0',
      storage: '0',
      isLegalMoney: false,
      trading: true,
      networkList: [
        {
          network: coin === 'BTC' ? 'BTC' : 'ETH',
          coin,
          withdrawIntegerMultiple: '0.00000001',
          isDefault: true,
          depositEnable: true,
          withdrawEnable: true,
          depositDesc: '',
          withdrawDesc: '',
          specialTips: '',
          name: coin === 'BTC' ? 'Bitcoin' : 'Ethereum (ERC20)',
          resetAddressStatus: false,
          addressRegex: '^(0x)[0-9A-Fa-f]{40}$',
          memoRegex: '',
          withdrawFee: coin === 'BTC' ? '0.0002' : '5',
          withdrawMin: coin === 'BTC' ? '0.001' : '10',
          withdrawMax: '10000000000',
          minConfirm: 12,
          unLockConfirm: 0,
          sameAddress: false,
          estimatedArrivalTime: 5,
          busy: false,
        },
      ],
    };
  }

  private account(): unknown {
    const a = this.assetRow(false);
    return {
      totalInitialMargin: a.initialMargin,
      totalMaintMargin: a.maintMargin,
      totalWalletBalance: a.walletBalance,
      totalUnrealizedProfit: a.unrealizedProfit,
      totalMarginBalance: a.marginBalance,
      totalPositionInitialMargin: a.positionInitialMargin,
      totalOpenOrderInitialMargin: a.openOrderInitialMargin,
      totalCrossWalletBalance: a.crossWalletBalance,
      totalCrossUnPnl: a.crossUnPnl,
      availableBalance: a.availableBalance,
      maxWithdrawAmount: a.maxWithdrawAmount,
      assets: [a],
      positions: this.contracts
        .filter((c) => this.position(c.symbol).amt !== 0)
        .map((c) => {
          const r = this.positionRisk(c) as Record<string, unknown>;
          return {
            symbol: c.symbol,
            positionSide: 'BOTH',
            positionAmt: r.positionAmt,
            unrealizedProfit: r.unRealizedProfit,
            isolatedMargin: r.isolatedMargin,
            notional: r.notional,
            isolatedWallet: r.isolatedWallet,
            initialMargin: r.initialMargin,
            maintMargin: r.maintMargin,
            updateTime: r.updateTime,
          };
        }),
    };
  }

  // ----- orders ------------------------------------------------------------------------------

  private place(p: Record<string, string>): OrderState {
    const c = this.contract(p.symbol);
    const side = p.side;
    const type = p.type;
    if (side !== 'BUY' && side !== 'SELL') throw new VenueError(400, -1117, 'Invalid side.');
    if (type !== 'LIMIT' && type !== 'MARKET') throw new VenueError(400, -1116, 'Invalid orderType.');
    const qty = Number(p.quantity);
    const step = Number(c.stepSize);
    if (!(qty > 0) || Math.abs(Math.round(qty / step) * step - qty) > 1e-9) {
      throw new VenueError(400, -1111, 'Precision is over the maximum defined for this asset.');
    }
    const reduceOnly = p.reduceOnly === 'true';
    const pos = this.positions.get(c.symbol)!;
    const signed = side === 'BUY' ? qty : -qty;
    if (
      reduceOnly &&
      (pos.amt === 0 || Math.sign(signed) === Math.sign(pos.amt) || Math.abs(signed) > Math.abs(pos.amt) + 1e-12)
    ) {
      throw new VenueError(400, -2022, 'ReduceOnly Order is rejected.');
    }
    const t = this.now();
    const o: OrderState = {
      orderId: this.nextOrderId++,
      symbol: c.symbol,
      clientOrderId: p.newClientOrderId ?? `web_${this.nextOrderId}`,
      side,
      type,
      price: type === 'LIMIT' ? Number(p.price) : 0,
      origQty: qty,
      executedQty: 0,
      avgPrice: 0,
      status: 'NEW',
      timeInForce: type === 'LIMIT' ? (p.timeInForce ?? 'GTC') : 'GTC',
      reduceOnly,
      time: t,
      updateTime: t,
    };
    if (type === 'LIMIT' && !(o.price > 0))
      throw new VenueError(400, -1102, "Mandatory parameter 'price' was not sent.");
    if (type === 'MARKET') {
      // fill in full at the mark price and move the one-way position
      const next = pos.amt + signed;
      if (pos.amt === 0 || Math.sign(next) === Math.sign(pos.amt)) {
        if (Math.abs(next) > Math.abs(pos.amt)) pos.entry = (pos.entry * pos.amt + c.mark * signed) / next;
      } else if (next !== 0) {
        pos.entry = c.mark; // flipped through zero
      }
      pos.amt = Math.round(next * 1000) / 1000;
      if (pos.amt === 0) pos.entry = 0;
      pos.updateTime = t;
      o.executedQty = qty;
      o.avgPrice = c.mark;
      o.status = 'FILLED';
    }
    this.orders.set(o.orderId, o);
    return o;
  }

  private findOrder(p: Record<string, string>): OrderState {
    const c = this.contract(p.symbol);
    const byId = p.orderId !== undefined ? this.orders.get(Number(p.orderId)) : undefined;
    const o =
      byId ??
      (p.origClientOrderId !== undefined
        ? [...this.orders.values()].find((x) => x.clientOrderId === p.origClientOrderId)
        : undefined);
    if (!o || o.symbol !== c.symbol) throw new VenueError(400, -2013, 'Order does not exist.');
    return o;
  }

  private orderReply(o: OrderState): unknown {
    const c = this.contract(o.symbol);
    return {
      orderId: o.orderId,
      symbol: o.symbol,
      status: o.status,
      clientOrderId: o.clientOrderId,
      price: fixed(o.price, c.pricePrecision),
      avgPrice: fixed(o.avgPrice, 5),
      origQty: fixed(o.origQty, 3),
      executedQty: fixed(o.executedQty, 3),
      cumQty: fixed(o.executedQty, 3),
      cumQuote: fixed(o.executedQty * o.avgPrice, 5),
      timeInForce: o.timeInForce,
      type: o.type,
      reduceOnly: o.reduceOnly,
      closePosition: false,
      side: o.side,
      positionSide: 'BOTH',
      stopPrice: '0.00',
      workingType: 'CONTRACT_PRICE',
      priceProtect: false,
      origType: o.type,
      priceMatch: 'NONE',
      selfTradePreventionMode: 'EXPIRE_MAKER',
      goodTillDate: 0,
      time: o.time,
      updateTime: o.updateTime,
    };
  }
}

interface UrlsHolder {
  urls: { api?: unknown };
  loadHttpProxyAgent?: () => Promise<unknown>;
}

/**
 * Point an unmodified ccxt `binanceusdm` (any binance-family class) at the double: every REST base
 * (`https://fapi.binance.com/fapi/v1`, `https://api.binance.com/sapi/v1` …) keeps its path on the
 * double's origin, every `wss://…binance.com` stream goes to its ws:// origin. ccxt.pro accepts a
 * plain ws:// endpoint on Node once `loadHttpProxyAgent()` has run (its own public method).
 */
export async function pointBinanceAt<T extends UrlsHolder>(exchange: T, baseUrl: string): Promise<T> {
  const wsBase = baseUrl.replace(/^http/, 'ws');
  const walk = (node: Record<string, unknown>): void => {
    for (const [k, v] of Object.entries(node)) {
      if (typeof v === 'string') {
        node[k] = v
          .replace(/^https:\/\/[a-z0-9-]+\.binance\.com(?::\d+)?/, baseUrl)
          .replace(/^wss:\/\/[a-z0-9.-]+\.binance\.com(?::\d+)?/, wsBase);
      } else if (v !== null && typeof v === 'object') {
        walk(v as Record<string, unknown>);
      }
    }
  };
  if (exchange.urls.api === null || typeof exchange.urls.api !== 'object') throw new Error('urls.api is not an object');
  walk(exchange.urls.api as Record<string, unknown>);
  if (typeof exchange.loadHttpProxyAgent === 'function') await exchange.loadHttpProxyAgent();
  return exchange;
}
