/**
 * The simulated exchange's matching engine: price-time priority per market, limit GTC/IOC/FOK,
 * post-only, market by size and by funds, cancel, amend down, self-trade prevention, exact
 * maker/taker fees and held balances. Public surface: src/venue/sim/README-API.md.
 *
 * Every command validates completely before it changes anything, so a rejection leaves no trace.
 * Every state change emits messages in KuCoin v2 L3 semantics with a per-market sequence.
 * Deterministic: ids come from counters (prefix from the seed), time from the injected clock.
 */
import { dgError, isDeskgateError, type DeskgateError, type ErrorCode } from '../../core/errors.js';
import { fromUnits, increment, toUnits, type Increment } from '../../core/decimal.js';
import { makeInstrument } from '../../core/instrument.js';
import type { L3Event, Side } from '../../core/events.js';
import { SimAccount, bpsToPpm, feeOf } from './accounts.js';
import { IdSequence, hexPad } from './id-sequence.js';
import { MarketData } from './market-data.js';
import { BookSide, MarketBook, SimOrder, type Level } from './order-book.js';
import type {
  AmendResult,
  BalanceRelation,
  BalanceView,
  Candle,
  CancelResult,
  EngineOptions,
  FeeRates,
  FillView,
  HistoryLimits,
  L2SnapshotView,
  L3SnapshotOrderView,
  L3SnapshotView,
  OrderChangeType,
  OrderView,
  PlaceOrderParams,
  PlaceOrderTextParams,
  PlaceResult,
  SimCurrency,
  SimListener,
  SimMarket,
  SimMessage,
  StpMode,
  TickerView,
  TimeInForce,
  TradeView,
} from './engine-types.js';

const MAX = Number.MAX_SAFE_INTEGER;
const DEFAULT_LIMITS: HistoryLimits = {
  tradesPerMarket: 1000,
  candlesPerMarket: 10_080,
  doneOrdersPerAccount: 1000,
  fillsPerAccount: 1000,
};
const NO_FILLS: FillView[] = [];
Object.freeze(NO_FILLS);
const CLIENT_OID_RE = /^[A-Za-z0-9_\-.:]{1,64}$/;
const STP_MODES: ReadonlySet<string> = new Set(['CN', 'CO', 'CB', 'DC']);
const TIFS: ReadonlySet<string> = new Set(['GTC', 'IOC', 'FOK']);

/** A rejection value. Rejections are expected outcomes, so no stack trace is captured (cheap). */
function reject(code: ErrorCode, detail?: string): { ok: false; error: DeskgateError } {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return { ok: false, error: dgError(code, detail) };
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** Code for a bad tick/lot count: a positive non-integer is off the grid, anything else is a bad order. */
function unitCode(v: unknown, offGrid: ErrorCode): ErrorCode {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 && !Number.isInteger(v) ? offGrid : 'DG_E_SIM_BAD_ORDER';
}

function isPosInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v > 0;
}

function mix32(x: number): number {
  let h = (x ^ 0x9e3779b9) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

interface MarketRt {
  readonly m: SimMarket;
  readonly book: MarketBook;
  readonly data: MarketData;
  readonly baseCur: number;
  readonly quoteCur: number;
  trades: number;
}

export class SimEngine {
  private readonly clock: { now(): number };
  readonly accounting: boolean;
  readonly history: boolean;
  readonly limits: HistoryLimits;
  private readonly rts: MarketRt[] = [];
  private readonly bySymbol = new Map<string, MarketRt>();
  private readonly curs: SimCurrency[] = [];
  private readonly curByCode = new Map<string, number>();
  private readonly accounts = new Map<string, SimAccount>();
  private readonly activeById = new Map<string, SimOrder>();
  /** Done orders still in some account's done ring. */
  private readonly doneById = new Map<string, SimOrder>();
  private listeners: SimListener[] = [];
  private emitting = false;
  private listenerErrorCount = 0;
  private lastListenerErr: unknown = undefined;
  private busy = false;
  private readonly orderIds: IdSequence;
  private readonly tradeIds: IdSequence;
  private defaultMakerPpm: number;
  private defaultTakerPpm: number;
  /** Per currency: Σ deposits − Σ withdrawals, and fees collected (minor units). */
  private readonly supply: number[] = [];
  private readonly feeTotals: number[] = [];
  /** Taker fills of the command in progress (the shared empty array until the first fill). */
  private fillsOut: FillView[] = NO_FILLS;
  /**
   * Clock reading at construction. Orders store times relative to it: small integers stay
   * unboxed in V8, where absolute ms timestamps would allocate a number box per field per order.
   */
  private readonly epoch: number;

  constructor(opts: EngineOptions) {
    this.clock = opts.clock;
    this.epoch = opts.clock.now();
    this.accounting = opts.accounting ?? true;
    this.history = opts.history ?? true;
    this.limits = { ...DEFAULT_LIMITS, ...(opts.limits ?? {}) };
    const seed = opts.seed ?? 1;
    this.orderIds = new IdSequence(hexPad(mix32(seed), 8));
    this.tradeIds = new IdSequence(hexPad(mix32(seed ^ 0x5bd1e995), 8));
    const fees = opts.defaultFees ?? { makerBps: 10, takerBps: 10 };
    this.defaultMakerPpm = bpsToPpm(fees.makerBps);
    this.defaultTakerPpm = bpsToPpm(fees.takerBps);

    // Currencies: the finest grid any market needs, at least 8 decimals, unless configured.
    const need = new Map<string, number>();
    const prepared = opts.markets.map((cfg, handle) => {
      const inst = makeInstrument(handle, {
        venue: 'sim',
        native: cfg.symbol,
        tickSize: cfg.tickSize,
        lotSize: cfg.lotSize,
        minSize: cfg.minSize,
      });
      if (inst.kind !== 'spot') throw dgError('DG_E_BAD_INPUT', `sim markets are spot: ${cfg.symbol}`);
      need.set(inst.base, Math.max(need.get(inst.base) ?? 0, inst.size.decimals));
      need.set(inst.quote, Math.max(need.get(inst.quote) ?? 0, inst.size.decimals + inst.price.decimals));
      return { cfg, inst };
    });
    for (const [code, n] of need) {
      const conf = opts.currencyDecimals?.[code];
      if (conf !== undefined && (!Number.isInteger(conf) || conf < n || conf > 18)) {
        throw dgError('DG_E_BAD_INPUT', `currency ${code} needs ${n}…18 decimals, got ${conf}`);
      }
      const decimals = conf ?? Math.max(n, 8);
      this.curByCode.set(code, this.curs.length);
      this.curs.push({ code, decimals, increment: increment(decimals === 0 ? '1' : `1e-${decimals}`) });
      this.supply.push(0);
      this.feeTotals.push(0);
    }
    for (const { cfg, inst } of prepared) {
      if (this.bySymbol.has(cfg.symbol)) throw dgError('DG_E_BAD_INPUT', `duplicate market ${cfg.symbol}`);
      const baseCur = this.curByCode.get(inst.base) as number;
      const quoteCur = this.curByCode.get(inst.quote) as number;
      const bd = this.curs[baseCur].decimals;
      const qd = this.curs[quoteCur].decimals;
      const baseUnitsPerLot = inst.size.step * 10 ** (bd - inst.size.decimals);
      const quoteUnitsPerTickLot =
        inst.size.step * inst.price.step * 10 ** (qd - inst.size.decimals - inst.price.decimals);
      if (!Number.isSafeInteger(baseUnitsPerLot) || !Number.isSafeInteger(quoteUnitsPerTickLot)) {
        throw dgError('DG_E_OUT_OF_RANGE', `grids of ${cfg.symbol}`);
      }
      const maxLots = cfg.maxSize !== undefined ? toUnits(cfg.maxSize, inst.size) : 1e9;
      const minFunds = cfg.minFunds !== undefined ? toUnits(cfg.minFunds, this.curs[quoteCur].increment) : 1;
      toUnits(cfg.startPrice, inst.price);
      const m: SimMarket = {
        handle: this.rts.length,
        symbol: cfg.symbol,
        base: inst.base,
        quote: inst.quote,
        instrument: inst,
        config: cfg,
        minLots: inst.minLots,
        maxLots,
        minFunds: Math.max(1, minFunds),
        baseUnitsPerLot,
        quoteUnitsPerTickLot,
      };
      const rt: MarketRt = {
        m,
        book: new MarketBook(),
        data: new MarketData(
          this.history ? this.limits.tradesPerMarket : 1,
          this.history ? this.limits.candlesPerMarket : 1,
        ),
        baseCur,
        quoteCur,
        trades: 0,
      };
      this.rts.push(rt);
      this.bySymbol.set(cfg.symbol, rt);
    }
  }

  // ===== markets, currencies, formatting ======================================================

  markets(): SimMarket[] {
    return this.rts.map((r) => r.m);
  }

  market(symbol: string): SimMarket | undefined {
    return this.bySymbol.get(symbol)?.m;
  }

  currencies(): SimCurrency[] {
    return [...this.curs];
  }

  currency(code: string): SimCurrency | undefined {
    const c = this.curByCode.get(code);
    return c === undefined ? undefined : this.curs[c];
  }

  private rt(symbol: string): MarketRt {
    const r = this.bySymbol.get(symbol);
    if (!r) throw dgError('DG_E_SIM_UNKNOWN_SYMBOL', symbol);
    return r;
  }

  private cur(code: string): number {
    const c = this.curByCode.get(code);
    if (c === undefined) throw dgError('DG_E_BAD_INPUT', `unknown currency ${code}`);
    return c;
  }

  formatPrice(symbol: string, ticks: number): string {
    return fromUnits(ticks, this.rt(symbol).m.instrument.price);
  }

  formatSize(symbol: string, lots: number): string {
    return fromUnits(lots, this.rt(symbol).m.instrument.size);
  }

  formatAmount(currency: string, units: number): string {
    return fromUnits(units, this.curs[this.cur(currency)].increment);
  }

  parsePrice(symbol: string, text: string): number {
    return convert(text, this.rt(symbol).m.instrument.price, 'DG_E_SIM_OFF_TICK');
  }

  parseSize(symbol: string, text: string): number {
    return convert(text, this.rt(symbol).m.instrument.size, 'DG_E_SIM_OFF_LOT');
  }

  parseAmount(currency: string, text: string): number {
    return convert(text, this.curs[this.cur(currency)].increment, 'DG_E_SIM_BAD_ORDER');
  }

  // ===== listeners ============================================================================

  /** Subscribe to every message, synchronously and in order. Returns the unsubscribe function. */
  on(listener: SimListener): () => void {
    this.listeners = [...this.listeners, listener];
    this.emitting = true;
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
      this.emitting = this.listeners.length > 0;
    };
  }

  /**
   * Deliver to every listener. A throwing listener must not leave a command half-applied, so its
   * error is counted (`listenerErrors`, `lastListenerError`) and delivery goes on.
   */
  private send(msg: SimMessage): void {
    const ls = this.listeners;
    for (let i = 0; i < ls.length; i++) {
      try {
        ls[i](msg);
      } catch (e) {
        this.listenerErrorCount++;
        this.lastListenerErr = e;
      }
    }
  }

  /** Errors thrown by listeners (isolated from the engine). */
  get listenerErrors(): number {
    return this.listenerErrorCount;
  }

  get lastListenerError(): unknown {
    return this.lastListenerErr;
  }

  private sendL3(rt: MarketRt, event: L3Event): void {
    this.send({ type: 'l3', symbol: rt.m.symbol, event });
  }

  private sendL2(rt: MarketRt, side: Side, price: number, size: number, ts: number): void {
    this.send({ type: 'l2', symbol: rt.m.symbol, seq: rt.book.seq, side, price, size, ts });
  }

  private sendOrder(
    o: SimOrder,
    changeType: OrderChangeType,
    ts: number,
    extra?: Partial<{
      tradeId: string;
      matchPrice: number;
      matchSize: number;
      liquidity: 'maker' | 'taker';
      oldSize: number;
    }>,
  ): void {
    this.send({ type: 'order', account: o.account.id, changeType, order: this.view(o), ...extra, ts });
  }

  // ===== accounts =============================================================================

  /** Create an account (throws DG_E_SIM_DUPLICATE_ACCOUNT / DG_E_BAD_INPUT). */
  createAccount(id: string, fees?: FeeRates): void {
    if (typeof id !== 'string' || id.length === 0 || id.length > 128) throw dgError('DG_E_BAD_INPUT', 'account id');
    if (this.accounts.has(id)) throw dgError('DG_E_SIM_DUPLICATE_ACCOUNT', id);
    this.accounts.set(id, this.newAccount(id, fees));
  }

  private newAccount(id: string, fees?: FeeRates): SimAccount {
    const maker = fees ? bpsToPpm(fees.makerBps) : this.defaultMakerPpm;
    const taker = fees ? bpsToPpm(fees.takerBps) : this.defaultTakerPpm;
    return new SimAccount(
      id,
      this.accounts.size,
      maker,
      taker,
      this.limits.doneOrdersPerAccount,
      this.limits.fillsPerAccount,
    );
  }

  hasAccount(id: string): boolean {
    return this.accounts.has(id);
  }

  accountIds(): string[] {
    return [...this.accounts.keys()];
  }

  setFees(id: string, fees: FeeRates): void {
    const a = this.account(id);
    a.makerPpm = bpsToPpm(fees.makerBps);
    a.takerPpm = bpsToPpm(fees.takerBps);
  }

  fees(id: string): FeeRates {
    const a = this.account(id);
    return { makerBps: a.makerPpm / 100, takerBps: a.takerPpm / 100 };
  }

  private account(id: string): SimAccount {
    const a = this.accounts.get(id);
    if (!a) throw dgError('DG_E_SIM_UNKNOWN_ACCOUNT', id);
    return a;
  }

  deposit(id: string, currency: string, units: number): void {
    this.guard();
    const a = this.account(id);
    const c = this.cur(currency);
    if (!isPosInt(units)) throw dgError('DG_E_BAD_INPUT', `deposit amount ${units}`);
    if (this.supply[c] + units > MAX) throw dgError('DG_E_SIM_OUT_OF_RANGE', `total ${currency} supply`);
    this.supply[c] += units;
    this.balance1(a, c, units, 0, 'deposit', {});
  }

  depositText(id: string, currency: string, amount: string): void {
    this.deposit(id, currency, this.parseAmount(currency, amount));
  }

  withdraw(id: string, currency: string, units: number): void {
    this.guard();
    const a = this.account(id);
    const c = this.cur(currency);
    if (!isPosInt(units)) throw dgError('DG_E_BAD_INPUT', `withdraw amount ${units}`);
    if (a.avail(c) < units)
      throw dgError('DG_E_SIM_INSUFFICIENT_FUNDS', `${currency} available ${a.avail(c)} < ${units}`);
    this.supply[c] -= units;
    this.balance1(a, c, -units, 0, 'withdraw', {});
  }

  balance(id: string, currency: string): BalanceView {
    const a = this.account(id);
    const c = this.cur(currency);
    return { currency, available: a.avail(c), hold: a.held(c), total: a.avail(c) + a.held(c) };
  }

  balances(id: string): BalanceView[] {
    const a = this.account(id);
    const out: BalanceView[] = [];
    for (let c = 0; c < this.curs.length; c++) {
      if (a.available[c] === undefined && a.hold[c] === undefined) continue;
      out.push({ currency: this.curs[c].code, available: a.avail(c), hold: a.held(c), total: a.avail(c) + a.held(c) });
    }
    return out;
  }

  /** Σ deposits − Σ withdrawals and fees collected per currency (for conservation checks). */
  ledgerTotals(): Array<{ currency: string; supply: number; fees: number }> {
    return this.curs.map((c, i) => ({ currency: c.code, supply: this.supply[i], fees: this.feeTotals[i] }));
  }

  private balance1(
    a: SimAccount,
    c: number,
    dAvail: number,
    dHold: number,
    rel: BalanceRelation,
    ctx: { symbol?: string; orderId?: string; tradeId?: string },
  ): void {
    const av = a.avail(c) + dAvail;
    const ho = a.held(c) + dHold;
    if (av < 0 || ho < 0) throw dgError('DG_E_INTERNAL', `negative balance ${a.id} ${this.curs[c].code}`);
    a.available[c] = av;
    a.hold[c] = ho;
    if (this.emitting) {
      this.send({
        type: 'balance',
        account: a.id,
        currency: this.curs[c].code,
        available: av,
        hold: ho,
        total: av + ho,
        availableChange: dAvail,
        holdChange: dHold,
        relationEvent: rel,
        relationContext: ctx,
        ts: this.clock.now(),
      });
    }
  }

  private guard(): void {
    if (this.busy) throw dgError('DG_E_INTERNAL', 're-entrant engine command from a listener');
  }

  // ===== commands =============================================================================

  /** Place an order given decimal strings (KuCoin body fields). */
  placeOrderText(p: PlaceOrderTextParams): PlaceResult {
    const rt = this.bySymbol.get(p.symbol);
    if (!rt) return reject('DG_E_SIM_UNKNOWN_SYMBOL', String(p.symbol).slice(0, 64));
    try {
      const inst = rt.m.instrument;
      const price = p.price === undefined ? undefined : convert(p.price, inst.price, 'DG_E_SIM_OFF_TICK');
      const size = p.size === undefined ? undefined : convert(p.size, inst.size, 'DG_E_SIM_OFF_LOT');
      const funds =
        p.funds === undefined ? undefined : convert(p.funds, this.curs[rt.quoteCur].increment, 'DG_E_SIM_BAD_ORDER');
      return this.placeOrder({ ...p, price, size, funds });
    } catch (e) {
      if (isDeskgateError(e)) return { ok: false, error: e };
      throw e;
    }
  }

  placeOrder(p: PlaceOrderParams): PlaceResult {
    this.guard();
    // ---------- validate (no mutation) ----------
    const rt = this.bySymbol.get(p.symbol);
    if (rt === undefined) return reject('DG_E_SIM_UNKNOWN_SYMBOL', String(p.symbol).slice(0, 64));
    const m = rt.m;
    let acct = this.accounts.get(p.account);
    if (acct === undefined) {
      if (this.accounting || this.history || typeof p.account !== 'string')
        return reject('DG_E_SIM_UNKNOWN_ACCOUNT', String(p.account).slice(0, 64));
      // raw mode: accounts exist implicitly
    }
    const side: Side | -1 = p.side === 'buy' ? 0 : p.side === 'sell' ? 1 : -1;
    if (side === -1) return reject('DG_E_SIM_BAD_ORDER', `side must be buy or sell`);
    const type = p.type;
    if (type !== 'limit' && type !== 'market') return reject('DG_E_SIM_BAD_ORDER', `type must be limit or market`);
    const clientOid = p.clientOid;
    if (clientOid !== undefined) {
      if (typeof clientOid !== 'string' || !CLIENT_OID_RE.test(clientOid))
        return reject('DG_E_SIM_BAD_ORDER', 'clientOid must be 1–64 chars of [A-Za-z0-9_-.:]');
      if (acct !== undefined && acct.byClientOid.has(clientOid))
        return reject('DG_E_SIM_DUPLICATE_CLIENT_OID', clientOid);
    }
    const stp = p.stp;
    if (stp !== undefined && !STP_MODES.has(stp)) return reject('DG_E_SIM_BAD_ORDER', 'stp must be CN, CO, CB or DC');
    const postOnly = p.postOnly === true;
    let tif: TimeInForce = 'GTC';
    let price = 0;
    let size = 0;
    let funds = 0;
    const qm = m.quoteUnitsPerTickLot;
    const book = rt.book;
    const opp = book.sides[1 - side];
    if (type === 'limit') {
      if (p.timeInForce !== undefined) {
        if (!TIFS.has(p.timeInForce)) return reject('DG_E_SIM_BAD_ORDER', 'timeInForce must be GTC, IOC or FOK');
        tif = p.timeInForce;
      }
      if (p.funds !== undefined) return reject('DG_E_SIM_BAD_ORDER', 'funds is for market orders');
      if (!isPosInt(p.price)) return reject(unitCode(p.price, 'DG_E_SIM_OFF_TICK'), `price ${String(p.price)} ticks`);
      if (!isPosInt(p.size)) return reject(unitCode(p.size, 'DG_E_SIM_OFF_LOT'), `size ${String(p.size)} lots`);
      price = p.price;
      size = p.size;
      if (size < m.minLots)
        return reject('DG_E_SIM_BELOW_MIN_SIZE', `${this.formatSize(m.symbol, size)} < ${m.instrument.minSize}`);
      if (size > m.maxLots)
        return reject(
          'DG_E_SIM_ABOVE_MAX_SIZE',
          `${this.formatSize(m.symbol, size)} > ${this.formatSize(m.symbol, m.maxLots)}`,
        );
      if (price * size * qm > MAX) return reject('DG_E_SIM_OUT_OF_RANGE', 'notional');
      if (postOnly) {
        if (tif !== 'GTC') return reject('DG_E_SIM_BAD_ORDER', 'postOnly needs timeInForce GTC');
        const bp = opp.bestPrice();
        if (bp !== undefined && (side === 0 ? bp <= price : bp >= price)) {
          return reject(
            'DG_E_SIM_POST_ONLY_CROSS',
            `${p.side} ${this.formatPrice(m.symbol, price)} vs best ${this.formatPrice(m.symbol, bp)}`,
          );
        }
      }
    } else {
      if (p.price !== undefined) return reject('DG_E_SIM_BAD_ORDER', 'market orders take no price');
      if (postOnly) return reject('DG_E_SIM_BAD_ORDER', 'market orders cannot be post-only');
      if ((p.size === undefined) === (p.funds === undefined))
        return reject('DG_E_SIM_BAD_ORDER', 'market orders need exactly one of size or funds');
      tif = 'IOC';
      if (p.size !== undefined) {
        if (!isPosInt(p.size)) return reject(unitCode(p.size, 'DG_E_SIM_OFF_LOT'), `size ${String(p.size)} lots`);
        size = p.size;
        if (size < m.minLots)
          return reject('DG_E_SIM_BELOW_MIN_SIZE', `${this.formatSize(m.symbol, size)} < ${m.instrument.minSize}`);
        if (size > m.maxLots)
          return reject(
            'DG_E_SIM_ABOVE_MAX_SIZE',
            `${this.formatSize(m.symbol, size)} > ${this.formatSize(m.symbol, m.maxLots)}`,
          );
      } else {
        if (!isPosInt(p.funds)) return reject('DG_E_SIM_BAD_ORDER', `funds ${String(p.funds)}`);
        funds = p.funds;
        if (funds < m.minFunds)
          return reject(
            'DG_E_SIM_BELOW_MIN_FUNDS',
            `${this.formatAmount(m.quote, funds)} < ${this.formatAmount(m.quote, m.minFunds)}`,
          );
      }
    }
    // funds check
    let hold = 0;
    let holdCur = 0;
    if (this.accounting) {
      const a = acct as SimAccount;
      if (side === 0) {
        holdCur = rt.quoteCur;
        if (type === 'limit') hold = price * size * qm;
        else if (funds > 0) hold = funds;
        else hold = this.dryBuyCost(opp, size, qm, stp !== undefined ? a : undefined);
      } else {
        holdCur = rt.baseCur;
        if (funds > 0) hold = this.drySellBase(opp, funds, qm, stp !== undefined ? a : undefined) * m.baseUnitsPerLot;
        else {
          if (size * m.baseUnitsPerLot > MAX) return reject('DG_E_SIM_OUT_OF_RANGE', 'size');
          hold = size * m.baseUnitsPerLot;
        }
      }
      if (a.avail(holdCur) < hold) {
        return reject(
          'DG_E_SIM_INSUFFICIENT_FUNDS',
          `${this.curs[holdCur].code} available ${this.formatAmount(this.curs[holdCur].code, a.avail(holdCur))} < required ${this.formatAmount(this.curs[holdCur].code, hold)}`,
        );
      }
    }
    const fokKill = type === 'limit' && tif === 'FOK' && !this.dryFillable(opp, side, price, size, stp, acct);

    // ---------- mutate ----------
    if (acct === undefined) {
      acct = this.newAccount(p.account);
      this.accounts.set(p.account, acct);
    }
    this.busy = true;
    try {
      const now = this.clock.now();
      const id = this.orderIds.next();
      const o = new SimOrder(
        id,
        clientOid,
        acct,
        m.handle,
        side,
        type,
        tif,
        postOnly,
        stp,
        price,
        size,
        funds,
        now - this.epoch,
      );
      this.activeById.set(id, o);
      if (this.accounting || this.history) acct.active.set(id, o);
      if (clientOid !== undefined) acct.byClientOid.set(clientOid, o);
      this.fillsOut = NO_FILLS;
      book.seq++;
      book.lastTs = now;
      if (this.emitting) {
        this.sendL3(rt, { type: 'received', seq: book.seq, orderId: id, clientOid, ts: now });
        this.sendOrder(o, 'received', now);
      }
      if (fokKill) {
        this.finish(rt, o, 'canceled', now);
      } else {
        if (hold > 0) {
          o.hold = hold;
          this.balance1(acct, holdCur, -hold, hold, 'trade.hold', { symbol: m.symbol, orderId: id });
        }
        this.match(rt, o, now);
      }
      return { ok: true, order: this.view(o), fills: this.fillsOut };
    } finally {
      this.busy = false;
    }
  }

  cancelOrder(account: string, orderId: string): CancelResult {
    this.guard();
    const o = this.findOwn(account, orderId);
    if (!('id' in o)) return o;
    return this.cancelFound(o);
  }

  cancelByClientOid(account: string, clientOid: string): CancelResult {
    this.guard();
    const a = this.accounts.get(account);
    const o = a?.byClientOid.get(clientOid);
    if (o === undefined) return reject('DG_E_SIM_UNKNOWN_ORDER', `clientOid ${String(clientOid).slice(0, 64)}`);
    if (o.done) return reject('DG_E_SIM_ORDER_DONE', o.id);
    return this.cancelFound(o);
  }

  /** Cancel every active order of the account (optionally one market). Returns the ids. */
  cancelAll(account: string, symbol?: string): string[] {
    this.guard();
    const a = this.accounts.get(account);
    if (!a) return [];
    const mk = symbol === undefined ? -1 : (this.bySymbol.get(symbol)?.m.handle ?? -2);
    const ids: string[] = [];
    const list =
      this.accounting || this.history
        ? [...a.active.values()]
        : [...this.activeById.values()].filter((o) => o.account === a);
    for (const o of list) {
      if (mk !== -1 && o.market !== mk) continue;
      this.cancelFound(o);
      ids.push(o.id);
    }
    return ids;
  }

  private findOwn(account: string, orderId: string): SimOrder | { ok: false; error: DeskgateError } {
    const o = this.activeById.get(orderId) ?? this.doneById.get(orderId);
    if (o === undefined || o.account.id !== account)
      return reject('DG_E_SIM_UNKNOWN_ORDER', String(orderId).slice(0, 64));
    if (o.done) return reject('DG_E_SIM_ORDER_DONE', orderId);
    return o;
  }

  private cancelFound(o: SimOrder): CancelResult {
    const rt = this.rts[o.market];
    this.busy = true;
    try {
      this.finish(rt, o, 'canceled', this.clock.now());
    } finally {
      this.busy = false;
    }
    return { ok: true, order: this.view(o) };
  }

  /** Decrease a resting order's remaining size to `newRemain` lots, keeping its queue place. */
  amendOrder(account: string, orderId: string, newRemain: number): AmendResult {
    this.guard();
    const o = this.findOwn(account, orderId);
    if (!('id' in o)) return o;
    const m = this.rts[o.market].m;
    if (!isPosInt(newRemain)) return reject('DG_E_SIM_BAD_ORDER', `new size ${String(newRemain)} lots`);
    if (newRemain >= o.remain) return reject('DG_E_SIM_AMEND_NOT_DOWN', `${newRemain} ≥ remaining ${o.remain} lots`);
    if (newRemain < m.minLots)
      return reject('DG_E_SIM_BELOW_MIN_SIZE', `${this.formatSize(m.symbol, newRemain)} < ${m.instrument.minSize}`);
    this.busy = true;
    try {
      this.decrease(this.rts[o.market], o, o.remain - newRemain, this.clock.now());
    } finally {
      this.busy = false;
    }
    return { ok: true, order: this.view(o) };
  }

  // ===== matching =============================================================================

  private match(rt: MarketRt, o: SimOrder, now: number): void {
    const book = rt.book;
    const opp = book.sides[1 - o.side];
    const isBuy = o.side === 0;
    const isLimit = o.type === 'limit';
    const byFunds = o.funds > 0;
    const qm = rt.m.quoteUnitsPerTickLot;
    const bm = rt.m.baseUnitsPerLot;
    const capByHold = this.accounting && !isLimit;
    let killTaker = false;
    let stop = false;
    while (!stop) {
      const lvl = opp.best();
      if (lvl === undefined) break;
      const p = lvl.price;
      if (isLimit && (isBuy ? p > o.price : p < o.price)) break;
      let mk = lvl.head;
      while (mk !== null) {
        const next = mk.next;
        if (o.stp !== undefined && mk.account === o.account) {
          if (this.selfTrade(rt, o, mk, now)) {
            killTaker = true;
            stop = true;
            break;
          }
          mk = next;
          continue;
        }
        let q: number;
        if (byFunds) {
          q = Math.floor((o.funds - o.filledFunds) / (p * qm));
          if (q > mk.remain) q = mk.remain;
          if (capByHold && !isBuy) {
            const qh = Math.floor(o.hold / bm);
            if (qh < q) q = qh;
          }
        } else {
          q = o.remain < mk.remain ? o.remain : mk.remain;
          if (capByHold && isBuy) {
            const qh = Math.floor(o.hold / (p * qm));
            if (qh < q) q = qh;
          }
        }
        if (q <= 0) {
          stop = true;
          break;
        }
        this.execute(rt, o, mk, p, q, now);
        if (!byFunds && o.remain === 0) {
          stop = true;
          break;
        }
        mk = next;
      }
    }
    // ---------- taker outcome ----------
    if (killTaker) {
      this.finish(rt, o, 'canceled', now);
    } else if (byFunds) {
      // Filled when what is left cannot buy one lot at the last price traded (dust), else canceled.
      const left = o.funds - o.filledFunds;
      const last = rt.data.last;
      const dust = o.filled > 0 && last !== undefined && left < last * qm;
      this.finish(rt, o, dust ? 'filled' : 'canceled', now);
    } else if (o.remain === 0) {
      this.finish(rt, o, 'filled', now);
    } else if (isLimit && o.tif === 'GTC') {
      this.rest(rt, o, now);
    } else {
      this.finish(rt, o, 'canceled', now);
    }
  }

  private rest(rt: MarketRt, o: SimOrder, now: number): void {
    const book = rt.book;
    const lvl = book.sides[o.side].add(o);
    o.openAt = now - this.epoch;
    book.seq++;
    if (this.emitting) {
      this.sendL3(rt, {
        type: 'open',
        seq: book.seq,
        orderId: o.id,
        side: o.side,
        price: o.price,
        size: o.remain,
        ts: now,
      });
      this.sendL2(rt, o.side, o.price, lvl.total, now);
      this.sendOrder(o, 'open', now);
    }
  }

  /** One trade between taker `o` and resting maker `mk` for q lots at price p. */
  private execute(rt: MarketRt, o: SimOrder, mk: SimOrder, p: number, q: number, now: number): void {
    const book = rt.book;
    const m = rt.m;
    const funds = p * q * m.quoteUnitsPerTickLot;
    const lvl = mk.level as Level;
    mk.remain -= q;
    mk.filled += q;
    mk.filledFunds += funds;
    mk.updatedAt = now - this.epoch;
    lvl.total -= q;
    if (o.funds === 0) o.remain -= q;
    o.filled += q;
    o.filledFunds += funds;
    o.updatedAt = now - this.epoch;
    book.seq++;
    const seq = book.seq;
    const tradeId = this.tradeIds.next();
    rt.trades++;
    if (this.emitting) {
      this.sendL3(rt, {
        type: 'match',
        seq,
        makerOrderId: mk.id,
        takerOrderId: o.id,
        price: p,
        size: q,
        remaining: mk.remain,
        takerSide: o.side,
        tradeId,
        ts: now,
      });
    }
    let makerFee = 0;
    let takerFee = 0;
    if (this.accounting) {
      const fees = this.settle(rt, o, mk, p, q, funds, tradeId);
      takerFee = fees[0];
      makerFee = fees[1];
    }
    const makerDone = mk.remain === 0;
    const levelTotal = makerDone ? book.sides[mk.side].remove(mk) : lvl.total;
    const takerFill: FillView = {
      tradeId,
      orderId: o.id,
      counterOrderId: mk.id,
      account: o.account.id,
      symbol: m.symbol,
      side: o.side === 0 ? 'buy' : 'sell',
      liquidity: 'taker',
      price: p,
      size: q,
      funds,
      fee: takerFee,
      feeCurrency: o.side === 0 ? m.base : m.quote,
      ts: now,
    };
    if (this.fillsOut === NO_FILLS) this.fillsOut = [];
    this.fillsOut.push(takerFill);
    if (this.history) {
      rt.data.onTrade(p, q, funds, now);
      rt.data.trades.push({
        seq,
        tradeId,
        makerOrderId: mk.id,
        takerOrderId: o.id,
        price: p,
        size: q,
        takerSide: o.side === 0 ? 'buy' : 'sell',
        ts: now,
      });
      o.account.fills.push(takerFill);
      mk.account.fills.push({
        ...takerFill,
        orderId: mk.id,
        counterOrderId: o.id,
        account: mk.account.id,
        side: mk.side === 0 ? 'buy' : 'sell',
        liquidity: 'maker',
        fee: makerFee,
        feeCurrency: mk.side === 0 ? m.base : m.quote,
      });
    } else {
      rt.data.last = p;
    }
    if (this.emitting) {
      this.sendL2(rt, mk.side, p, levelTotal, now);
      this.send({
        type: 'trade',
        symbol: m.symbol,
        seq,
        tradeId,
        makerOrderId: mk.id,
        takerOrderId: o.id,
        price: p,
        size: q,
        takerSide: o.side,
        ts: now,
      });
      this.sendOrder(mk, 'match', now, { tradeId, matchPrice: p, matchSize: q, liquidity: 'maker' });
      this.sendOrder(o, 'match', now, { tradeId, matchPrice: p, matchSize: q, liquidity: 'taker' });
    }
    if (makerDone) {
      mk.done = true;
      mk.doneReason = 'filled';
      book.seq++;
      if (this.emitting) this.sendL3(rt, { type: 'done', seq: book.seq, orderId: mk.id, reason: 'filled', ts: now });
      this.retire(mk);
      if (this.emitting) this.sendOrder(mk, 'filled', now);
    }
  }

  /** Move money for one trade; returns [takerFee, makerFee]. */
  private settle(
    rt: MarketRt,
    o: SimOrder,
    mk: SimOrder,
    p: number,
    q: number,
    funds: number,
    tradeId: string,
  ): [number, number] {
    const m = rt.m;
    const bq = q * m.baseUnitsPerLot;
    const buyer = o.side === 0 ? o : mk;
    const seller = o.side === 0 ? mk : o;
    const buyerPpm = buyer === o ? buyer.account.takerPpm : buyer.account.makerPpm;
    const sellerPpm = seller === o ? seller.account.takerPpm : seller.account.makerPpm;
    const feeB = feeOf(bq, buyerPpm);
    const feeS = feeOf(funds, sellerPpm);
    // buyer: spend quote from the hold (a limit buy filled below its price gets the difference back)
    let release = 0;
    if (buyer.type === 'limit' && p !== buyer.price) release = (buyer.price - p) * q * m.quoteUnitsPerTickLot;
    buyer.hold -= funds + release;
    const ctxB = { symbol: m.symbol, orderId: buyer.id, tradeId };
    const ctxS = { symbol: m.symbol, orderId: seller.id, tradeId };
    this.balance1(buyer.account, rt.quoteCur, release, -(funds + release), 'trade.setted', ctxB);
    this.balance1(buyer.account, rt.baseCur, bq - feeB, 0, 'trade.setted', ctxB);
    seller.hold -= bq;
    this.balance1(seller.account, rt.baseCur, 0, -bq, 'trade.setted', ctxS);
    this.balance1(seller.account, rt.quoteCur, funds - feeS, 0, 'trade.setted', ctxS);
    buyer.fee += feeB;
    seller.fee += feeS;
    this.feeTotals[rt.baseCur] += feeB;
    this.feeTotals[rt.quoteCur] += feeS;
    return buyer === o ? [feeB, feeS] : [feeS, feeB];
  }

  /** STP when taker o meets its own resting order mk. Returns true when the taker must be cancelled. */
  private selfTrade(rt: MarketRt, o: SimOrder, mk: SimOrder, now: number): boolean {
    switch (o.stp as StpMode) {
      case 'CN':
        return true;
      case 'CO':
        this.finish(rt, mk, 'canceled', now);
        return false;
      case 'CB':
        this.finish(rt, mk, 'canceled', now);
        return true;
      case 'DC': {
        if (o.funds > 0) return true; // by-funds takers have no size to decrease: cancel newest
        if (mk.remain > o.remain) {
          this.decrease(rt, mk, o.remain, now);
          return true;
        }
        const d = mk.remain;
        this.finish(rt, mk, 'canceled', now);
        if (d === o.remain) return true;
        const old = o.remain;
        o.remain -= d;
        o.size -= d;
        o.updatedAt = now - this.epoch;
        if (this.accounting) {
          // a market buy by size keeps its hold (released when done); others hold per lot
          const rel =
            o.side === 0
              ? o.type === 'limit'
                ? d * o.price * rt.m.quoteUnitsPerTickLot
                : 0
              : d * rt.m.baseUnitsPerLot;
          if (rel > 0) {
            o.hold -= rel;
            this.balance1(o.account, o.side === 0 ? rt.quoteCur : rt.baseCur, rel, -rel, 'trade.release', {
              symbol: rt.m.symbol,
              orderId: o.id,
            });
          }
        }
        if (this.emitting) this.sendOrder(o, 'update', now, { oldSize: old });
        return false;
      }
    }
  }

  /** Decrease a resting order by d lots (0 < d < remain), keeping priority. */
  private decrease(rt: MarketRt, o: SimOrder, d: number, now: number): void {
    const book = rt.book;
    const old = o.remain;
    o.remain -= d;
    o.size -= d;
    o.updatedAt = now - this.epoch;
    const lvl = o.level;
    if (lvl !== null) lvl.total -= d;
    book.seq++;
    if (this.emitting) {
      this.sendL3(rt, { type: 'change', seq: book.seq, orderId: o.id, size: o.remain, ts: now });
      if (lvl !== null) this.sendL2(rt, o.side, o.price, lvl.total, now);
    }
    if (this.accounting) {
      const rel = o.side === 0 ? d * o.price * rt.m.quoteUnitsPerTickLot : d * rt.m.baseUnitsPerLot;
      o.hold -= rel;
      this.balance1(o.account, o.side === 0 ? rt.quoteCur : rt.baseCur, rel, -rel, 'trade.release', {
        symbol: rt.m.symbol,
        orderId: o.id,
      });
    }
    if (this.emitting) this.sendOrder(o, 'update', now, { oldSize: old });
  }

  /** The order leaves: unlink, done event, release hold, retire. */
  private finish(rt: MarketRt, o: SimOrder, reason: 'filled' | 'canceled', now: number): void {
    const book = rt.book;
    let levelTotal = -1;
    if (o.level !== null) levelTotal = book.sides[o.side].remove(o);
    o.done = true;
    o.doneReason = reason;
    o.updatedAt = now - this.epoch;
    book.seq++;
    if (this.emitting) {
      this.sendL3(rt, { type: 'done', seq: book.seq, orderId: o.id, reason, ts: now });
      if (levelTotal >= 0) this.sendL2(rt, o.side, o.price, levelTotal, now);
    }
    if (o.hold > 0) {
      const h = o.hold;
      o.hold = 0;
      this.balance1(o.account, o.side === 0 ? rt.quoteCur : rt.baseCur, h, -h, 'trade.release', {
        symbol: rt.m.symbol,
        orderId: o.id,
      });
    }
    this.retire(o);
    if (this.emitting) this.sendOrder(o, reason === 'filled' ? 'filled' : 'canceled', now);
  }

  /** Bookkeeping for an order that is done (already unlinked). */
  private retire(o: SimOrder): void {
    o.remain = 0;
    this.activeById.delete(o.id);
    const a = o.account;
    if (this.accounting || this.history) a.active.delete(o.id);
    if (this.history) {
      this.doneById.set(o.id, o);
      const ev = a.done.push(o);
      if (ev !== undefined) {
        this.doneById.delete(ev.id);
        if (ev.clientOid !== undefined && a.byClientOid.get(ev.clientOid) === ev) a.byClientOid.delete(ev.clientOid);
      }
    } else if (o.clientOid !== undefined) {
      a.byClientOid.delete(o.clientOid);
    }
  }

  // ===== dry runs (read-only walks of the opposite side) ======================================

  /** Quote units to buy `size` lots now (or as much as the book holds); own orders skipped when `own`. */
  private dryBuyCost(opp: BookSide, size: number, qm: number, own: SimAccount | undefined): number {
    let need = size;
    let cost = 0;
    for (let i = 0; need > 0; i++) {
      const lvl = opp.levelAt(i);
      if (lvl === undefined) break;
      for (let mk = lvl.head; mk !== null && need > 0; mk = mk.next) {
        if (mk.account === own) continue;
        const q = mk.remain < need ? mk.remain : need;
        cost += lvl.price * q * qm;
        need -= q;
      }
    }
    return cost;
  }

  /** Lots to sell now to receive `funds` quote units (or as much as the book takes). */
  private drySellBase(opp: BookSide, funds: number, qm: number, own: SimAccount | undefined): number {
    let left = funds;
    let lots = 0;
    for (let i = 0; ; i++) {
      const lvl = opp.levelAt(i);
      if (lvl === undefined) break;
      const per = lvl.price * qm;
      if (left < per) break;
      for (let mk = lvl.head; mk !== null; mk = mk.next) {
        if (mk.account === own) continue;
        let q = Math.floor(left / per);
        if (q > mk.remain) q = mk.remain;
        lots += q;
        left -= q * per;
        if (left < per) break;
      }
    }
    return lots;
  }

  /** Can a limit order of `size` at `price` trade completely right now (FOK), given its STP? */
  private dryFillable(
    opp: BookSide,
    side: Side,
    price: number,
    size: number,
    stp: StpMode | undefined,
    own: SimAccount | undefined,
  ): boolean {
    let need = size;
    for (let i = 0; need > 0; i++) {
      const lvl = opp.levelAt(i);
      if (lvl === undefined) return false;
      if (side === 0 ? lvl.price > price : lvl.price < price) return false;
      for (let mk = lvl.head; mk !== null && need > 0; mk = mk.next) {
        if (stp !== undefined && mk.account === own) {
          if (stp === 'CO') continue;
          return false;
        }
        need -= mk.remain < need ? mk.remain : need;
      }
    }
    return true;
  }

  // ===== reads ================================================================================

  private view(o: SimOrder): OrderView {
    const m = this.rts[o.market].m;
    return {
      orderId: o.id,
      clientOid: o.clientOid,
      account: o.account.id,
      symbol: m.symbol,
      side: o.side === 0 ? 'buy' : 'sell',
      type: o.type,
      timeInForce: o.tif,
      postOnly: o.postOnly,
      stp: o.stp,
      price: o.price,
      size: o.size,
      funds: o.funds,
      filledSize: o.filled,
      filledFunds: o.filledFunds,
      remainSize: o.done ? 0 : o.remain,
      fee: o.fee,
      feeCurrency: o.side === 0 ? m.base : m.quote,
      status: o.done ? 'done' : 'open',
      doneReason: o.doneReason,
      createdAt: o.createdAt + this.epoch,
      updatedAt: o.updatedAt + this.epoch,
    };
  }

  seq(symbol: string): number {
    return this.rt(symbol).book.seq;
  }

  bestBid(symbol: string): number | undefined {
    return this.rt(symbol).book.sides[0].bestPrice();
  }

  bestAsk(symbol: string): number | undefined {
    return this.rt(symbol).book.sides[1].bestPrice();
  }

  /** Aggregated levels, best first. */
  l2Snapshot(symbol: string, depth = 100): L2SnapshotView {
    const rt = this.rt(symbol);
    const side = (s: BookSide): Array<[number, number]> => {
      const out: Array<[number, number]> = [];
      for (let i = 0; i < depth; i++) {
        const l = s.levelAt(i);
        if (l === undefined) break;
        out.push([l.price, l.total]);
      }
      return out;
    };
    return {
      symbol,
      seq: rt.book.seq,
      ts: this.clock.now(),
      bids: side(rt.book.sides[0]),
      asks: side(rt.book.sides[1]),
    };
  }

  /** Every resting order, best price first, FIFO within a price. */
  l3Snapshot(symbol: string): L3SnapshotView {
    const rt = this.rt(symbol);
    const side = (s: BookSide): L3SnapshotOrderView[] => {
      const out: L3SnapshotOrderView[] = [];
      for (let i = 0; ; i++) {
        const l = s.levelAt(i);
        if (l === undefined) break;
        for (let o = l.head; o !== null; o = o.next)
          out.push({ orderId: o.id, price: o.price, size: o.remain, ts: o.openAt + this.epoch });
      }
      return out;
    };
    return {
      symbol,
      seq: rt.book.seq,
      ts: this.clock.now(),
      bids: side(rt.book.sides[0]),
      asks: side(rt.book.sides[1]),
    };
  }

  /** Number of resting orders and levels per side. */
  depthStats(symbol: string): { bidOrders: number; askOrders: number; bidLevels: number; askLevels: number } {
    const b = this.rt(symbol).book;
    return {
      bidOrders: b.sides[0].orderCount,
      askOrders: b.sides[1].orderCount,
      bidLevels: b.sides[0].levelCount,
      askLevels: b.sides[1].levelCount,
    };
  }

  /** Trades so far in the market (all time). */
  tradeCount(symbol: string): number {
    return this.rt(symbol).trades;
  }

  trades(symbol: string, limit = 100): TradeView[] {
    return this.rt(symbol).data.trades.newest(limit);
  }

  candles(symbol: string, intervalMinutes = 1, fromMs?: number, toMs?: number): Candle[] {
    const rt = this.rt(symbol);
    const to = toMs ?? this.clock.now();
    const from = fromMs ?? to - this.limits.candlesPerMarket * 60_000;
    return rt.data.candles(intervalMinutes, from, to);
  }

  ticker(symbol: string): TickerView {
    const rt = this.rt(symbol);
    const now = this.clock.now();
    // rolling 24 h stats: O(1) per read (market-data.ts), same minutes as candles(1, from, now)
    const day = rt.data.rollingStats(now - 24 * 3_600_000 + 60_000, now);
    const bids = rt.book.sides[0];
    const asks = rt.book.sides[1];
    return {
      symbol,
      seq: rt.book.seq,
      ts: now,
      bestBid: bids.bestPrice(),
      bestBidSize: bids.best()?.total ?? 0,
      bestAsk: asks.bestPrice(),
      bestAskSize: asks.best()?.total ?? 0,
      last: rt.data.last,
      lastSize: rt.data.lastSize,
      open24h: day.open,
      high24h: day.high,
      low24h: day.low,
      volume24h: day.volume,
      turnover24h: day.turnover,
      trades24h: day.trades,
    };
  }

  /** Cheap check: is the order still active (received and not done)? */
  isActive(orderId: string): boolean {
    return this.activeById.has(orderId);
  }

  /** Remaining lots of an active order (0 when done or unknown); no allocation. */
  remainingOf(orderId: string): number {
    return this.activeById.get(orderId)?.remain ?? 0;
  }

  order(orderId: string): OrderView | undefined {
    const o = this.activeById.get(orderId) ?? this.doneById.get(orderId);
    return o === undefined ? undefined : this.view(o);
  }

  orderByClientOid(account: string, clientOid: string): OrderView | undefined {
    const o = this.accounts.get(account)?.byClientOid.get(clientOid);
    return o === undefined ? undefined : this.view(o);
  }

  /** Active orders of an account, oldest first. */
  activeOrders(account: string, symbol?: string): OrderView[] {
    const a = this.accounts.get(account);
    if (!a) return [];
    const mk = symbol === undefined ? -1 : (this.bySymbol.get(symbol)?.m.handle ?? -2);
    const src =
      this.accounting || this.history
        ? a.active.values()
        : [...this.activeById.values()].filter((o) => o.account === a);
    const out: OrderView[] = [];
    for (const o of src) if (mk === -1 || o.market === mk) out.push(this.view(o));
    return out;
  }

  /** Remembered done orders of an account, newest first. */
  doneOrders(account: string, symbol?: string, limit = 100): OrderView[] {
    const a = this.accounts.get(account);
    if (!a) return [];
    const mk = symbol === undefined ? -1 : (this.bySymbol.get(symbol)?.m.handle ?? -2);
    return a.done.newest(limit, (o) => mk === -1 || o.market === mk).map((o) => this.view(o));
  }

  fills(account: string, symbol?: string, limit = 100): FillView[] {
    const a = this.accounts.get(account);
    if (!a) return [];
    return a.fills.newest(limit, (f) => symbol === undefined || f.symbol === symbol);
  }

  openOrderCount(symbol?: string): number {
    if (symbol === undefined) return this.activeById.size;
    const b = this.rt(symbol).book;
    return b.sides[0].orderCount + b.sides[1].orderCount;
  }

  /** For invariant checks: every active order's (account, currency handle code, hold). */
  activeHolds(): Array<{ account: string; currency: string; hold: number }> {
    const out: Array<{ account: string; currency: string; hold: number }> = [];
    for (const o of this.activeById.values()) {
      const rt = this.rts[o.market];
      out.push({
        account: o.account.id,
        currency: this.curs[o.side === 0 ? rt.quoteCur : rt.baseCur].code,
        hold: o.hold,
      });
    }
    return out;
  }
}

function convert(text: string, inc: Increment, offGrid: ErrorCode): number {
  if (typeof text !== 'string') throw dgError('DG_E_SIM_BAD_ORDER', `expected a decimal string, got ${typeof text}`);
  let v: number;
  try {
    v = toUnits(text, inc);
  } catch (e) {
    if (isDeskgateError(e)) {
      if (e.code === 'DG_E_OFF_GRID') throw dgError(offGrid, `${text.slice(0, 40)} on ${inc.text}`);
      if (e.code === 'DG_E_OUT_OF_RANGE') throw dgError('DG_E_SIM_OUT_OF_RANGE', text.slice(0, 40));
      throw dgError('DG_E_SIM_BAD_ORDER', `not a decimal: ${JSON.stringify(text.slice(0, 40))}`);
    }
    throw e;
  }
  if (v <= 0) throw dgError('DG_E_SIM_BAD_ORDER', `must be positive: ${text.slice(0, 40)}`);
  return v;
}
