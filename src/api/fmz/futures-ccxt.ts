/**
 * A FuturesDesk over one ccxt exchange instance (the one the account's CcxtVenue already connected,
 * markets loaded, keys set): ccxt's unified derivative API signs and sends every call.
 *
 *   positions      fetchPositions           marginlevel   setLeverage
 *   marginmode     setMarginMode            fundings      fetchFundingRate(s) (+ fetchFundingIntervals)
 *   fundinghistory fetchFundingRateHistory  contracttype  market lookup, no venue call
 *   ticker, depth, trades, records, markets   futures-ccxt-reads.ts
 *   trade          createOrder (reduceOnly for close*)   orders        fetchOpenOrders
 *   order          fetchOrder               cancel        cancelOrder
 *   historyorders  fetchOrders minus open ones (else fetchClosedOrders)
 *
 * Each call first takes a token from the venue's gateway rate limiter (`gate`), so futures and spot
 * calls of one account share one budget; ccxt's own timeout bounds it. Prices and amounts are checked
 * exactly against the contract's grid (off-grid ⇒ DG_E_OFF_GRID, never rounded).
 */
import ccxt, { type Exchange, type FundingRate, type MarketInterface, type Position } from 'ccxt';
import { increment, toUnits } from '../../core/decimal.js';
import { dgError, isDeskgateError, type DeskgateError } from '../../core/errors.js';
import { fromCcxtError } from '../../venue/ccxt/ccxt-errors.js';
import { precisionIncrement } from '../../venue/ccxt/ccxt-numbers.js';
import {
  contractDepth,
  contractMarketList,
  contractRecords,
  contractTicker,
  contractTrades,
  type CcxtCallContext,
} from './futures-ccxt-reads.js';
import type { FuturesCall, FuturesDesk } from './futures-desk.js';
import {
  ContractDepthParams,
  ContractHistoryParams,
  ContractOrderIdParams,
  ContractRecordsParams,
  ContractOrdersParams,
  ContractParams,
  ContractTradeParams,
  FundingHistoryParams,
  MarginLevelParams,
  MarginModeParams,
  RangeParams,
} from './futures-params.js';
import {
  fmzContractOrder,
  fmzContractOrderId,
  fmzFunding,
  fmzFundingRecord,
  fmzPosition,
  type FmzFunding,
  type FmzPosition,
} from './futures-shapes.js';
import {
  contractMarket,
  contractMarkets,
  contractTypeOf,
  derivativesOnly,
  fmzContractSymbol,
  looksLikeContract,
  parseContractSymbol,
  type ContractMarket,
  type ContractSymbol,
} from './futures-symbol.js';
import { fmzClientOrderId, type FmzReply } from './methods.js';
import type { FmzMarket } from './shapes.js';
import { parseParams } from './request.js';

export interface CcxtFuturesOptions {
  /** Rate limiter shared with the account's venue: undefined = go, else the refusal. */
  readonly gate?: () => Promise<DeskgateError | undefined>;
  /** Client order ids for `trade` (default `fmz` + 28 hex). */
  readonly clientOrderId?: () => string;
}

/** Contract markets of the exchange, recomputed only when ccxt replaces its markets table (reload). */
const contractCache = new WeakMap<object, ContractMarket[]>();

function contractsOf(ex: Exchange): ContractMarket[] {
  const table = ex.markets as object | undefined;
  if (!table) return [];
  const hit = contractCache.get(table);
  if (hit) return hit;
  const all = Object.values(table) as Array<MarketInterface | undefined>;
  const list = all.filter((m): m is MarketInterface => m !== undefined && (m.swap === true || m.future === true));
  contractCache.set(table, list);
  return list;
}

/** A FuturesDesk when the exchange lists contracts (after loadMarkets), else undefined. */
export function ccxtFutures(ex: Exchange, opts: CcxtFuturesOptions = {}): FuturesDesk | undefined {
  if (contractsOf(ex).length === 0) return undefined;
  return new CcxtFuturesDesk(ex, opts);
}

type Has = Record<string, boolean | 'emulated' | undefined>;

class CcxtFuturesDesk implements FuturesDesk, CcxtCallContext {
  readonly name: string;
  private readonly derivOnly: boolean;
  private readonly newClientId: () => string;

  constructor(
    readonly ex: Exchange,
    private readonly opts: CcxtFuturesOptions,
  ) {
    this.name = ex.id;
    this.derivOnly = derivativesOnly(Object.values(ex.markets ?? {}) as ContractMarket[]);
    this.newClientId = opts.clientOrderId ?? fmzClientOrderId;
  }

  routes(symbol: string): boolean {
    if (looksLikeContract(symbol)) return true;
    // on a venue with no spot at all, a bare pair (BTC_USDT) can only mean its perpetual
    return this.derivOnly;
  }

  private contracts(): ContractMarket[] {
    return contractsOf(this.ex);
  }

  /** A contract symbol → its market; a bare pair means the perpetual. */
  private market(symbol: string): ContractMarket {
    return contractMarket(this.contracts(), parseContractSymbol(symbol, 'swap'), this.name);
  }

  private has(feature: string): void {
    const v = (this.ex.has as Has)[feature];
    if (v !== true && v !== 'emulated')
      throw dgError('DG_E_VENUE_UNSUPPORTED', `${this.name} has no ${feature} in ccxt`);
  }

  /** One venue call: a token from the shared limiter, ccxt errors → stable codes. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    const refused = this.opts.gate ? await this.opts.gate() : undefined;
    if (refused) throw refused;
    try {
      return await fn();
    } catch (e) {
      throw isDeskgateError(e) ? e : fromCcxtError(e);
    }
  }

  async call(call: FuturesCall, params: Record<string, unknown>): Promise<FmzReply> {
    switch (call) {
      case 'positions':
        return this.positions(params);
      case 'marginlevel':
        return this.marginLevel(params);
      case 'marginmode':
        return this.marginMode(params);
      case 'fundings':
        return this.fundings(params);
      case 'fundinghistory':
        return this.fundingHistory(params);
      case 'contracttype':
        return this.contractType(params);
      case 'ticker':
        return this.ticker(params);
      case 'depth':
        return this.depth(params);
      case 'trades':
        return this.trades(params);
      case 'records':
        return this.records(params);
      case 'historyorders':
        return this.historyOrders(params);
      case 'trade':
        return this.trade(params);
      case 'orders':
        return this.orders(params);
      case 'order':
      case 'cancel':
        return this.orderOrCancel(call, params);
    }
  }

  /** The markets a GetPositions/GetFundings argument covers: one contract, a range, or all. */
  private covered(
    symbol: string | undefined,
    swapsOnly: boolean,
  ): { want: ContractSymbol | undefined; list: ContractMarket[] } {
    if (symbol === undefined) {
      const list = this.contracts().filter((m) => !swapsOnly || m.swap === true);
      return { want: undefined, list };
    }
    const want = parseContractSymbol(symbol, 'swap');
    const list =
      want.base === undefined
        ? contractMarkets(this.contracts(), want)
        : [contractMarket(this.contracts(), want, this.name)];
    return { want, list };
  }

  private async positions(params: Record<string, unknown>): Promise<FmzReply> {
    this.has('fetchPositions');
    const p = parseParams(RangeParams, params);
    const { want, list } = this.covered(p.symbol, false);
    const wanted = new Map(list.map((m) => [m.symbol, m]));
    if (wanted.size === 0) return { data: [], raw: [] };
    // one contract: ask for it; a range or all: ask for everything and keep the range
    const symbols = want !== undefined && want.base !== undefined ? [...wanted.keys()] : undefined;
    const got: Position[] = await this.run(() => this.ex.fetchPositions(symbols));
    const data: FmzPosition[] = [];
    const raw: unknown[] = [];
    for (const pos of got) {
      const m = typeof pos.symbol === 'string' ? wanted.get(pos.symbol) : undefined;
      if (!m) continue;
      const shaped = fmzPosition(pos, m);
      if (!shaped) continue;
      data.push(shaped);
      raw.push(pos.info);
    }
    return { data, raw };
  }

  private async marginLevel(params: Record<string, unknown>): Promise<FmzReply> {
    this.has('setLeverage');
    const p = parseParams(MarginLevelParams, params);
    const m = this.market(p.symbol);
    const res: unknown = await this.run(() => this.ex.setLeverage(p.marginLevel, m.symbol));
    return { data: true, raw: res };
  }

  private async marginMode(params: Record<string, unknown>): Promise<FmzReply> {
    this.has('setMarginMode');
    const p = parseParams(MarginModeParams, params);
    const m = this.market(p.symbol);
    const refused = this.opts.gate ? await this.opts.gate() : undefined;
    if (refused) throw refused;
    try {
      const res: unknown = await this.ex.setMarginMode(p.marginMode, m.symbol);
      return { data: true, raw: res };
    } catch (e) {
      // the account already trades the contract in that mode: the wanted state holds
      if (e instanceof ccxt.MarginModeAlreadySet) return { data: true };
      throw fromCcxtError(e);
    }
  }

  /** Funding intervals when the funding rates do not carry them (Binance: GET fundingInfo). */
  private async intervals(symbols: string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    if ((this.ex.has as Has).fetchFundingIntervals !== true) return out;
    try {
      const got = (await this.run(() => this.ex.fetchFundingIntervals(symbols))) as Record<string, FundingRate>;
      for (const f of Object.values(got)) {
        const m = /^(\d+)h$/.exec(f.interval ?? '');
        if (m && typeof f.symbol === 'string') out.set(f.symbol, Number(m[1]) * 3_600_000);
      }
    } catch {
      // the interval is an extra; without it `Interval` is 0 (unknown) rather than the call failing
    }
    return out;
  }

  private async fundings(params: Record<string, unknown>): Promise<FmzReply> {
    const p = parseParams(RangeParams, params);
    const { want, list } = this.covered(p.symbol, true);
    if (want !== undefined && want.contractType !== 'swap') {
      throw dgError('DG_E_API_BAD_REQUEST', 'funding rates exist for perpetual (.swap) contracts only');
    }
    const wanted = new Map(list.map((m) => [m.symbol, m]));
    if (wanted.size === 0) return { data: [], raw: [] };
    let rates: FundingRate[];
    if (wanted.size === 1 && (this.ex.has as Has).fetchFundingRate === true) {
      const sym = [...wanted.keys()][0];
      rates = [await this.run(() => this.ex.fetchFundingRate(sym))];
    } else {
      this.has('fetchFundingRates');
      const many = (await this.run(() =>
        this.ex.fetchFundingRates(want === undefined ? undefined : [...wanted.keys()]),
      )) as Record<string, FundingRate>;
      rates = Object.values(many);
    }
    rates = rates.filter((f) => typeof f.symbol === 'string' && wanted.has(f.symbol));
    const missing = rates.filter((f) => f.interval === undefined).map((f) => f.symbol as string);
    const intervals = missing.length > 0 ? await this.intervals(missing) : new Map<string, number>();
    const data: FmzFunding[] = rates.map((f) =>
      fmzFunding(f, wanted.get(f.symbol as string)!, intervals.get(f.symbol as string)),
    );
    data.sort((a, b) => a.Symbol.localeCompare(b.Symbol));
    return { data, raw: rates.map((f) => f.info as unknown) };
  }

  private async fundingHistory(params: Record<string, unknown>): Promise<FmzReply> {
    this.has('fetchFundingRateHistory');
    const p = parseParams(FundingHistoryParams, params);
    const m = this.market(p.symbol);
    if (m.swap !== true)
      throw dgError('DG_E_API_BAD_REQUEST', 'funding rates exist for perpetual (.swap) contracts only');
    const rows = await this.run(() => this.ex.fetchFundingRateHistory(m.symbol, p.since, p.limit));
    return { data: rows.map((r) => fmzFundingRecord(r, m)) };
  }

  /** SetContractType: resolves the contract and answers what it is (the selection itself rides on each call's symbol). */
  private async contractType(params: Record<string, unknown>): Promise<FmzReply> {
    const p = parseParams(ContractParams, params);
    const m = this.market(p.symbol);
    const mk = m as ContractMarket & Partial<Pick<MarketInterface, 'precision' | 'linear'>>;
    const mode = this.ex.precisionMode ?? 4;
    return {
      data: {
        symbol: fmzContractSymbol(m),
        instrument: m.id ?? '',
        contractType: contractTypeOf(m),
        ctVal: m.contractSize ?? 1,
        settle: m.settle ?? '',
        linear: mk.linear === true,
        expiry: m.expiry ?? 0,
        tickSize: precisionIncrement(mk.precision?.price, mode) ?? '',
        amountSize: precisionIncrement(mk.precision?.amount, mode) ?? '',
      },
      raw: m.info,
    };
  }

  private async ticker(params: Record<string, unknown>): Promise<FmzReply> {
    const p = parseParams(ContractParams, params);
    return contractTicker(this, this.market(p.symbol));
  }

  private async depth(params: Record<string, unknown>): Promise<FmzReply> {
    const p = parseParams(ContractDepthParams, params);
    return contractDepth(this, this.market(p.symbol), p.limit);
  }

  private async trades(params: Record<string, unknown>): Promise<FmzReply> {
    const p = parseParams(ContractDepthParams, params);
    return contractTrades(this, this.market(p.symbol), p.limit ?? 100);
  }

  private async records(params: Record<string, unknown>): Promise<FmzReply> {
    const p = parseParams(ContractRecordsParams, params);
    return contractRecords(this, this.market(p.symbol), p.period ?? 60, p.limit ?? 100);
  }

  /** Finished orders (filled, cancelled, rejected) newest first: fetchOrders minus the open ones where the venue has it. */
  private async historyOrders(params: Record<string, unknown>): Promise<FmzReply> {
    const p = parseParams(ContractHistoryParams, params);
    const m = this.market(p.symbol);
    const limit = p.limit ?? 100;
    const all = (this.ex.has as Has).fetchOrders === true;
    const list = await this.run(() =>
      all ? this.ex.fetchOrders(m.symbol, p.since, limit) : this.ex.fetchClosedOrders(m.symbol, p.since, limit),
    );
    const done = list.filter((o) => o.symbol === m.symbol && o.status !== 'open');
    done.sort((a, b) => (b.timestamp ?? 0) - (a.timestamp ?? 0));
    return { data: done.slice(0, limit).map((o) => fmzContractOrder(o, m)) };
  }

  markets(): FmzMarket[] {
    return contractMarketList(this.ex, this.contracts());
  }

  /** Exact check of a decimal against the market's grid (ccxt precision); returns the number ccxt takes. */
  private onGrid(text: string, m: ContractMarket, what: 'price' | 'amount'): number {
    const mk = m as ContractMarket & Partial<Pick<MarketInterface, 'precision'>>;
    const inc = precisionIncrement(mk.precision?.[what], this.ex.precisionMode ?? 4);
    const t = text.trim();
    try {
      const units = toUnits(t, increment(inc ?? '1e-18'));
      if (units <= 0) throw dgError('DG_E_BAD_INPUT', 'must be positive');
    } catch (e) {
      const err = e as DeskgateError;
      throw dgError(err.code ?? 'DG_E_BAD_INPUT', `${what} ${t.slice(0, 32)} on ${m.symbol}: ${err.message}`);
    }
    return Number(t);
  }

  /**
   * `trade` on a contract. type: buy (open long / add), sell (open short / add), closebuy (close a
   * long: sell, reduce-only), closesell (close a short: buy, reduce-only). amount = contracts; price
   * -1 = market (on contracts the amount stays in contracts, unlike the spot market buy by money).
   */
  private async trade(params: Record<string, unknown>): Promise<FmzReply> {
    const p = parseParams(ContractTradeParams, params);
    const m = this.market(p.symbol);
    const side = p.type === 'buy' || p.type === 'closesell' ? 'buy' : 'sell';
    const reduceOnly = p.type === 'closebuy' || p.type === 'closesell';
    const market = p.price.trim() === '-1';
    const amount = this.onGrid(p.amount, m, 'amount');
    const price = market ? undefined : this.onGrid(p.price, m, 'price');
    const extra: Record<string, unknown> = { clientOrderId: this.newClientId() };
    if (reduceOnly) extra.reduceOnly = true;
    const o = await this.run(() =>
      this.ex.createOrder(m.symbol, market ? 'market' : 'limit', side, amount, price, extra),
    );
    if (typeof o.id !== 'string' || o.id.length === 0) {
      throw dgError('DG_E_VENUE_BAD_REPLY', 'createOrder reply without an order id; order state unknown');
    }
    return { data: { id: fmzContractOrderId(m, o.id) }, raw: o.info as unknown };
  }

  private async orders(params: Record<string, unknown>): Promise<FmzReply> {
    const p = parseParams(ContractOrdersParams, params);
    const m = this.market(p.symbol);
    const list = await this.run(() => this.ex.fetchOpenOrders(m.symbol));
    return { data: list.filter((o) => o.symbol === m.symbol).map((o) => fmzContractOrder(o, m)) };
  }

  private async orderOrCancel(call: 'order' | 'cancel', params: Record<string, unknown>): Promise<FmzReply> {
    const p = parseParams(ContractOrderIdParams, params);
    const comma = p.id.indexOf(',');
    const symbol = comma > 0 ? p.id.slice(0, comma) : p.symbol;
    const venueId = comma > 0 ? p.id.slice(comma + 1) : p.id;
    if (symbol === undefined) throw dgError('DG_E_API_BAD_REQUEST', `order id ${p.id.slice(0, 64)} names no contract`);
    if (venueId.length === 0) throw dgError('DG_E_API_BAD_REQUEST', 'order id has no exchange order id');
    const m = this.market(symbol);
    if (call === 'cancel') {
      await this.run(() => this.ex.cancelOrder(venueId, m.symbol));
      return { data: true };
    }
    const o = await this.run(() => this.ex.fetchOrder(venueId, m.symbol));
    return { data: fmzContractOrder(o, m), raw: o.info as unknown };
  }
}
