/**
 * The FMZ General Protocol methods (spec S1.4) over a GatewayPort. One function per platform call;
 * every failure becomes a DeskgateError that the server turns into `{"error": "…"}` (design
 * principle 7). Futures calls (positions, margin level and mode, fundings, contract type) and spot
 * calls whose symbol names a contract (`BTC_USDT.swap`) go to the target's FuturesDesk
 * (futures-desk.ts, over ccxt in futures-ccxt.ts); a target without one (the sim, a spot-only
 * exchange) answers DG_E_VENUE_UNSUPPORTED naming why.
 */
import { randomUUID } from 'node:crypto';
import { systemClock, type Clock } from '../../core/clock.js';
import { toUnits } from '../../core/decimal.js';
import { dgError, type DeskgateError } from '../../core/errors.js';
import type { Instrument } from '../../core/instrument.js';
import { parseSymbol } from '../../core/symbol.js';
import type { OrderRequest, VenueResult } from '../../venue/venue.js';
import type { GatewayPort, TickerView } from '../gateway-port.js';
import {
  DepthParams,
  HistoryParams,
  OrderIdParams,
  OrdersParams,
  RecordsParams,
  SymbolParams,
  TradeParams,
  TradesParams,
  parseParams,
} from './request.js';
import { futuresCallOf, routedSymbol, wantsContract, type FuturesDesk } from './futures-desk.js';
import { fmzBalance, fmzDepth, fmzMarket, fmzOrder, fmzOrderId, fmzRecord, fmzTicker, fmzTrade } from './shapes.js';

export type FmzReply = { readonly data: unknown; readonly raw?: unknown } | { readonly error: string };

/** Raw exchange API passthrough (`exchange.IO("api", …)`): the exchange's own JSON reply. */
export type Passthrough = (httpMethod: string, path: string, params: Record<string, unknown>) => Promise<unknown>;

export interface FmzTarget {
  readonly port: GatewayPort;
  /** Present for real exchanges (ccxt); absent ⇒ `__api_…` answers DG_E_API_NO_PASSTHROUGH. */
  readonly passthrough?: Passthrough;
  /** Every ticker in one venue call (ccxt fetchTickers); absent ⇒ one ticker call per instrument. */
  readonly tickers?: (insts: readonly Instrument[]) => Promise<VenueResult<TickerView[]>>;
  /** Derivatives (positions, leverage, funding, contract orders); absent ⇒ futures calls are refused. */
  readonly futures?: FuturesDesk;
}

export interface FmzCallOptions {
  readonly clock?: Clock;
  /** Default depth levels when `limit` is absent (30). */
  readonly depthLimit?: number;
}

function noDerivatives(port: GatewayPort, what: string): DeskgateError {
  return dgError(
    'DG_E_VENUE_UNSUPPORTED',
    `${port.name} has no derivatives: ${what.slice(0, 64)} needs a futures venue (a ccxt path such as /binanceusdm or /okx)`,
  );
}

function must<T>(r: VenueResult<T>): T {
  if (!r.ok) throw r.error;
  return r.value;
}

/** `ETH_USDT`, `eth_usdt`, `ETH-USDT` … → the port's instrument. `USDT` alone ⇒ DG_E_BAD_SYMBOL. */
export function instrumentOf(port: GatewayPort, symbol: string): Instrument {
  const unified = parseSymbol(symbol.trim()).unified;
  const inst = port.instrument(unified);
  if (!inst) throw dgError('DG_E_UNKNOWN_INSTRUMENT', `${port.name}: ${symbol}`);
  return inst;
}

/** "BTC-USDT,123456" → instrument + venue order id; an id without a comma needs `symbol`. */
export function parseOrderId(
  port: GatewayPort,
  id: string,
  symbol: string | undefined,
): {
  inst: Instrument;
  venueOrderId: string;
} {
  const comma = id.indexOf(',');
  if (comma < 0) {
    if (symbol === undefined) throw dgError('DG_E_API_BAD_REQUEST', `order id ${id.slice(0, 64)} names no symbol`);
    return { inst: instrumentOf(port, symbol), venueOrderId: id };
  }
  const native = id.slice(0, comma);
  const venueOrderId = id.slice(comma + 1);
  if (venueOrderId.length === 0) throw dgError('DG_E_API_BAD_REQUEST', 'order id has no exchange order id');
  const inst = port.instrument(native) ?? (symbol !== undefined ? instrumentOf(port, symbol) : undefined);
  if (!inst) throw dgError('DG_E_UNKNOWN_INSTRUMENT', `${port.name}: ${native.slice(0, 64)}`);
  return { inst, venueOrderId };
}

function units(text: string, inst: Instrument, what: 'price' | 'amount'): number {
  try {
    return toUnits(text.trim(), what === 'price' ? inst.price : inst.size);
  } catch (e) {
    const err = e as DeskgateError;
    throw dgError(err.code ?? 'DG_E_BAD_INPUT', `${what} ${text.slice(0, 32)} on ${inst.symbol}: ${err.message}`);
  }
}

/** A client order id for an FMZ `trade` (spot here, contracts in futures-ccxt.ts). */
export function fmzClientOrderId(): string {
  return `fmz${randomUUID().replace(/-/g, '').slice(0, 28)}`;
}

/**
 * `trade`: price -1 is a market order. As on the platform, a market *buy* amount is quote money
 * (USDT to spend); a venue without market-by-funds orders gets it as a base size at the best ask
 * (rounded down to the lot). A market sell and every limit order amount is base.
 */
async function trade(port: GatewayPort, params: unknown): Promise<FmzReply> {
  const p = parseParams(TradeParams, params);
  const inst = instrumentOf(port, p.symbol);
  const side = p.type === 'buy' ? 0 : 1;
  const market = p.price.trim() === '-1';
  let req: OrderRequest;
  if (!market) {
    req = {
      clientOrderId: fmzClientOrderId(),
      instrument: inst,
      side,
      type: 'limit',
      price: units(p.price, inst, 'price'),
      size: units(p.amount, inst, 'amount'),
    };
  } else if (side === 1) {
    req = {
      clientOrderId: fmzClientOrderId(),
      instrument: inst,
      side,
      type: 'market',
      size: units(p.amount, inst, 'amount'),
    };
  } else {
    req = { clientOrderId: fmzClientOrderId(), instrument: inst, side, type: 'market', funds: p.amount.trim() };
  }
  let ack = await port.placeOrder(req);
  if (!ack.ok && req.funds !== undefined && /market by funds not supported/.test(ack.error.message)) {
    const t = must(await port.ticker(inst));
    if (t.ask === undefined) throw dgError('DG_E_VENUE_REJECTED', `${inst.symbol}: no ask to size a market buy`);
    const lots = sizeForFunds(inst, req.funds, t.ask);
    ack = await port.placeOrder({
      clientOrderId: fmzClientOrderId(),
      instrument: inst,
      side,
      type: 'market',
      size: lots,
    });
  }
  const a = must(ack);
  return { data: { id: fmzOrderId(inst, a.venueOrderId) } };
}

/** floor(funds / (askTicks × tick) / lot) in lots, exactly (bigint). */
export function sizeForFunds(inst: Instrument, funds: string, askTicks: number): number {
  // funds in units of 10^-(pd + sd): (askTicks × pStep × 10^-pd) × (lots × sStep × 10^-sd)
  const scale = inst.price.decimals + inst.size.decimals;
  const fundsUnits = BigInt(toUnits(funds, { text: 'scale', decimals: scale, step: 1 }));
  const perLot = BigInt(askTicks) * BigInt(inst.price.step) * BigInt(inst.size.step);
  const lots = Number(fundsUnits / perLot);
  if (lots < inst.minLots) throw dgError('DG_E_VENUE_BAD_ORDER', `funds ${funds} buy less than ${inst.minSize}`);
  return lots;
}

export async function callFmzMethod(
  target: FmzTarget,
  method: string,
  params: Record<string, unknown>,
  httpMethod: string | undefined,
  opts: FmzCallOptions = {},
): Promise<FmzReply> {
  const port = target.port;
  const clock = opts.clock ?? systemClock;
  if (method.startsWith('__api_')) {
    if (!target.passthrough) {
      throw dgError('DG_E_API_NO_PASSTHROUGH', `${port.name} is not an exchange; use a ccxt path such as /kucoin`);
    }
    const path = method.slice('__api_'.length);
    const verb = (httpMethod ?? 'GET').toUpperCase();
    return { data: await target.passthrough(verb, path, params) };
  }
  const m = method.toLowerCase();
  const futuresCall = futuresCallOf(m);
  if (futuresCall !== undefined) {
    if (!target.futures) throw noDerivatives(port, method);
    return target.futures.call(futuresCall, params);
  }
  const contract = routedSymbol(m, params);
  if (contract !== undefined && wantsContract(target.futures, contract)) {
    if (!target.futures) throw noDerivatives(port, `${method} ${contract}`);
    return target.futures.call(m as Parameters<FuturesDesk['call']>[0], params);
  }
  switch (m) {
    case 'ticker': {
      const p = parseParams(SymbolParams, params);
      const t = must(await port.ticker(instrumentOf(port, p.symbol)));
      return t.raw === undefined ? { data: fmzTicker(t) } : { data: fmzTicker(t), raw: t.raw };
    }
    case 'depth': {
      const p = parseParams(DepthParams, params);
      const inst = instrumentOf(port, p.symbol);
      const n = Math.max(1, Math.min(p.limit ?? opts.depthLimit ?? 30, 1000));
      const book = must(await port.book(inst));
      return { data: fmzDepth(inst, clock.now(), book.levels(1, n), book.levels(0, n)) };
    }
    case 'trades': {
      const p = parseParams(TradesParams, params);
      const inst = instrumentOf(port, p.symbol);
      const list = must(await port.trades(inst, p.limit ?? 100));
      return { data: list.map((t) => fmzTrade(inst, t)) };
    }
    case 'records': {
      const p = parseParams(RecordsParams, params);
      const inst = instrumentOf(port, p.symbol);
      const rows = must(await port.candles(inst, p.period ?? 60, p.limit ?? 100));
      return { data: rows.map((c) => fmzRecord(inst, c)) };
    }
    case 'markets':
      return { data: [...port.instruments().map(fmzMarket), ...(target.futures?.markets() ?? [])] };
    case 'tickers': {
      if (target.tickers) {
        const many = await target.tickers(port.instruments());
        if (many.ok) return { data: many.value.map(fmzTicker) };
        if (many.error.code !== 'DG_E_VENUE_UNSUPPORTED') throw many.error;
      }
      const all = await Promise.all(port.instruments().map((i) => port.ticker(i)));
      const ok = all.filter((r) => r.ok).map((r) => fmzTicker(r.value));
      const firstErr = all.find((r) => !r.ok);
      if (ok.length === 0 && firstErr && !firstErr.ok) throw firstErr.error;
      return { data: ok };
    }
    case 'accounts':
    case 'assets':
      return { data: must(await port.balances()).map(fmzBalance) };
    case 'trade':
      return trade(port, params);
    case 'orders': {
      const p = parseParams(OrdersParams, params);
      const inst = p.symbol === undefined || p.symbol === '' ? undefined : instrumentOf(port, p.symbol);
      const list = must(await port.openOrders(inst));
      return { data: list.map(fmzOrder) };
    }
    case 'order': {
      const p = parseParams(OrderIdParams, params);
      const { inst, venueOrderId } = parseOrderId(port, p.id, p.symbol);
      const o = must(await port.order(inst, { venueOrderId }));
      return o.raw === undefined ? { data: fmzOrder(o) } : { data: fmzOrder(o), raw: o.raw };
    }
    case 'historyorders': {
      const p = parseParams(HistoryParams, params);
      const inst = instrumentOf(port, p.symbol);
      const since = p.since !== undefined && p.since > 0 ? p.since : undefined;
      const limit = p.limit !== undefined && p.limit > 0 ? p.limit : 100;
      const list = must(await port.closedOrders(inst, since, limit));
      return { data: list.map(fmzOrder) };
    }
    case 'cancel': {
      const p = parseParams(OrderIdParams, params);
      const { inst, venueOrderId } = parseOrderId(port, p.id, p.symbol);
      must(await port.cancelOrder(inst, { venueOrderId }));
      return { data: true };
    }
    default:
      throw dgError('DG_E_API_UNKNOWN_METHOD', `invalid method: ${method.slice(0, 64)}`);
  }
}
