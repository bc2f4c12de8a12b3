/**
 * The kernel's outgoing events, as bus payloads (decimal strings at the edge, principle 3):
 *
 *   order    {clientId, strategy, symbol, side, type?, price, size, state, event, prev, venueOrderId,
 *             filledSize, filledQuote, fees[], version, ts}
 *   fill     {clientId, strategy, symbol, side, tradeId, price, size, quote, fee, feeCurrency,
 *             liquidity, source, synthetic, covered, ts}
 *   balance  {currency, slots: [{index, name, total, free, frozen}]}
 */
import { fromUnits } from '../core/decimal.js';
import { sideText } from '../core/events.js';
import type { Instrument } from '../core/instrument.js';
import type { CurrencyBook } from '../ledger/currencies.js';
import type { SubAccounts } from '../ledger/sub-accounts.js';
import type { EventInput } from '../bus/bus.js';
import { quoteUnits } from './amounts.js';
import type { FillOut, OrderOut } from './kernel-state.js';

function money(book: CurrencyBook, code: string, units: bigint): string {
  return book.get(code) ? book.format(code, units) : units.toString();
}

export function orderEvent(o: OrderOut, inst: Instrument | undefined, book: CurrencyBook): EventInput {
  const v = o.order;
  const quote = inst ? quoteUnits(book, inst, v.filledNotional) : undefined;
  return {
    type: 'order',
    id: `order-${v.clientId}-${v.version}`,
    data: {
      clientId: v.clientId,
      strategy: v.strategy,
      symbol: inst?.symbol,
      side: sideText(v.side),
      price: inst && v.price !== undefined ? fromUnits(v.price, inst.price) : null,
      size: inst && v.size !== undefined ? fromUnits(v.size, inst.size) : null,
      state: v.state,
      event: o.event,
      prev: o.prev ?? null,
      venueOrderId: v.venueOrderId ?? null,
      filledSize: inst ? fromUnits(v.filledSize, inst.size) : String(v.filledSize),
      filledQuote: inst && quote?.ok ? money(book, inst.quote, quote.value) : null,
      fees: v.fees.map((f) => ({ currency: f.currency, amount: money(book, f.currency, f.amount) })),
      version: v.version,
      ts: v.updatedAt,
    },
  };
}

export function fillEvent(f: FillOut, book: CurrencyBook): EventInput {
  const r = f.fill;
  const inst = f.instrument;
  const quote = quoteUnits(book, inst, r.notional);
  const fee = r.fees.find((x) => x.amount !== 0n);
  return {
    type: 'fill',
    id: `fill-${r.clientId}-${r.tradeId}`.slice(0, 128),
    data: {
      clientId: r.clientId,
      strategy: f.strategy,
      symbol: inst.symbol,
      side: sideText(f.side),
      tradeId: r.tradeId,
      price: fromUnits(r.price, inst.price),
      size: fromUnits(r.size, inst.size),
      quote: quote.ok ? money(book, inst.quote, quote.value) : null,
      fee: fee ? money(book, fee.currency, fee.amount) : '0',
      feeCurrency: fee ? fee.currency : inst.quote.toUpperCase(),
      liquidity: r.liquidity ?? null,
      source: r.source,
      synthetic: r.synthetic,
      covered: r.covered,
      ts: r.ts,
    },
  };
}

export function balanceEvent(ledger: SubAccounts, currency: string): EventInput | undefined {
  const info = ledger.currencies.get(currency);
  if (!info) return undefined;
  const names = ledger.slotNames();
  const slots = [];
  for (let i = 0; i < ledger.slotCount; i++) {
    if (i >= 2 && names[i] === '') continue;
    const b = ledger.slot(info.code, i);
    if (!b) continue;
    slots.push({
      index: i,
      name: names[i],
      total: ledger.currencies.format(info.code, b.total),
      free: ledger.currencies.format(info.code, b.free),
      frozen: ledger.currencies.format(info.code, b.frozen),
    });
  }
  return { type: 'balance', data: { currency: info.code, slots } };
}
