/**
 * The REST routes of the native API (docs/http-api.md), over a GatewayPort and, optionally, a
 * LedgerAccess. Decimal strings in and out; ticks and lots inside (core/decimal.ts, exact: off-grid
 * is DG_E_OFF_GRID, never rounded). Every handler throws a DeskgateError on refusal; the server turns
 * it into problem JSON.
 */
import { z } from 'zod';
import { toUnits } from '../../core/decimal.js';
import { dgError } from '../../core/errors.js';
import type { Instrument } from '../../core/instrument.js';
import type { OrderRequest } from '../../venue/venue.js';
import type { GatewayPort } from '../gateway-port.js';
import type { LedgerAccess, LedgerCommandName } from './ledger-access.js';
import {
  balancesAnswer,
  cancelAnswer,
  healthAnswer,
  instrumentAnswer,
  l2Answer,
  l3Answer,
  ledgerAnswer,
  orderAnswer,
  placeAnswer,
} from './responses.js';
import { badRequest, defineRoute, must, type RouteDef } from './route-def.js';
import {
  adjustBody,
  allocateBody,
  bookQuery,
  l3BookQuery,
  orderParams,
  orderQuery,
  ordersQuery,
  placeBody,
  releaseBody,
  symbolParams,
  type PlaceBody,
} from './schemas.js';
import { instrumentJson, l2Json, l3Json, orderJson } from './views.js';

export interface RouteContext {
  readonly port: GatewayPort;
  readonly ledger: LedgerAccess | undefined;
  /** A fresh client order id for orders that come without one. */
  newClientOrderId(): string;
  /** Called after a ledger command succeeded (the stream pushes balances). */
  ledgerChanged(): void;
  /** Milliseconds since the server started. */
  uptimeMs(): number;
}

export function lookup(port: GatewayPort, symbol: string): Instrument {
  const inst = port.instrument(symbol);
  if (!inst) throw dgError('DG_E_UNKNOWN_INSTRUMENT', symbol.slice(0, 64));
  return inst;
}

/** Decimal strings → an OrderRequest in ticks and lots (exact). */
export function orderRequest(inst: Instrument, b: PlaceBody, clientOrderId: string): OrderRequest {
  const units = (text: string, field: 'price' | 'size'): number => {
    const v = toUnits(text, field === 'price' ? inst.price : inst.size);
    if (v <= 0) throw dgError(field === 'price' ? 'DG_E_BAD_PRICE' : 'DG_E_BAD_SIZE', `${field} ${text}`);
    return v;
  };
  if (b.type === 'limit') {
    if (b.price === undefined) badRequest('price: required for a limit order');
    if (b.size === undefined) badRequest('size: required for a limit order');
    if (b.funds !== undefined) badRequest('funds: only for market orders');
  } else {
    if (b.price !== undefined) badRequest('price: not allowed on a market order');
    if ((b.size === undefined) === (b.funds === undefined)) badRequest('market order: give size or funds');
  }
  const req: { -readonly [K in keyof OrderRequest]: OrderRequest[K] } = {
    clientOrderId,
    instrument: inst,
    side: b.side === 'buy' ? 0 : 1,
    type: b.type,
  };
  if (b.price !== undefined) req.price = units(b.price, 'price');
  if (b.size !== undefined) req.size = units(b.size, 'size');
  if (b.funds !== undefined) req.funds = b.funds;
  if (b.timeInForce !== undefined) req.timeInForce = b.timeInForce;
  if (b.postOnly !== undefined) req.postOnly = b.postOnly;
  return req;
}

function needLedger(ctx: RouteContext): LedgerAccess {
  if (!ctx.ledger) throw dgError('DG_E_API_NO_LEDGER');
  return ctx.ledger;
}

function ledgerRoute(ctx: RouteContext, cmd: LedgerCommandName): RouteDef {
  const body = cmd === 'allocate' ? allocateBody : cmd === 'release' ? releaseBody : adjustBody;
  const what =
    cmd === 'allocate'
      ? 'Move an amount from main (slot 1) to a strategy slot'
      : cmd === 'release'
        ? 'Move an amount from a strategy slot back to main'
        : 'Book an external transfer into (delta > 0) or out of (delta < 0) main; index 0';
  return defineRoute<undefined, undefined, Record<string, unknown>>({
    method: 'POST',
    url: `/v1/${cmd}`,
    response: ledgerAnswer,
    summary: `${what} (S4.4)`,
    tag: 'ledger',
    body: body as never,
    ok: { 200: 'the command outcome: amount moved, the addressed slot and main after it' },
    errors: [
      'DG_E_API_NO_LEDGER',
      'DG_E_LEDGER_BAD_AMOUNT',
      'DG_E_LEDGER_INSUFFICIENT',
      'DG_E_LEDGER_UNKNOWN_STRATEGY',
    ],
    async handle({ body: b }) {
      const r = await needLedger(ctx).command(cmd, b);
      if (!r.ok) throw r.error;
      ctx.ledgerChanged();
      return { status: 200, body: r.value };
    },
  });
}

export function buildRoutes(ctx: RouteContext): RouteDef[] {
  const { port } = ctx;
  return [
    defineRoute({
      method: 'GET',
      url: '/v1/health',
      response: healthAnswer,
      summary: 'Liveness: gateway name, instrument count, uptime',
      tag: 'meta',
      public: true,
      ok: { 200: '{status:"ok", gateway, instruments, uptimeMs, ledger}' },
      async handle() {
        return {
          status: 200,
          body: {
            status: 'ok',
            gateway: port.name,
            instruments: port.instruments().length,
            ledger: ctx.ledger !== undefined,
            uptimeMs: ctx.uptimeMs(),
          },
        };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/instruments',
      response: z.array(instrumentAnswer),
      summary: 'Instruments of the gateway with their tick and lot grids',
      tag: 'market',
      ok: { 200: 'array of instruments' },
      async handle() {
        return { status: 200, body: port.instruments().map(instrumentJson) };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/book/:symbol',
      response: l2Answer,
      summary: 'Level-2 book: up to `depth` aggregated levels per side, best first, exact decimal strings',
      tag: 'market',
      params: symbolParams,
      query: bookQuery,
      ok: { 200: '{symbol, seq, bids:[[price,size]], asks:[[price,size]]}' },
      errors: ['DG_E_UNKNOWN_INSTRUMENT'],
      async handle({ params, query }) {
        const inst = lookup(port, params.symbol);
        const view = must(await port.book(inst));
        return { status: 200, body: l2Json(inst, view, query.depth) };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/book/:symbol/l3',
      response: l3Answer,
      summary:
        'Level-3 book: up to `depth` orders per side (best price first, FIFO within a price); own orders with their queue position',
      tag: 'market',
      params: symbolParams,
      query: l3BookQuery,
      ok: {
        200: '{symbol, seq, bids:[{orderId,price,size,own?}], asks, own:[{clientOrderId,venueOrderId,side,price,size,ordersAhead,sizeAhead,levelSize}]}',
      },
      errors: ['DG_E_UNKNOWN_INSTRUMENT', 'DG_E_VENUE_UNSUPPORTED'],
      async handle({ params, query }) {
        const inst = lookup(port, params.symbol);
        const book = must(await port.l3Book(inst));
        const open = must(await port.openOrders(inst));
        return { status: 200, body: l3Json(inst, book, query.depth, open) };
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/v1/orders',
      response: placeAnswer,
      summary: 'Place an order (decimal strings; off-grid price or size ⇒ 400 DG_E_OFF_GRID)',
      tag: 'orders',
      body: placeBody,
      ok: { 201: '{clientOrderId, venueOrderId, symbol}' },
      errors: [
        'DG_E_OFF_GRID',
        'DG_E_BAD_DECIMAL',
        'DG_E_UNKNOWN_INSTRUMENT',
        'DG_E_VENUE_BAD_ORDER',
        'DG_E_VENUE_INSUFFICIENT_FUNDS',
        'DG_E_VENUE_DUPLICATE_CLIENT_ID',
      ],
      async handle({ body }) {
        const inst = lookup(port, body.symbol);
        const req = orderRequest(inst, body, body.clientOrderId ?? ctx.newClientOrderId());
        const ack = must(await port.placeOrder(req));
        return {
          status: 201,
          body: { clientOrderId: ack.clientOrderId, venueOrderId: ack.venueOrderId, symbol: inst.symbol },
        };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/orders',
      response: z.array(orderAnswer),
      summary: 'Own orders: open (symbol optional) or closed (symbol required; newest first, `limit`, `since` ms)',
      tag: 'orders',
      query: ordersQuery,
      ok: { 200: 'array of orders' },
      errors: ['DG_E_UNKNOWN_INSTRUMENT'],
      async handle({ query }) {
        const inst = query.symbol === undefined ? undefined : lookup(port, query.symbol);
        if (query.status === 'open') {
          const list = must(await port.openOrders(inst));
          return { status: 200, body: list.slice(0, query.limit).map(orderJson) };
        }
        if (!inst) badRequest('symbol: required for closed orders');
        const list = must(await port.closedOrders(inst, query.since, query.limit));
        return { status: 200, body: list.map(orderJson) };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/orders/:clientOrderId',
      response: orderAnswer,
      summary: 'One own order by client order id',
      tag: 'orders',
      params: orderParams,
      query: orderQuery,
      ok: { 200: 'the order' },
      errors: ['DG_E_UNKNOWN_INSTRUMENT', 'DG_E_VENUE_UNKNOWN_ORDER'],
      async handle({ params, query }) {
        const inst = lookup(port, query.symbol);
        const o = must(await port.order(inst, { clientOrderId: params.clientOrderId }));
        return { status: 200, body: orderJson(o) };
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: '/v1/orders/:clientOrderId',
      response: cancelAnswer,
      summary: 'Cancel an own order by client order id',
      tag: 'orders',
      params: orderParams,
      query: orderQuery,
      ok: { 200: '{clientOrderId, venueOrderId} (the venue accepted the cancel; the order event follows)' },
      errors: ['DG_E_UNKNOWN_INSTRUMENT', 'DG_E_VENUE_UNKNOWN_ORDER'],
      async handle({ params, query }) {
        const inst = lookup(port, query.symbol);
        const ack = must(await port.cancelOrder(inst, { clientOrderId: params.clientOrderId }));
        return {
          status: 200,
          body: { clientOrderId: ack.clientOrderId ?? params.clientOrderId, venueOrderId: ack.venueOrderId },
        };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/balances',
      response: balancesAnswer,
      summary: 'Venue balances (free/used/total) and, with ledger access, every sub-account slot',
      tag: 'ledger',
      ok: { 200: '{venue:[{currency,free,used,total}], slots: {CUR:[{index,name,total,free,frozen}]} | null}' },
      async handle() {
        const venue = must(await port.balances());
        const slots = ctx.ledger ? await ctx.ledger.balances() : null;
        return { status: 200, body: { venue, slots } };
      },
    }),
    ledgerRoute(ctx, 'allocate'),
    ledgerRoute(ctx, 'release'),
    ledgerRoute(ctx, 'adjust'),
  ];
}
