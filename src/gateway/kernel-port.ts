/**
 * The GatewayPort (src/api/gateway-port.ts) with the gateway kernel in the loop (docs/serve.md):
 * reads (instruments, books, ticker, trades, candles, orders, balances) go to the venue port; writes
 * (placeOrder, cancelOrder) go through `kernel.command('place' | 'cancel', …)` on behalf of one
 * strategy (default "api"), so every API order is journaled, reserves from that strategy's slot and
 * is tracked by the OrderTracker. Protocol servers (FMZ, MOV Dealer, L3 RPC, REST) see no difference.
 *
 * Results: kernel errors are DeskgateErrors with stable codes and pass through unchanged
 * (DG_E_LEDGER_INSUFFICIENT, DG_E_OFF_GRID, DG_E_GATEWAY_NOT_READY, DG_E_VENUE_* …); an order whose
 * venue answer is unknown is DG_E_SERVE_IN_DOUBT (the kernel resolves it by query).
 */
import { fromUnits } from '../core/decimal.js';
import { dgError, isDeskgateError } from '../core/errors.js';
import type { Instrument } from '../core/instrument.js';
import type { GatewayPort } from '../api/gateway-port.js';
import type { OrderIds } from '../api/market-data.js';
import {
  venueFail,
  venueOk,
  type CancelAck,
  type OrderRequest,
  type PlaceAck,
  type VenueResult,
} from '../venue/venue.js';
import type { CommandResult } from '../bus/commands.js';
import { isTerminal, type OrderState } from '../oms/order-states.js';

/** What the port needs of the kernel (GatewayKernel satisfies it). */
/** What the port reads of a tracked order. */
interface TrackedOrder {
  readonly clientId: string;
  readonly strategy: string;
  readonly state: OrderState;
}

export interface KernelLike {
  command(cmd: string, raw: unknown, key?: string): Promise<CommandResult>;
  readonly state: {
    readonly tracker: {
      get(clientId: string): TrackedOrder | undefined;
      getByVenueId(venueOrderId: string): TrackedOrder | undefined;
    };
  };
}

export interface KernelPortOptions {
  readonly kernel: KernelLike;
  /** The port over the venue and its market data (createVenuePort): every read goes there. */
  readonly reads: GatewayPort;
  /** Strategy the API orders belong to (default "api"). */
  readonly strategy?: string;
  /** Gateway name (default: the reads port's name). */
  readonly name?: string;
  /** A market buy without a price gets best ask × (1 + this) as its reservation cap (default 0.1). */
  readonly marketBuySlippage?: number;
}

/** The order fields of the kernel's `place`/`cancel` reply (src/gateway/publish.ts orderEvent data). */
interface KernelOrderData {
  readonly clientId?: unknown;
  readonly venueOrderId?: unknown;
  readonly state?: unknown;
}

function orderData(r: CommandResult): KernelOrderData {
  if (!r.ok || typeof r.value !== 'object' || r.value === null) return {};
  return r.value as KernelOrderData;
}

function fail<T>(e: unknown): VenueResult<T> {
  return venueFail<T>(isDeskgateError(e) ? e : dgError('DG_E_INTERNAL', e instanceof Error ? e.message : String(e)));
}

export function createKernelPort(opts: KernelPortOptions): GatewayPort {
  const { kernel, reads } = opts;
  const strategy = opts.strategy ?? 'api';
  const slip = opts.marketBuySlippage ?? 0.1;

  async function marketCap(inst: Instrument): Promise<VenueResult<number>> {
    const t = await reads.ticker(inst);
    if (!t.ok) return t;
    const ask = t.value.ask ?? t.value.last;
    if (ask === undefined) return venueFail('DG_E_VENUE_BAD_ORDER', `${inst.symbol}: no ask to cap a market buy`);
    return venueOk(Math.ceil(ask * (1 + slip)));
  }

  async function placeOrder(req: OrderRequest): Promise<VenueResult<PlaceAck>> {
    const inst = req.instrument;
    if (req.funds !== undefined) {
      // The kernel reserves by size; FMZ then retries with a size at the best ask.
      return venueFail('DG_E_VENUE_UNSUPPORTED', 'market by funds not supported through the gateway kernel');
    }
    if (req.size === undefined) return venueFail('DG_E_VENUE_BAD_ORDER', 'size is required');
    let price = req.price;
    if (req.type === 'market' && req.side === 0 && price === undefined) {
      const cap = await marketCap(inst);
      if (!cap.ok) return cap;
      price = cap.value;
    }
    if (req.type === 'limit' && price === undefined)
      return venueFail('DG_E_VENUE_BAD_ORDER', 'limit order needs a price');
    let r: CommandResult;
    try {
      r = await kernel.command('place', {
        strategy,
        instrument: inst.symbol,
        side: req.side === 0 ? 'buy' : 'sell',
        type: req.type,
        ...(price !== undefined ? { price: fromUnits(price, inst.price) } : {}),
        size: fromUnits(req.size, inst.size),
        ...(req.timeInForce ? { tif: req.timeInForce } : {}),
        ...(req.postOnly ? { postOnly: true } : {}),
      });
    } catch (e) {
      return fail(e);
    }
    if (!r.ok) return venueFail(r.error);
    const d = orderData(r);
    const clientId = typeof d.clientId === 'string' ? d.clientId : undefined;
    if (clientId === undefined) return venueFail('DG_E_INTERNAL', 'kernel place reply without a client id');
    if (typeof d.venueOrderId !== 'string' || d.venueOrderId === '') {
      return venueFail('DG_E_SERVE_IN_DOUBT', `client order id ${clientId}`);
    }
    return venueOk({ clientOrderId: clientId, venueOrderId: d.venueOrderId });
  }

  async function cancelOrder(inst: Instrument, ids: OrderIds): Promise<VenueResult<CancelAck>> {
    const tracker = kernel.state.tracker;
    const known =
      (ids.clientOrderId !== undefined ? tracker.get(ids.clientOrderId) : undefined) ??
      (ids.venueOrderId !== undefined ? tracker.getByVenueId(ids.venueOrderId) : undefined);
    if (!known) {
      return venueFail('DG_E_VENUE_UNKNOWN_ORDER', `${inst.symbol}: ${ids.clientOrderId ?? ids.venueOrderId ?? '?'}`);
    }
    // The kernel answers a cancel of a finished order with its state (idempotent for bus clients);
    // the protocols behind this port expect what a venue says: the order cannot be cancelled.
    if (isTerminal(known.state)) {
      return venueFail('DG_E_ILLEGAL_TRANSITION', `${known.clientId} is ${known.state}: nothing to cancel`);
    }
    let r: CommandResult;
    try {
      r = await kernel.command('cancel', { strategy, clientId: known.clientId });
    } catch (e) {
      return fail(e);
    }
    if (!r.ok) return venueFail(r.error);
    const d = orderData(r);
    const venueOrderId =
      typeof d.venueOrderId === 'string' && d.venueOrderId !== '' ? d.venueOrderId : (ids.venueOrderId ?? '');
    return venueOk({ clientOrderId: known.clientId, venueOrderId });
  }

  return {
    name: opts.name ?? reads.name,
    instruments: () => reads.instruments(),
    instrument: (name: string) => reads.instrument(name),
    book: (inst) => reads.book(inst),
    l3Book: (inst) => reads.l3Book(inst),
    ticker: (inst) => reads.ticker(inst),
    trades: (inst, limit) => reads.trades(inst, limit),
    candles: (inst, period, limit) => reads.candles(inst, period, limit),
    placeOrder,
    cancelOrder,
    order: (inst, ids) => reads.order(inst, ids),
    openOrders: (inst) => reads.openOrders(inst),
    closedOrders: (inst, since, limit) => reads.closedOrders(inst, since, limit),
    balances: () => reads.balances(),
    on: (listener) => reads.on(listener),
  };
}
