/**
 * Row validation for imports (S2.1). A raw row (CSV record, JSON object or database row) becomes
 * a LockOrder / HedgeOrder, or a list of field errors with stable codes. Never throws.
 */
import type { ErrorCode } from '../core/errors.js';
import { isDeskgateError } from '../core/errors.js';
import { parseSymbol } from '../core/symbol.js';
import { divRound } from '../core/decimal.js';
import { ONE, parseAmount } from './amount.js';
import { parseTime, type NaiveTimePolicy } from './time.js';
import { HEDGE_METHODS, type DeskSide, type HedgeMethod, type HedgeOrder, type LockOrder } from './types.js';

export type RawRow = Record<string, unknown>;

export interface FieldError {
  readonly field: string;
  readonly code: ErrorCode;
  readonly message: string;
}

export interface RejectedRow {
  /** 1-based data row number (CSV: header excluded; JSON: array index + 1; SQL: result row + 1). */
  readonly row: number;
  readonly id?: string;
  readonly errors: readonly FieldError[];
}

export type LockField =
  'id' | 'client_id' | 'side' | 'base' | 'quote' | 'symbol' | 'base_amount' | 'price' | 'quote_time' | 'lock_time';
export type HedgeField =
  | 'id'
  | 'client_id'
  | 'side'
  | 'base'
  | 'quote'
  | 'symbol'
  | 'base_amount'
  | 'avg_price'
  | 'fee'
  | 'fee_coin'
  | 'method'
  | 'venue'
  | 'start_time'
  | 'end_time';

/** Column names tried for each field, in order (case-insensitive). A mapping overrides them. */
const LOCK_ALIASES: Record<LockField, string[]> = {
  id: ['id', 'order_id', 'lock_id'],
  client_id: ['client_id', 'clientid', 'client'],
  side: ['side', 'direction'],
  base: ['base', 'base_coin', 'base_currency', 'base_asset'],
  quote: ['quote', 'quote_coin', 'quote_currency', 'quote_asset'],
  symbol: ['symbol', 'pair'],
  base_amount: ['base_amount', 'baseamount', 'amount', 'size'],
  price: ['price', 'lock_price'],
  quote_time: ['quote_time', 'quotetime', 'quoted_at'],
  lock_time: ['lock_time', 'locktime', 'locked_at', 'time', 'created_at'],
};
const HEDGE_ALIASES: Record<HedgeField, string[]> = {
  id: ['id', 'order_id', 'hedge_id'],
  client_id: ['client_id', 'clientid', 'client'],
  side: ['side', 'direction'],
  base: ['base', 'base_coin', 'base_currency', 'base_asset'],
  quote: ['quote', 'quote_coin', 'quote_currency', 'quote_asset'],
  symbol: ['symbol', 'pair'],
  base_amount: ['base_amount', 'baseamount', 'amount', 'filled_amount', 'size'],
  avg_price: ['avg_price', 'average_price', 'avgprice', 'price'],
  fee: ['fee', 'fees'],
  fee_coin: ['fee_coin', 'fee_currency', 'fee_asset'],
  method: ['method', 'hedge_method'],
  venue: ['venue', 'exchange'],
  start_time: ['start_time', 'starttime', 'started_at', 'time'],
  end_time: ['end_time', 'endtime', 'ended_at', 'finished_at'],
};

export interface ValidateOptions {
  /** Explicit column for a field (overrides the aliases). */
  readonly columns?: Partial<Record<string, string>>;
  readonly naiveTime?: NaiveTimePolicy;
}

class RowReader {
  readonly errors: FieldError[] = [];
  private readonly lower = new Map<string, unknown>();
  constructor(
    row: RawRow,
    private readonly aliases: Record<string, string[]>,
    private readonly opts: ValidateOptions,
  ) {
    for (const [k, v] of Object.entries(row)) this.lower.set(k.toLowerCase(), v);
  }

  raw(field: string): unknown {
    const explicit = this.opts.columns?.[field];
    const names = explicit !== undefined ? [explicit.toLowerCase()] : (this.aliases[field] ?? [field]);
    for (const n of names) {
      const v = this.lower.get(n);
      if (v !== undefined && v !== null && !(typeof v === 'string' && v.trim() === '')) return v;
    }
    return undefined;
  }

  fail(field: string, code: ErrorCode, message: string): undefined {
    this.errors.push({ field, code, message });
    return undefined;
  }

  text(field: string, required: boolean, max = 128): string | undefined {
    const v = this.raw(field);
    if (v === undefined) return required ? this.fail(field, 'DG_E_MISSING_FIELD', field) : undefined;
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'bigint') {
      return this.fail(field, 'DG_E_BAD_INPUT', `${field} must be text`);
    }
    const s = String(v).trim();
    if (s.length > max) return this.fail(field, 'DG_E_BAD_INPUT', `${field} longer than ${max}`);
    return s;
  }

  decimal(field: string, required: boolean, mustBePositive: boolean): bigint | undefined {
    const v = this.raw(field);
    if (v === undefined) return required ? this.fail(field, 'DG_E_MISSING_FIELD', field) : undefined;
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'bigint') {
      return this.fail(field, 'DG_E_BAD_DECIMAL', `${field} must be a number`);
    }
    if (typeof v === 'number' && !Number.isFinite(v))
      return this.fail(field, 'DG_E_BAD_DECIMAL', `${field} not finite`);
    let units: bigint;
    try {
      units = parseAmount(String(v));
    } catch (e) {
      const code: ErrorCode = isDeskgateError(e) ? e.code : 'DG_E_BAD_DECIMAL';
      return this.fail(field, code, `${field}=${String(v).slice(0, 40)}`);
    }
    if (mustBePositive) {
      if (units < 0n) return this.fail(field, 'DG_E_NEGATIVE', `${field}=${String(v).slice(0, 40)}`);
      if (units === 0n) return this.fail(field, 'DG_E_BAD_INPUT', `${field} must be > 0`);
    }
    return units;
  }

  time(field: string, required: boolean): number | undefined {
    const v = this.raw(field);
    if (v === undefined) return required ? this.fail(field, 'DG_E_MISSING_FIELD', field) : undefined;
    const t = parseTime(v, this.opts.naiveTime ?? 'utc');
    if (!t.ok) return this.fail(field, 'DG_E_BAD_TIME', `${field}: ${t.why}`);
    return t.ms;
  }

  side(): DeskSide | undefined {
    const s = this.text('side', true);
    if (s === undefined) return undefined;
    const side = parseSide(s);
    if (side === undefined) return this.fail('side', 'DG_E_BAD_SIDE', JSON.stringify(s.slice(0, 20)));
    return side;
  }

  coins(): { base: string; quote: string } | undefined {
    const base = this.text('base', false, 20);
    const quote = this.text('quote', false, 20);
    if (base !== undefined && quote !== undefined) {
      const b = base.toUpperCase();
      const q = quote.toUpperCase();
      if (!/^[A-Z0-9]{1,20}$/.test(b)) return this.fail('base', 'DG_E_BAD_SYMBOL', base);
      if (!/^[A-Z0-9]{1,20}$/.test(q)) return this.fail('quote', 'DG_E_BAD_SYMBOL', quote);
      return { base: b, quote: q };
    }
    const sym = this.text('symbol', false, 64);
    if (sym !== undefined) {
      try {
        const p = parseSymbol(sym);
        return { base: p.base, quote: p.quote };
      } catch (e) {
        return this.fail('symbol', isDeskgateError(e) ? e.code : 'DG_E_BAD_SYMBOL', sym);
      }
    }
    return this.fail(base === undefined ? 'base' : 'quote', 'DG_E_MISSING_FIELD', 'base and quote (or symbol)');
  }
}

export function parseSide(s: string): DeskSide | undefined {
  switch (s.trim().toLowerCase()) {
    case 'buy':
    case 'b':
    case 'bid':
    case '买':
    case '买入':
      return 'buy';
    case 'sell':
    case 's':
    case 'ask':
    case '卖':
    case '卖出':
      return 'sell';
    default:
      return undefined;
  }
}

export type Validated<T> = { ok: true; value: T } | { ok: false; id?: string; errors: FieldError[] };

export function validateLock(row: RawRow, opts: ValidateOptions = {}): Validated<LockOrder> {
  const r = new RowReader(row, LOCK_ALIASES, opts);
  const id = r.text('id', true);
  const clientId = r.text('client_id', true);
  const side = r.side();
  const coins = r.coins();
  const baseAmount = r.decimal('base_amount', true, true);
  const price = r.decimal('price', true, true);
  const lockTime = r.time('lock_time', true);
  const quoteTime = r.time('quote_time', false) ?? lockTime;
  if (lockTime !== undefined && quoteTime !== undefined && quoteTime > lockTime) {
    r.fail('quote_time', 'DG_E_BAD_TIME', 'quote_time after lock_time');
  }
  if (r.errors.length > 0 || id === undefined || clientId === undefined || side === undefined || coins === undefined) {
    return { ok: false, id, errors: r.errors };
  }
  return {
    ok: true,
    value: {
      id,
      clientId,
      side,
      base: coins.base,
      quote: coins.quote,
      baseAmount: baseAmount!,
      price: price!,
      quoteTime: quoteTime!,
      lockTime: lockTime!,
    },
  };
}

export function validateHedge(row: RawRow, opts: ValidateOptions = {}): Validated<HedgeOrder> {
  const r = new RowReader(row, HEDGE_ALIASES, opts);
  const id = r.text('id', true);
  const clientId = r.text('client_id', true);
  const side = r.side();
  const coins = r.coins();
  const baseAmount = r.decimal('base_amount', true, true);
  const avgPrice = r.decimal('avg_price', true, true);
  const feeRaw = r.decimal('fee', false, false) ?? 0n;
  const feeCoin = r.text('fee_coin', false, 20)?.toUpperCase();
  const methodText = r.text('method', false, 32);
  let method: HedgeMethod = 'other';
  if (methodText !== undefined) {
    const m = methodText.toLowerCase();
    if ((HEDGE_METHODS as readonly string[]).includes(m)) method = m as HedgeMethod;
    else r.fail('method', 'DG_E_BAD_METHOD', JSON.stringify(methodText.slice(0, 20)));
  }
  const venue = r.text('venue', false, 64) ?? '';
  const startTime = r.time('start_time', true);
  const endTime = r.time('end_time', false) ?? startTime;
  if (startTime !== undefined && endTime !== undefined && endTime < startTime) {
    r.fail('end_time', 'DG_E_BAD_TIME', 'end_time before start_time');
  }
  if (coins && feeCoin !== undefined && feeCoin !== coins.quote && feeCoin !== coins.base) {
    r.fail('fee_coin', 'DG_E_BAD_INPUT', `fee_coin ${feeCoin} is neither base nor quote`);
  }
  if (r.errors.length > 0 || id === undefined || clientId === undefined || side === undefined || coins === undefined) {
    return { ok: false, id, errors: r.errors };
  }
  // A fee charged in base is converted to quote at the hedge's average price (exact, rounded once).
  const fee = feeCoin !== undefined && feeCoin === coins.base ? divRound(feeRaw * avgPrice!, ONE) : feeRaw;
  return {
    ok: true,
    value: {
      id,
      clientId,
      side,
      base: coins.base,
      quote: coins.quote,
      baseAmount: baseAmount!,
      avgPrice: avgPrice!,
      fee,
      method,
      venue,
      startTime: startTime!,
      endTime: endTime!,
    },
  };
}
