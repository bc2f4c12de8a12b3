/**
 * Order REST routes, classic (`/api/v1/orders…`, `/api/v1/fills`) and HF (`/api/v1/hf/orders…`,
 * `/api/v1/hf/fills`). Request body (both):
 *   {"clientOid":"…","side":"buy","symbol":"BTC-USDT","type":"limit","price":"30000","size":"0.01",
 *    "timeInForce":"GTC","postOnly":false,"stp":"CN"}     market: "size" or "funds"
 * Replies: place → {"orderId","clientOid"}; classic cancel → {"cancelledOrderIds":[…]};
 * HF cancel → {"orderId"}; lists → classic paginated {currentPage,pageSize,totalNum,totalPage,items},
 * HF active → [orders], HF done → {"lastId","items"}.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { OrderView, PlaceOrderTextParams } from '../engine-types.js';
import { authHook, keyOf, ok, parseWith, type ServerContext } from './context.js';
import { KC, kcFromEngine } from './kc-errors.js';
import { classicOrderJson, fillJson, fmtFeeRate, hfOrderJson, page } from './wire-format.js';

const DECIMAL = /^\d{1,30}(\.\d{1,30})?$/;
const decimal = z
  .union([z.string(), z.number()])
  .transform((v) => (typeof v === 'number' ? String(v) : v.trim()))
  .refine((v) => DECIMAL.test(v), 'must be a non-negative decimal number');
const boolish = z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]);

export const placeOrderSchema = z.object({
  clientOid: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9_-]+$/, 'only letters, digits, _ and -')
    .optional(),
  side: z.enum(['buy', 'sell']),
  symbol: z.string().min(1).max(40),
  type: z.enum(['limit', 'market']).default('limit'),
  price: decimal.optional(),
  size: decimal.optional(),
  funds: decimal.optional(),
  timeInForce: z.enum(['GTC', 'GTT', 'IOC', 'FOK']).optional(),
  postOnly: boolish.optional(),
  stp: z.enum(['CN', 'CO', 'CB', 'DC', '']).optional(),
  hidden: boolish.optional(),
  iceberg: boolish.optional(),
  visibleSize: decimal.optional(),
  cancelAfter: z.coerce.number().int().min(-1).max(1e9).optional(),
  remark: z.string().max(100).optional(),
  tradeType: z.enum(['TRADE']).optional(),
  tags: z.string().max(100).optional(),
});
type PlaceBody = z.output<typeof placeOrderSchema>;

const symbolQ = z.object({ symbol: z.string().min(1).max(40) });
const symbolOptQ = z.object({ symbol: z.string().min(1).max(40).optional() });
const idParam = z.object({ orderId: z.string().min(1).max(64) });
const coidParam = z.object({ clientOid: z.string().min(1).max(64) });

const listQuery = z.object({
  status: z.enum(['active', 'done']).optional(),
  symbol: z.string().min(1).max(40).optional(),
  side: z.enum(['buy', 'sell']).optional(),
  type: z.enum(['limit', 'market']).optional(),
  tradeType: z.string().max(40).optional(),
  startAt: z.coerce.number().int().min(0).max(1e14).optional(),
  endAt: z.coerce.number().int().min(0).max(1e14).optional(),
  currentPage: z.coerce.number().int().min(1).max(1e6).default(1),
  pageSize: z.coerce.number().int().min(1).max(500, 'pageSize should not greater than 500').default(50),
  lastId: z.string().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  orderId: z.string().max(64).optional(),
});
type ListQuery = z.output<typeof listQuery>;

function toEngineParams(accountId: string, b: PlaceBody): PlaceOrderTextParams {
  if (b.timeInForce === 'GTT') throw KC.badParams('timeInForce GTT is not supported by the simulator');
  if (b.hidden === true || b.iceberg === true) throw KC.badParams('hidden and iceberg orders are not supported');
  if (b.type === 'limit' && (b.price === undefined || b.size === undefined)) {
    throw KC.badParams('price and size are required for limit orders');
  }
  if (b.type === 'market' && (b.size === undefined) === (b.funds === undefined)) {
    throw KC.badParams('exactly one of size and funds is required for market orders');
  }
  const p: {
    -readonly [K in keyof PlaceOrderTextParams]: PlaceOrderTextParams[K];
  } = { account: accountId, symbol: b.symbol, side: b.side, type: b.type };
  if (b.type === 'limit') {
    p.price = b.price;
    p.size = b.size;
    if (b.timeInForce) p.timeInForce = b.timeInForce;
    if (b.postOnly) p.postOnly = true;
  } else if (b.size !== undefined) p.size = b.size;
  else p.funds = b.funds;
  if (b.stp) p.stp = b.stp;
  if (b.clientOid) p.clientOid = b.clientOid;
  return p;
}

function filterOrders(list: OrderView[], q: ListQuery): OrderView[] {
  return list.filter(
    (o) =>
      (q.side === undefined || o.side === q.side) &&
      (q.type === undefined || o.type === q.type) &&
      (q.startAt === undefined || q.startAt === 0 || o.createdAt >= q.startAt) &&
      (q.endAt === undefined || q.endAt === 0 || o.createdAt <= q.endAt),
  );
}

export function registerOrderRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const e = ctx.engine;
  const auth = authHook(ctx);
  const opts = { preHandler: auth };

  const place = (req: FastifyRequest): OrderView => {
    const key = keyOf(req);
    const body = parseWith(placeOrderSchema, req.body);
    const res = e.placeOrderText(toEngineParams(key.accountId, body));
    if (!res.ok) throw kcFromEngine(res.error.code, res.error.message);
    return res.order;
  };
  const mine = (req: FastifyRequest, o: OrderView | undefined, symbol?: string): OrderView => {
    if (!o || o.account !== keyOf(req).accountId || (symbol !== undefined && o.symbol !== symbol)) {
      throw KC.orderNotExist();
    }
    return o;
  };
  const cancelById = (req: FastifyRequest, orderId: string, symbol?: string): OrderView => {
    const key = keyOf(req);
    const existing = e.order(orderId);
    if (!existing || existing.account !== key.accountId || (symbol !== undefined && existing.symbol !== symbol)) {
      throw KC.cannotCancel();
    }
    const res = e.cancelOrder(key.accountId, orderId);
    if (!res.ok) throw kcFromEngine(res.error.code, res.error.message);
    return res.order;
  };
  const cancelByCoid = (req: FastifyRequest, clientOid: string, symbol?: string): OrderView => {
    const key = keyOf(req);
    const existing = e.orderByClientOid(key.accountId, clientOid);
    if (!existing || (symbol !== undefined && existing.symbol !== symbol)) throw KC.cannotCancel();
    const res = e.cancelByClientOid(key.accountId, clientOid);
    if (!res.ok) throw kcFromEngine(res.error.code, res.error.message);
    return res.order;
  };
  const checkSymbol = (symbol: string | undefined): void => {
    if (symbol !== undefined && !e.market(symbol)) throw KC.symbolNotExists();
  };

  // ----- classic ------------------------------------------------------------------------------
  app.post('/api/v1/orders', opts, async (req, reply) => {
    const o = place(req);
    return ok(reply, { orderId: o.orderId, clientOid: o.clientOid ?? '' });
  });
  app.delete('/api/v1/orders/:orderId', opts, async (req, reply) => {
    const { orderId } = parseWith(idParam, req.params);
    return ok(reply, { cancelledOrderIds: [cancelById(req, orderId).orderId] });
  });
  app.delete('/api/v1/order/client-order/:clientOid', opts, async (req, reply) => {
    const { clientOid } = parseWith(coidParam, req.params);
    const o = cancelByCoid(req, clientOid);
    return ok(reply, { cancelledOrderId: o.orderId, clientOid });
  });
  app.delete('/api/v1/orders', opts, async (req, reply) => {
    const { symbol } = parseWith(symbolOptQ.passthrough(), req.query);
    checkSymbol(symbol);
    return ok(reply, { cancelledOrderIds: e.cancelAll(keyOf(req).accountId, symbol) });
  });
  app.get('/api/v1/orders', opts, async (req, reply) => {
    const q = parseWith(listQuery, req.query);
    checkSymbol(q.symbol);
    const acct = keyOf(req).accountId;
    const active = q.status !== 'done' ? e.activeOrders(acct, q.symbol).slice().reverse() : [];
    const done = q.status !== 'active' ? e.doneOrders(acct, q.symbol, 1000) : [];
    const all = filterOrders([...active, ...done], q).map((o) => classicOrderJson(e, o));
    return ok(reply, page(all, q.currentPage, q.pageSize));
  });
  app.get('/api/v1/orders/:orderId', opts, async (req, reply) => {
    const { orderId } = parseWith(idParam, req.params);
    return ok(reply, classicOrderJson(e, mine(req, e.order(orderId))));
  });
  app.get('/api/v1/order/client-order/:clientOid', opts, async (req, reply) => {
    const { clientOid } = parseWith(coidParam, req.params);
    return ok(reply, classicOrderJson(e, mine(req, e.orderByClientOid(keyOf(req).accountId, clientOid))));
  });
  app.get('/api/v1/fills', opts, async (req, reply) => {
    const q = parseWith(listQuery, req.query);
    checkSymbol(q.symbol);
    const fills = e
      .fills(keyOf(req).accountId, q.symbol, 1000)
      .filter(
        (f) => (q.orderId === undefined || f.orderId === q.orderId) && (q.side === undefined || f.side === q.side),
      )
      .filter(
        (f) =>
          (q.startAt === undefined || q.startAt === 0 || f.ts >= q.startAt) &&
          (q.endAt === undefined || q.endAt === 0 || f.ts <= q.endAt),
      )
      .map((f) => fillJson(e, f, e.order(f.orderId)?.type ?? 'limit', feeRate(ctx, f.account, f.liquidity)));
    return ok(reply, page(fills, q.currentPage, q.pageSize));
  });

  // ----- HF -----------------------------------------------------------------------------------
  app.post('/api/v1/hf/orders', opts, async (req, reply) => {
    const o = place(req);
    return ok(reply, { orderId: o.orderId, clientOid: o.clientOid ?? '' });
  });
  app.post('/api/v1/hf/orders/sync', opts, async (req, reply) => {
    const o = place(req);
    return ok(reply, {
      orderId: o.orderId,
      clientOid: o.clientOid ?? '',
      orderTime: o.createdAt,
      originSize: e.formatSize(o.symbol, o.size),
      dealSize: e.formatSize(o.symbol, o.filledSize),
      remainSize: e.formatSize(o.symbol, o.remainSize),
      canceledSize: e.formatSize(
        o.symbol,
        o.status === 'done' && o.doneReason === 'canceled' ? Math.max(0, o.size - o.filledSize) : 0,
      ),
      status: o.status,
      matchTime: o.updatedAt,
    });
  });
  app.delete('/api/v1/hf/orders/:orderId', opts, async (req, reply) => {
    const { orderId } = parseWith(idParam, req.params);
    const { symbol } = parseWith(symbolQ, req.query);
    return ok(reply, { orderId: cancelById(req, orderId, symbol).orderId });
  });
  app.delete('/api/v1/hf/orders/client-order/:clientOid', opts, async (req, reply) => {
    const { clientOid } = parseWith(coidParam, req.params);
    const { symbol } = parseWith(symbolQ, req.query);
    cancelByCoid(req, clientOid, symbol);
    return ok(reply, { clientOid });
  });
  app.delete('/api/v1/hf/orders', opts, async (req, reply) => {
    const { symbol } = parseWith(symbolQ, req.query);
    checkSymbol(symbol);
    e.cancelAll(keyOf(req).accountId, symbol);
    return ok(reply, 'success');
  });
  app.delete('/api/v1/hf/orders/cancelAll', opts, async (req, reply) => {
    const acct = keyOf(req).accountId;
    const symbols = [...new Set(e.activeOrders(acct).map((o) => o.symbol))];
    e.cancelAll(acct);
    return ok(reply, { succeedSymbols: symbols, failedSymbols: [] });
  });
  app.get('/api/v1/hf/orders/active', opts, async (req, reply) => {
    const q = parseWith(listQuery.extend({ symbol: z.string().min(1).max(40) }), req.query);
    checkSymbol(q.symbol);
    const list = filterOrders(e.activeOrders(keyOf(req).accountId, q.symbol).slice().reverse(), q);
    return ok(
      reply,
      list.map((o) => hfOrderJson(e, o)),
    );
  });
  app.get('/api/v1/hf/orders/active/symbols', opts, async (req, reply) =>
    ok(reply, { symbols: [...new Set(e.activeOrders(keyOf(req).accountId).map((o) => o.symbol))] }),
  );
  app.get('/api/v1/hf/orders/done', opts, async (req, reply) => {
    const q = parseWith(listQuery.extend({ symbol: z.string().min(1).max(40) }), req.query);
    checkSymbol(q.symbol);
    let list = filterOrders(e.doneOrders(keyOf(req).accountId, q.symbol, 1000), q);
    if (q.lastId !== undefined) {
      const i = list.findIndex((o) => o.orderId === q.lastId);
      if (i >= 0) list = list.slice(i + 1);
    }
    const items = list.slice(0, q.limit);
    return ok(reply, {
      lastId: items.length > 0 ? items[items.length - 1].orderId : null,
      items: items.map((o) => hfOrderJson(e, o)),
    });
  });
  app.get('/api/v1/hf/orders/:orderId', opts, async (req, reply) => {
    const { orderId } = parseWith(idParam, req.params);
    const { symbol } = parseWith(symbolQ, req.query);
    return ok(reply, hfOrderJson(e, mine(req, e.order(orderId), symbol)));
  });
  app.get('/api/v1/hf/orders/client-order/:clientOid', opts, async (req, reply) => {
    const { clientOid } = parseWith(coidParam, req.params);
    const { symbol } = parseWith(symbolQ, req.query);
    return ok(reply, hfOrderJson(e, mine(req, e.orderByClientOid(keyOf(req).accountId, clientOid), symbol)));
  });
  app.get('/api/v1/hf/fills', opts, async (req, reply) => {
    const q = parseWith(listQuery.extend({ symbol: z.string().min(1).max(40) }), req.query);
    checkSymbol(q.symbol);
    let fills = e
      .fills(keyOf(req).accountId, q.symbol, 1000)
      .filter(
        (f) => (q.orderId === undefined || f.orderId === q.orderId) && (q.side === undefined || f.side === q.side),
      )
      .filter(
        (f) =>
          (q.startAt === undefined || q.startAt === 0 || f.ts >= q.startAt) &&
          (q.endAt === undefined || q.endAt === 0 || f.ts <= q.endAt),
      );
    if (q.lastId !== undefined) {
      const i = fills.findIndex((f) => f.tradeId === q.lastId);
      if (i >= 0) fills = fills.slice(i + 1);
    }
    const items = fills.slice(0, q.limit);
    return ok(reply, {
      items: items.map((f) =>
        fillJson(e, f, e.order(f.orderId)?.type ?? 'limit', feeRate(ctx, f.account, f.liquidity)),
      ),
      lastId: items.length > 0 ? items[items.length - 1].tradeId : null,
    });
  });
}

function feeRate(ctx: ServerContext, account: string, liquidity: 'maker' | 'taker'): string {
  const f = ctx.engine.fees(account);
  return fmtFeeRate(liquidity === 'maker' ? f.makerBps : f.takerBps);
}
