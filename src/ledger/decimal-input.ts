/**
 * Decimal-string edges of the ledger: a venue's balance response (ccxt `fetchBalance` shape:
 * free / used per currency) and a fill in decimal strings, converted exactly to minor units.
 * A value finer than the currency's scale is an error, never rounded.
 */
import { parseDecimal } from '../core/decimal.js';
import { isDeskgateError } from '../core/errors.js';
import type { LedgerFill, VenueBalance, VenueSnapshot } from './balances.js';
import type { CurrencyBook } from './currencies.js';
import { fail, ok, type LedgerResult } from './result.js';

export interface DecimalBalance {
  readonly free: string;
  /** Held by open orders (ccxt: `used`). */
  readonly used: string;
}

export function venueSnapshotFromDecimals(
  currencies: CurrencyBook,
  ts: number,
  balances: Readonly<Record<string, DecimalBalance>>,
): LedgerResult<VenueSnapshot> {
  const out: VenueBalance[] = [];
  for (const [code, b] of Object.entries(balances)) {
    const free = currencies.toUnits(code, b.free);
    if (!free.ok) return free;
    const used = currencies.toUnits(code, b.used);
    if (!used.ok) return used;
    if (free.value < 0n || used.value < 0n) return fail('DG_E_LEDGER_BAD_AMOUNT', `${code}: negative venue balance`);
    out.push({ currency: currencies.get(code)!.code, free: free.value, frozen: used.value });
  }
  return ok({ ts, balances: out });
}

export interface DecimalFill {
  readonly tradeId: string;
  readonly orderKey?: string;
  readonly side: 'buy' | 'sell';
  readonly base: string;
  readonly quote: string;
  /** Base amount (size), decimal. */
  readonly amount: string;
  /** Quote amount (price × size, the venue's `cost`/`funds`), decimal. */
  readonly cost: string;
  readonly fee: string;
  readonly feeCurrency: string;
  readonly ts: number;
}

export function fillFromDecimals(currencies: CurrencyBook, f: DecimalFill): LedgerResult<LedgerFill> {
  const base = currencies.toUnits(f.base, f.amount);
  if (!base.ok) return base;
  const quote = currencies.toUnits(f.quote, f.cost);
  if (!quote.ok) return quote;
  const fee = currencies.toUnits(f.feeCurrency, f.fee);
  if (!fee.ok) return fee;
  return ok({
    tradeId: f.tradeId,
    ...(f.orderKey === undefined ? {} : { orderKey: f.orderKey }),
    side: f.side,
    base: currencies.get(f.base)!.code,
    quote: currencies.get(f.quote)!.code,
    baseAmount: base.value,
    quoteAmount: quote.value,
    fee: fee.value,
    feeCurrency: currencies.get(f.feeCurrency)!.code,
    ts: f.ts,
  });
}

export interface OrderHold {
  readonly currency: string;
  readonly amount: bigint;
}

/**
 * What a limit order must reserve: a buy holds price × size of the quote coin (rounded *up* to the
 * quote's minor unit, so the hold always covers the cost), a sell holds size of the base coin
 * (exact; finer than the base scale is an error).
 */
export function orderHold(
  currencies: CurrencyBook,
  side: 'buy' | 'sell',
  base: string,
  quote: string,
  price: string,
  size: string,
): LedgerResult<OrderHold> {
  if (side === 'sell') {
    const units = currencies.toUnits(base, size);
    if (!units.ok) return units;
    if (units.value <= 0n) return fail('DG_E_LEDGER_BAD_AMOUNT', 'size must be positive');
    return ok({ currency: currencies.get(base)!.code, amount: units.value });
  }
  const q = currencies.lookup(quote);
  if (!q.ok) return q;
  let p, z;
  try {
    p = parseDecimal(price);
    z = parseDecimal(size);
  } catch (e) {
    if (isDeskgateError(e)) return fail('DG_E_LEDGER_BAD_AMOUNT', e.message);
    throw e;
  }
  if (p.neg || z.neg || p.digits === 0n || z.digits === 0n)
    return fail('DG_E_LEDGER_BAD_AMOUNT', 'price and size must be positive');
  // price × size = digits × 10^-scale; rescale to the quote's minor unit, rounding up
  const digits = p.digits * z.digits;
  const shift = q.value.scale - (p.scale + z.scale);
  let units: bigint;
  if (shift >= 0) units = digits * 10n ** BigInt(shift);
  else {
    const d = 10n ** BigInt(-shift);
    units = (digits + d - 1n) / d;
  }
  return currencies.toUnits(q.value.code, units).ok
    ? ok({ currency: q.value.code, amount: units })
    : fail('DG_E_LEDGER_BAD_AMOUNT', 'notional out of range');
}
