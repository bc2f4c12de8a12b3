/**
 * Exact conversions between an instrument's grids (price ticks, size lots, notional in tick·lot
 * units) and the ledger's money (bigint minor units of each currency, see ledger/currencies.ts).
 * No float is ever involved: a value that does not land on the currency's grid is an error value.
 */
import { dgError, type DeskgateError } from '../core/errors.js';
import type { Side } from '../core/events.js';
import type { Instrument } from '../core/instrument.js';
import type { LedgerFill } from '../ledger/balances.js';
import type { CurrencyBook } from '../ledger/currencies.js';
import type { FillRecord } from '../oms/order-io.js';

export type Amount =
  { readonly ok: true; readonly value: bigint } | { readonly ok: false; readonly error: DeskgateError };

const TEN = 10n;

/** n × 10^-fromDecimals expressed in units of 10^-toScale, exactly (error when it would round). */
export function rescale(n: bigint, fromDecimals: number, toScale: number): Amount {
  if (toScale >= fromDecimals) return { ok: true, value: n * TEN ** BigInt(toScale - fromDecimals) };
  const d = TEN ** BigInt(fromDecimals - toScale);
  if (n % d !== 0n)
    return { ok: false, error: dgError('DG_E_OFF_GRID', `${n}e-${fromDecimals} is finer than scale ${toScale}`) };
  return { ok: true, value: n / d };
}

function scaleOf(book: CurrencyBook, code: string): number | DeskgateError {
  const c = book.get(code);
  return c ? c.scale : dgError('DG_E_LEDGER_UNKNOWN_CURRENCY', code);
}

/** Lots of the instrument → minor units of its base currency. */
export function baseUnits(book: CurrencyBook, inst: Instrument, lots: number | bigint): Amount {
  const s = scaleOf(book, inst.base);
  if (typeof s !== 'number') return { ok: false, error: s };
  return rescale(BigInt(lots) * BigInt(inst.size.step), inst.size.decimals, s);
}

/** Σ price×size in tick·lot units → minor units of the quote currency. */
export function quoteUnits(book: CurrencyBook, inst: Instrument, notional: bigint): Amount {
  const s = scaleOf(book, inst.quote);
  if (typeof s !== 'number') return { ok: false, error: s };
  return rescale(
    notional * BigInt(inst.price.step) * BigInt(inst.size.step),
    inst.price.decimals + inst.size.decimals,
    s,
  );
}

/** What an order holds while it is open: quote (price × size) for a buy, base (size) for a sell. */
export function reservationOf(
  book: CurrencyBook,
  inst: Instrument,
  side: Side,
  priceTicks: number,
  sizeLots: number,
): { ok: true; currency: string; amount: bigint } | { ok: false; error: DeskgateError } {
  const r =
    side === 0 ? quoteUnits(book, inst, BigInt(priceTicks) * BigInt(sizeLots)) : baseUnits(book, inst, sizeLots);
  if (!r.ok) return r;
  return { ok: true, currency: side === 0 ? inst.quote.toUpperCase() : inst.base.toUpperCase(), amount: r.value };
}

/** A fill the order tracker recorded → the ledger's fill (one fee currency; extra ones are an error). */
export function ledgerFillOf(
  book: CurrencyBook,
  inst: Instrument,
  side: Side,
  fr: FillRecord,
): { ok: true; value: LedgerFill } | { ok: false; error: DeskgateError } {
  const base = baseUnits(book, inst, fr.size);
  if (!base.ok) return base;
  const quote = quoteUnits(book, inst, fr.notional);
  if (!quote.ok) return quote;
  const fees = fr.fees.filter((f) => f.amount !== 0n);
  if (fees.length > 1) {
    return {
      ok: false,
      error: dgError('DG_E_LEDGER_INVARIANT', `fill ${fr.tradeId} has fees in ${fees.length} currencies`),
    };
  }
  const fee = fees[0];
  return {
    ok: true,
    value: {
      tradeId: fr.tradeId,
      orderKey: fr.clientId,
      side: side === 0 ? 'buy' : 'sell',
      base: inst.base.toUpperCase(),
      quote: inst.quote.toUpperCase(),
      baseAmount: base.value,
      quoteAmount: quote.value,
      fee: fee ? fee.amount : 0n,
      feeCurrency: fee ? fee.currency : inst.quote.toUpperCase(),
      ts: fr.ts,
    },
  };
}

/** Decimal places of a decimal string (for sizing an unknown currency's scale). */
export function decimalsOf(text: string): number {
  const m = /^-?\d+(?:\.(\d+))?$/.exec(text);
  return m && m[1] ? m[1].replace(/0+$/, '').length : 0;
}
