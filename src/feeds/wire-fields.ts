/**
 * Field readers shared by the wire decoders. Each either returns a well-typed value or throws a
 * DeskgateError with a stable code; decoders catch once per frame, count, and emit `invalid`.
 *
 * Prices: decimal string on the instrument's tick grid, > 0 (DG_E_BAD_PRICE otherwise).
 * Sizes: decimal string on the lot grid, ≥ 0 (DG_E_NEGATIVE for a negative size; NaN, "1e999"
 * and the like are DG_E_BAD_DECIMAL / DG_E_OUT_OF_RANGE from core/decimal.ts); off-grid values
 * are DG_E_OFF_GRID, never rounded.
 */
import { toUnits } from '../core/decimal.js';
import { DeskgateError, dgError } from '../core/errors.js';
import type { Side } from '../core/events.js';
import type { Instrument } from '../core/instrument.js';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type JsonObject = { [k: string]: Json };

export function parseFrame(frame: string): Json {
  if (typeof frame !== 'string') throw dgError('DG_E_MALFORMED_JSON', typeof frame);
  try {
    return JSON.parse(frame) as Json;
  } catch {
    throw dgError('DG_E_MALFORMED_JSON', frame.slice(0, 80));
  }
}

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function obj(v: unknown, what: string): JsonObject {
  if (!isObject(v)) throw dgError('DG_E_BAD_MESSAGE', `${what} is not an object`);
  return v;
}

export function arr(v: unknown, what: string): Json[] {
  if (!Array.isArray(v)) throw dgError('DG_E_BAD_MESSAGE', `${what} is not an array`);
  return v as Json[];
}

export function str(o: JsonObject, key: string): string {
  const v = o[key];
  if (typeof v !== 'string' || v.length === 0) throw dgError('DG_E_BAD_MESSAGE', `${key} missing or not a string`);
  return v;
}

export function optStr(o: JsonObject, key: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw dgError('DG_E_BAD_MESSAGE', `${key} not a string`);
  return v;
}

/** A non-negative safe integer given as a JSON number or a digit string (sequences, ids). */
export function seqNum(v: unknown, what: string): number {
  let n: number;
  if (typeof v === 'number') n = v;
  else if (typeof v === 'string' && /^\d{1,16}$/.test(v)) n = Number(v);
  else throw dgError('DG_E_BAD_MESSAGE', `${what} is not a sequence number`);
  if (!Number.isSafeInteger(n) || n < 0) throw dgError('DG_E_BAD_MESSAGE', `${what} out of range`);
  return n;
}

/** A signed safe integer (OKX prevSeqId may be -1; checksums are signed 32-bit). */
export function int(v: unknown, what: string): number {
  let n: number;
  if (typeof v === 'number') n = v;
  else if (typeof v === 'string' && /^-?\d{1,16}$/.test(v)) n = Number(v);
  else throw dgError('DG_E_BAD_MESSAGE', `${what} is not an integer`);
  if (!Number.isSafeInteger(n)) throw dgError('DG_E_BAD_MESSAGE', `${what} out of range`);
  return n;
}

export function priceTicks(text: unknown, inst: Instrument): number {
  if (typeof text !== 'string') throw dgError('DG_E_BAD_MESSAGE', 'price is not a string');
  const t = toUnits(text, inst.price);
  if (t <= 0) throw dgError('DG_E_BAD_PRICE', `${text} for ${inst.native}`);
  return t;
}

export function sizeLots(text: unknown, inst: Instrument): number {
  if (typeof text !== 'string') throw dgError('DG_E_BAD_MESSAGE', 'size is not a string');
  const l = toUnits(text, inst.size);
  if (l < 0) throw dgError('DG_E_NEGATIVE', `size ${text} for ${inst.native}`);
  return l;
}

export function sideOf(text: unknown): Side {
  if (text === 'buy' || text === 'bid') return 0;
  if (text === 'sell' || text === 'ask') return 1;
  throw dgError('DG_E_BAD_MESSAGE', `side ${String(text).slice(0, 16)}`);
}

/** ISO-8601 time (Coinbase "2021-04-17T16:43:37.075687Z") → ms since epoch. */
export function isoMs(text: unknown, fallback: number): number {
  if (typeof text !== 'string') return fallback;
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? ms : fallback;
}

export function asDgError(e: unknown): DeskgateError {
  if (e instanceof DeskgateError) return e;
  return dgError('DG_E_BAD_MESSAGE', e instanceof Error ? e.message.slice(0, 80) : undefined);
}
