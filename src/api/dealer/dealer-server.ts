/**
 * MOV Dealer compatible REST server (spec S0) over a GatewayPort, on node:http (the MOV client
 * sends `symbol=BTM/USDT` with the `/` unencoded in the query and `Host: localhost:PORT`; both
 * are plain HTTP/1.1 that node:http reads as is).
 *
 *   POST /api/v1/place-order            {"symbol","side","price","amount"} (strings)
 *   GET  /api/v1/cancel-order?order_id=N
 *   GET  /api/v1/orders?symbol=BTM/USDT&side=sell
 *   GET  /flashswap/v3/market-depth?symbol=BTM/USDT[&depth=N]
 *   GET  /api/v1/balances               (balance polling, as the seed did)
 *   GET  /api/v1/events[?symbol=…]      Server-Sent Events: order and fill events (S0.5)
 *
 * Business errors are HTTP 200 with `{"code":<status ≠ 200>,"msg":…}` because the public client
 * returns None for any HTTP status ≥ 400 and drops the body (spec S0). Only requests that are not
 * MOV calls at all (unknown path, foreign Host header) get a real HTTP error status.
 */
import http from 'node:http';
import { systemClock, type Clock } from '../../core/clock.js';
import { toUnits } from '../../core/decimal.js';
import { asDeskgateError, dgError, ErrorCounter, isDeskgateError, type DeskgateError } from '../../core/errors.js';
import { sideFromText } from '../../core/events.js';
import type { Instrument } from '../../core/instrument.js';
import type { VenueEvent } from '../../venue/venue.js';
import { statusRank } from '../../venue/venue.js';
import type { GatewayPort, OrderView } from '../gateway-port.js';
import { DealerOrderIds } from './order-ids.js';
import {
  formatFeeRate,
  movBalance,
  movDepth,
  movError,
  movFill,
  movOk,
  movOrder,
  type MovEnvelope,
  type MovOrder,
} from './mov-views.js';

export const DEFAULT_DEALER_PORT = 1024;

export interface DealerServerOptions {
  readonly port: GatewayPort;
  /** Listen address; default 127.0.0.1. */
  readonly host?: string;
  /** Default 1024 (the MOV client's default); 0 picks a free port. */
  readonly listenPort?: number;
  /** Fee rate shown in market depth, e.g. "0.003" → "0.003000". Default "0.003". */
  readonly feeRate?: string;
  /** `address` in place-order replies (the MOV account address). Default: the gateway name. */
  readonly address?: string;
  /** Depth levels per side when the request has no `depth`. Default 50 (max 500). */
  readonly depthLevels?: number;
  /** Closed orders merged into a list. Default 100. */
  readonly listClosed?: number;
  readonly maxBodyBytes?: number;
  readonly maxSseClients?: number;
  /** Extra Host names allowed besides localhost / 127.0.0.1 / [::1]. */
  readonly allowedHosts?: readonly string[];
  readonly clock?: Clock;
  /** SSE keep-alive comment period (ms). Default 15 000. */
  readonly keepAliveMs?: number;
  /** One line per request (method, path, HTTP status, envelope code, ms); e.g. RotatingLog.write. */
  readonly log?: (line: string) => void;
}

interface TrackedOrder {
  view: OrderView;
}

interface SseClient {
  readonly res: http.ServerResponse;
  readonly instrument: Instrument | undefined;
}

const MAX_DEPTH = 500;
const MAX_TRACKED = 100_000;

export class DealerServer {
  readonly ids = new DealerOrderIds();
  readonly errors = new ErrorCounter();
  private readonly server: http.Server;
  private readonly feeRate: string;
  private readonly clock: Clock;
  private readonly tracked = new Map<number, TrackedOrder>();
  private readonly sse = new Set<SseClient>();
  private readonly hosts: Set<string>;
  private readonly codes = new WeakMap<http.ServerResponse, number>();
  private offEvents: (() => void) | undefined;
  private keepAlive: ReturnType<typeof setInterval> | undefined;
  private cidSeq = 0;
  private readonly cidPrefix: string;
  private boundPort = 0;

  constructor(private readonly o: DealerServerOptions) {
    this.feeRate = formatFeeRate(o.feeRate ?? '0.003');
    this.clock = o.clock ?? systemClock;
    this.cidPrefix = `mov${this.clock.now().toString(36)}`;
    this.hosts = new Set(['localhost', '127.0.0.1', '[::1]', ...(o.allowedHosts ?? [])].map((h) => h.toLowerCase()));
    this.server = http.createServer((req, res) => {
      if (o.log) this.logOnFinish(req, res, o.log);
      this.route(req, res).catch((e: unknown) => {
        const err = asDeskgateError(e);
        this.errors.record(err);
        if (!res.headersSent) this.send(res, 200, movError(err));
        else res.end();
      });
    });
    this.server.keepAliveTimeout = 5000;
    this.server.headersTimeout = 10_000;
    this.server.requestTimeout = 30_000;
  }

  address(): { host: string; port: number } {
    return { host: this.o.host ?? '127.0.0.1', port: this.boundPort };
  }

  /** Connected event-stream clients. */
  get sseClients(): number {
    return this.sse.size;
  }

  async start(): Promise<void> {
    this.offEvents = this.o.port.on((e) => this.onEvent(e));
    await new Promise<void>((resolve, reject) => {
      const onErr = (e: Error): void => reject(e);
      this.server.once('error', onErr);
      this.server.listen(this.o.listenPort ?? DEFAULT_DEALER_PORT, this.o.host ?? '127.0.0.1', () => {
        this.server.off('error', onErr);
        resolve();
      });
    });
    const a = this.server.address();
    this.boundPort = typeof a === 'object' && a ? a.port : 0;
    const period = this.o.keepAliveMs ?? 15_000;
    this.keepAlive = setInterval(() => {
      for (const c of this.sse) c.res.write(': keep-alive\n\n');
    }, period);
    this.keepAlive.unref();
  }

  async close(): Promise<void> {
    this.offEvents?.();
    this.offEvents = undefined;
    if (this.keepAlive) clearInterval(this.keepAlive);
    for (const c of this.sse) c.res.end();
    this.sse.clear();
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  // ----- events (S0.5) -----------------------------------------------------------------------

  private onEvent(e: VenueEvent): void {
    if (e.type === 'order') {
      const id = this.ids.idOf(e.order.instrument, e.order.venueOrderId);
      const cur = this.tracked.get(id);
      const prev = cur?.view;
      if (prev && statusRank(e.order.status) < statusRank(prev.status)) return;
      const view: OrderView = {
        ...e.order,
        avgPrice: prev?.avgPrice,
        createdAt: prev?.createdAt ?? e.order.ts,
      };
      this.track(id, view);
      this.broadcast('order', e.order.instrument, movOrder(id, view));
    } else if (e.type === 'fill') {
      const id = this.ids.idOf(e.instrument, e.venueOrderId);
      this.broadcast('fill', e.instrument, movFill(id, e));
    }
  }

  /** Remember an order's latest view; bounded like the id map (oldest first). */
  private track(id: number, view: OrderView): void {
    this.tracked.delete(id);
    this.tracked.set(id, { view });
    if (this.tracked.size > MAX_TRACKED) {
      const oldest = this.tracked.keys().next().value as number;
      this.tracked.delete(oldest);
    }
  }

  private broadcast(event: string, inst: Instrument, data: unknown): void {
    if (this.sse.size === 0) return;
    const text = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const c of this.sse) {
      if (c.instrument && c.instrument.id !== inst.id) continue;
      // A client that stops reading is dropped, never buffered without bound.
      if (c.res.writableLength > 1 << 20) {
        c.res.end();
        this.sse.delete(c);
        continue;
      }
      c.res.write(text);
    }
  }

  // ----- HTTP --------------------------------------------------------------------------------

  private logOnFinish(req: http.IncomingMessage, res: http.ServerResponse, log: (line: string) => void): void {
    const t0 = this.clock.now();
    res.on('finish', () => {
      const t1 = this.clock.now();
      const code = this.codes.get(res);
      const target = (req.url ?? '').slice(0, 200).replace(/[^\x20-\x7e]/g, '?');
      try {
        log(
          `${new Date(t1).toISOString()} ${req.method ?? '?'} ${target} http=${res.statusCode}` +
            `${code === undefined ? '' : ` code=${code}`} ${t1 - t0}ms`,
        );
      } catch {
        this.errors.record(dgError('DG_E_INTERNAL', 'request log write failed'));
      }
    });
  }

  private send(res: http.ServerResponse, status: number, body: unknown): void {
    if (typeof body === 'object' && body !== null && typeof (body as { code?: unknown }).code === 'number')
      this.codes.set(res, (body as { code: number }).code);
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': Buffer.byteLength(text),
      'Cache-Control': 'no-store',
    });
    res.end(text);
  }

  private reply(res: http.ServerResponse, body: MovEnvelope | Record<string, unknown>): void {
    this.send(res, 200, body);
  }

  private fail(res: http.ServerResponse, e: DeskgateError): void {
    this.errors.record(e);
    this.reply(res, movError(e));
  }

  private hostOk(req: http.IncomingMessage): boolean {
    const h = (req.headers.host ?? '').toLowerCase();
    if (h === '') return true; // HTTP/1.0 without Host
    const name = h.startsWith('[') ? h.slice(0, h.indexOf(']') + 1) : h.split(':')[0];
    return this.hosts.has(name);
  }

  private async route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (!this.hostOk(req)) {
      const e = dgError('DG_E_API_BAD_HOST');
      this.errors.record(e);
      this.send(res, 403, movError(e));
      return;
    }
    const raw = req.url ?? '/';
    const q = raw.indexOf('?');
    const path = q >= 0 ? raw.slice(0, q) : raw;
    // URLSearchParams takes the `/` of "BTM/USDT" as it comes (encoded or not).
    const query = new URLSearchParams(q >= 0 ? raw.slice(q + 1) : '');
    const method = req.method ?? 'GET';
    switch (path) {
      case '/api/v1/place-order':
        if (method !== 'POST') return this.fail(res, dgError('DG_E_API_BAD_REQUEST', 'place-order is POST'));
        return this.placeOrder(res, await this.body(req));
      case '/api/v1/cancel-order': {
        const fromBody = method === 'POST' ? await this.body(req) : undefined;
        const idText =
          query.get('order_id') ??
          (fromBody && typeof fromBody === 'object' && fromBody !== null
            ? String((fromBody as Record<string, unknown>).order_id ?? '')
            : '');
        return this.cancelOrder(res, idText);
      }
      case '/api/v1/orders':
        return this.listOrders(res, query.get('symbol') ?? '', query.get('side') ?? '');
      case '/flashswap/v3/market-depth':
      case '/api/v1/market-depth':
        return this.depth(res, query.get('symbol') ?? '', query.get('depth') ?? query.get('limit'));
      case '/api/v1/balances':
        return this.balances(res);
      case '/api/v1/events':
        return this.events(req, res, query.get('symbol'));
      default: {
        const e = dgError('DG_E_API_NOT_FOUND', `${method} ${path.slice(0, 80)}`);
        this.errors.record(e);
        this.send(res, 404, movError(e));
      }
    }
  }

  private body(req: http.IncomingMessage): Promise<unknown> {
    const max = this.o.maxBodyBytes ?? 64 * 1024;
    return new Promise((resolve, reject) => {
      const parts: Buffer[] = [];
      let n = 0;
      let over = false;
      req.on('data', (c: Buffer) => {
        n += c.length;
        if (n > max) over = true;
        else parts.push(c);
      });
      req.on('end', () => {
        if (over) return reject(dgError('DG_E_API_TOO_LARGE', `body over ${max} bytes`));
        const text = Buffer.concat(parts).toString('utf8');
        if (text.trim() === '') return resolve(undefined);
        try {
          resolve(JSON.parse(text));
        } catch {
          reject(dgError('DG_E_API_BAD_REQUEST', 'body is not JSON'));
        }
      });
      req.on('error', () => reject(dgError('DG_E_API_BAD_REQUEST', 'request aborted')));
    });
  }

  private instrumentOf(symbol: string): Instrument {
    if (symbol === '') throw dgError('DG_E_API_BAD_REQUEST', 'symbol is required');
    const inst = this.o.port.instrument(symbol.replace('_', '/').toUpperCase());
    if (!inst) throw dgError('DG_E_UNKNOWN_INSTRUMENT', symbol.slice(0, 40));
    return inst;
  }

  private static text(v: unknown, name: string): string {
    if (typeof v === 'string' && v.length > 0 && v.length <= 64) return v.trim();
    if (typeof v === 'number' && Number.isFinite(v)) return String(v);
    throw dgError('DG_E_API_BAD_REQUEST', `${name} must be a decimal string`);
  }

  private async placeOrder(res: http.ServerResponse, body: unknown): Promise<void> {
    try {
      if (typeof body !== 'object' || body === null || Array.isArray(body))
        throw dgError('DG_E_API_BAD_REQUEST', 'body must be {"symbol","side","price","amount"}');
      const b = body as Record<string, unknown>;
      const inst = this.instrumentOf(typeof b.symbol === 'string' ? b.symbol : '');
      const side = typeof b.side === 'string' ? sideFromText(b.side.toLowerCase()) : undefined;
      if (side === undefined) throw dgError('DG_E_BAD_SIDE', String(b.side).slice(0, 20));
      const priceText = DealerServer.text(b.price, 'price');
      const amountText = DealerServer.text(b.amount, 'amount');
      const price = toUnits(priceText, inst.price);
      const size = toUnits(amountText, inst.size);
      if (price <= 0 || size <= 0) throw dgError('DG_E_API_BAD_REQUEST', 'price and amount must be positive');
      const clientOrderId = `${this.cidPrefix}-${++this.cidSeq}`;
      const r = await this.o.port.placeOrder({ clientOrderId, instrument: inst, side, type: 'limit', price, size });
      if (!r.ok) return this.fail(res, r.error);
      const id = this.ids.idOf(inst, r.value.venueOrderId);
      if (!this.tracked.has(id)) {
        const now = this.clock.now();
        this.track(id, {
          clientOrderId,
          venueOrderId: r.value.venueOrderId,
          instrument: inst,
          side,
          type: 'limit',
          price,
          size,
          filledSize: 0,
          status: 'received',
          ts: now,
          avgPrice: undefined,
          createdAt: now,
        });
      }
      this.reply(
        res,
        movOk({
          order_id: id,
          order: { symbol: inst.symbol, side: side === 0 ? 'buy' : 'sell', price: priceText, amount: amountText },
          address: this.o.address ?? this.o.port.name,
        }),
      );
    } catch (e) {
      this.fail(res, isDeskgateError(e) ? e : asDeskgateError(e));
    }
  }

  private async cancelOrder(res: http.ServerResponse, idText: string): Promise<void> {
    if (!/^\d{1,15}$/.test(idText))
      return this.fail(res, dgError('DG_E_API_BAD_REQUEST', 'order_id must be a positive integer'));
    const id = Number(idText);
    const ref = this.ids.get(id);
    if (!ref) return this.fail(res, dgError('DG_E_API_UNKNOWN_ORDER', String(id)));
    const r = await this.o.port.cancelOrder(ref.instrument, { venueOrderId: ref.venueOrderId });
    if (!r.ok) return this.fail(res, r.error);
    this.reply(res, movOk({ order_id: id }));
  }

  private async listOrders(res: http.ServerResponse, symbol: string, sideText: string): Promise<void> {
    try {
      const inst = this.instrumentOf(symbol);
      let side: 0 | 1 | undefined;
      if (sideText !== '') {
        side = sideFromText(sideText.toLowerCase());
        if (side === undefined) throw dgError('DG_E_BAD_SIDE', sideText.slice(0, 20));
      }
      const views = new Map<number, OrderView>();
      const put = (o: OrderView): void => {
        const id = this.ids.idOf(o.instrument, o.venueOrderId);
        const prev = views.get(id);
        if (!prev || statusRank(o.status) > statusRank(prev.status) || o.filledSize > prev.filledSize) views.set(id, o);
      };
      const open = await this.o.port.openOrders(inst);
      if (!open.ok) return this.fail(res, open.error);
      for (const o of open.value) put(o);
      const closed = await this.o.port.closedOrders(inst, undefined, this.o.listClosed ?? 100);
      if (closed.ok) for (const o of closed.value) put(o);
      for (const t of this.tracked.values()) if (t.view.instrument.id === inst.id) put(t.view);
      const out: MovOrder[] = [];
      for (const [id, o] of views) if (side === undefined || o.side === side) out.push(movOrder(id, o));
      out.sort((a, b) => b.order_id - a.order_id);
      this.reply(res, movOk(out));
    } catch (e) {
      this.fail(res, asDeskgateError(e));
    }
  }

  private async depth(res: http.ServerResponse, symbol: string, depthText: string | null): Promise<void> {
    try {
      const inst = this.instrumentOf(symbol);
      let levels = this.o.depthLevels ?? 50;
      if (depthText !== null) {
        if (!/^\d{1,4}$/.test(depthText) || Number(depthText) === 0)
          throw dgError('DG_E_API_BAD_REQUEST', 'depth must be a positive integer');
        levels = Number(depthText);
      }
      levels = Math.min(levels, MAX_DEPTH);
      const b = await this.o.port.book(inst);
      if (!b.ok) return this.fail(res, b.error);
      // market-depth puts `data` at the top level (not under `result`), as MOV's server does.
      this.reply(res, { code: 200, msg: '', data: movDepth(inst, b.value, this.feeRate, levels) });
    } catch (e) {
      this.fail(res, asDeskgateError(e));
    }
  }

  private async balances(res: http.ServerResponse): Promise<void> {
    const r = await this.o.port.balances();
    if (!r.ok) return this.fail(res, r.error);
    this.reply(res, movOk(r.value.map(movBalance)));
  }

  private events(req: http.IncomingMessage, res: http.ServerResponse, symbol: string | null): void {
    let inst: Instrument | undefined;
    try {
      inst = symbol ? this.instrumentOf(symbol) : undefined;
    } catch (e) {
      return this.fail(res, asDeskgateError(e));
    }
    if (this.sse.size >= (this.o.maxSseClients ?? 64))
      return this.fail(res, dgError('DG_E_RATE_LIMITED', 'too many event streams'));
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
    });
    res.write(': deskgate MOV dealer events\n\n');
    const client: SseClient = { res, instrument: inst };
    this.sse.add(client);
    req.on('close', () => this.sse.delete(client));
  }
}
