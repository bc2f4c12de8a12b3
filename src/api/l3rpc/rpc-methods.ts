/**
 * The kucoin-level3-sdk RPC methods over a GatewayPort (S3.6), independent of the transport.
 *
 * Request (JSON-RPC 1.0, Go net/rpc/jsonrpc): `{"method":"Server.<Name>","params":[{…}],"id":<any>}`.
 * Reply: `{"id":<same>,"result":{"code":"0","data":…,"error":""},"error":null}`. App codes:
 * "0" ok, "10" server error (bad arguments, unsupported AnyCall method), "20" bad token, "30" book
 * error (book unavailable or not synced). An unknown method or a request that is not JSON-RPC is
 * a JSON-RPC error: `{"id":…,"result":null,"error":"rpc: …"}` (what Go's server answers).
 *
 * Methods: Server.GetOrderBook {token, number} → {sequence, asks:[[price,size]…], bids,
 * info:{time (ns), sequence}} (aggregated, strings; number 0/absent = whole book up to maxLevels;
 * Server.GetPartOrderBook is the SDK v1 name of the same call);
 * Server.AddEventClientOidsToChannels {token, data:{clientOid:[channel…]}} → "";
 * Server.AddEventOrderIdsToChannels {token, data:{orderId:[channel…]}} → "" (SDK v1 method);
 * Server.AnyCall {token, method:"GetL3PartOrderBook", args:{number}} → {asks:[[orderId,price,
 * size]…], bids, info}.
 */
import { tokenDigest, tokenMatches } from '../token.js';
import type { Clock } from '../../core/clock.js';
import { fromUnits } from '../../core/decimal.js';
import { isDeskgateError, type DeskgateError } from '../../core/errors.js';
import type { Instrument } from '../../core/instrument.js';
import type { GatewayPort } from '../gateway-port.js';
import type { ClientOidFanout } from './event-fanout.js';
import { nanos, RawInteger, toJsonText, type JsonValue } from './rpc-json.js';

export const APP_OK = '0';
export const APP_SERVER_ERROR = '10';
export const APP_BAD_TOKEN = '20';
export const APP_BOOK_ERROR = '30';

export type AppCode = typeof APP_OK | typeof APP_SERVER_ERROR | typeof APP_BAD_TOKEN | typeof APP_BOOK_ERROR;

export interface AppResult {
  readonly code: AppCode;
  readonly data: JsonValue;
  readonly error: string;
}

export interface RpcReply {
  readonly id: JsonValue;
  readonly result: AppResult | null;
  readonly error: string | null;
}

export interface L3RpcMethodsOptions {
  readonly port: GatewayPort;
  readonly instrument: Instrument;
  /** The RPC token clients must send (compared in constant time). */
  readonly token: string;
  readonly fanout: ClientOidFanout;
  readonly clock: Clock;
  /** Most levels (or orders) one call returns, and the answer to number 0. Default 5000. */
  readonly maxLevels?: number;
}

/**
 * Reply encoding. 'v2' (default, kucoin-level3-sdk v2): `result` is an object. 'v1' (the older
 * KuMEX SDK, whose Python demo does `json.loads(resp['result'])` then `json.loads(data['data'])`):
 * `result` is a JSON string and a non-string `data` is itself JSON-encoded into a string.
 */
export type RpcDialect = 'v1' | 'v2';

function ok(data: JsonValue): AppResult {
  return { code: APP_OK, data, error: '' };
}

function fail(code: AppCode, error: string): AppResult {
  return { code, data: '', error };
}

function asJsonId(id: unknown): JsonValue {
  if (id === null || typeof id === 'string' || typeof id === 'boolean') return id;
  if (typeof id === 'number') return Number.isFinite(id) ? id : null;
  return null;
}

export class L3RpcMethods {
  private readonly tokenDigest: Buffer;
  private readonly maxLevels: number;

  constructor(private readonly o: L3RpcMethodsOptions) {
    if (o.token.length === 0) throw new RangeError('an RPC token is required');
    this.tokenDigest = tokenDigest(o.token);
    this.maxLevels = o.maxLevels ?? 5000;
  }

  /** Answer one request object (already parsed JSON). Never throws. */
  async handle(req: unknown): Promise<RpcReply> {
    if (typeof req !== 'object' || req === null || Array.isArray(req))
      return { id: null, result: null, error: 'rpc: request must be a JSON object' };
    const r = req as Record<string, unknown>;
    const id = asJsonId(r.id);
    if (typeof r.method !== 'string') return { id, result: null, error: 'rpc: method must be a string' };
    if (!Array.isArray(r.params) || r.params.length !== 1 || typeof r.params[0] !== 'object' || r.params[0] === null)
      return { id, result: null, error: 'rpc: params must be an array of one object' };
    const p = r.params[0] as Record<string, unknown>;
    let run: ((p: Record<string, unknown>) => Promise<AppResult>) | undefined;
    switch (r.method) {
      case 'Server.GetOrderBook':
        run = (x) => this.getOrderBook(x);
        break;
      case 'Server.GetPartOrderBook': // SDK v1 name of the same read
        run = (x) => this.getOrderBook(x);
        break;
      case 'Server.AddEventClientOidsToChannels':
        run = (x) => Promise.resolve(this.addClientOids(x));
        break;
      case 'Server.AddEventOrderIdsToChannels':
        run = (x) => Promise.resolve(this.addOrderIds(x));
        break;
      case 'Server.AnyCall':
        run = (x) => this.anyCall(x);
        break;
      default:
        return { id, result: null, error: `rpc: can't find method ${r.method.slice(0, 80)}` };
    }
    if (!this.tokenOk(p.token)) return { id, result: fail(APP_BAD_TOKEN, 'token is invalid'), error: null };
    try {
      return { id, result: await run(p), error: null };
    } catch (e) {
      const msg = isDeskgateError(e) ? e.message : 'internal error';
      return { id, result: fail(APP_SERVER_ERROR, msg), error: null };
    }
  }

  private tokenOk(t: unknown): boolean {
    if (typeof t !== 'string' || t.length > 4096) return false;
    return tokenMatches(t, this.tokenDigest);
  }

  private number(v: unknown): number | string {
    if (v === undefined || v === null) return this.maxLevels;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) return 'number must be a non-negative integer';
    return v === 0 ? this.maxLevels : Math.min(v, this.maxLevels);
  }

  private info(seq: number, tsMs: number): JsonValue {
    return { time: nanos(tsMs > 0 ? tsMs : this.o.clock.now()), sequence: new RawInteger(String(seq)) };
  }

  private bookError(e: DeskgateError): AppResult {
    return fail(APP_BOOK_ERROR, e.message);
  }

  private async getOrderBook(p: Record<string, unknown>): Promise<AppResult> {
    const n = this.number(p.number);
    if (typeof n === 'string') return fail(APP_SERVER_ERROR, n);
    const inst = this.o.instrument;
    const l3 = await this.o.port.l3Book(inst);
    if (!l3.ok) {
      // Venues without L3 still have an aggregated book.
      const b = await this.o.port.book(inst);
      if (!b.ok) return this.bookError(b.error);
      const v = b.value;
      const side = (s: 0 | 1): JsonValue =>
        v.levels(s, n).map(([px, sz]) => [fromUnits(px, inst.price), fromUnits(sz, inst.size)]);
      return ok({ sequence: 0, asks: side(1), bids: side(0), info: { time: nanos(this.o.clock.now()) } });
    }
    const book = l3.value;
    const side = (s: 0 | 1): JsonValue =>
      book.levels(s, n).map(([px, sz]) => [fromUnits(px, inst.price), fromUnits(sz, inst.size)]);
    return ok({
      sequence: new RawInteger(String(book.seq)),
      asks: side(1),
      bids: side(0),
      info: this.info(book.seq, book.ts),
    });
  }

  private addClientOids(p: Record<string, unknown>): AppResult {
    this.o.fanout.register(p.data, this.o.clock.now());
    return ok('');
  }

  private addOrderIds(p: Record<string, unknown>): AppResult {
    this.o.fanout.registerOrderIds(p.data);
    return ok('');
  }

  private async anyCall(p: Record<string, unknown>): Promise<AppResult> {
    if (p.method !== 'GetL3PartOrderBook')
      return fail(APP_SERVER_ERROR, `unsupported rpc method: ${String(p.method).slice(0, 80)}`);
    const args = p.args;
    if (typeof args !== 'object' || args === null || Array.isArray(args))
      return fail(APP_SERVER_ERROR, 'args must be an object {number}');
    const n = this.number((args as Record<string, unknown>).number);
    if (typeof n === 'string') return fail(APP_SERVER_ERROR, n);
    const inst = this.o.instrument;
    const l3 = await this.o.port.l3Book(inst);
    if (!l3.ok) return this.bookError(l3.error);
    const book = l3.value;
    const side = (s: 0 | 1): JsonValue =>
      book.orders(s, n).map((o) => [o.orderId, fromUnits(o.price, inst.price), fromUnits(o.size, inst.size)]);
    return ok({ asks: side(1), bids: side(0), info: this.info(book.seq, book.ts) });
  }
}

/** The reply line as written on the wire (without the trailing newline). */
export function replyText(r: RpcReply, dialect: RpcDialect = 'v2'): string {
  if (!r.result) return toJsonText({ id: r.id, result: null, error: r.error });
  const { code, data, error } = r.result;
  if (dialect === 'v1') {
    const inner = toJsonText({ code, data: typeof data === 'string' ? data : toJsonText(data), error });
    return toJsonText({ id: r.id, result: inner, error: r.error });
  }
  return toJsonText({ id: r.id, result: { code, data, error }, error: r.error });
}
