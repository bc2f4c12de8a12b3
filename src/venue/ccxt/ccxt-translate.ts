/**
 * ccxt's unified structures (Order, Trade, Balances) → the Venue's normalised types. Every field is
 * checked: a missing id, unknown status or off-grid number is DG_E_VENUE_BAD_REPLY, never guessed.
 */
import type { Balances, Order, Trade } from 'ccxt';
import { dgError } from '../../core/errors.js';
import type { Instrument } from '../../core/instrument.js';
import type { BalanceEntry, FillEvent, VenueOrder, VenueOrderStatus } from '../venue.js';
import { moneyText, unitsOf } from './ccxt-numbers.js';

const bad = (why: string) => dgError('DG_E_VENUE_BAD_REPLY', why);

function idText(v: unknown, what: string): string {
  if (typeof v === 'number' && Number.isSafeInteger(v)) return String(v);
  if (typeof v !== 'string' || v.length === 0 || v.length > 128) throw bad(`${what} missing`);
  return v;
}

function sideOf(v: unknown): 0 | 1 {
  if (v === 'buy') return 0;
  if (v === 'sell') return 1;
  throw bad(`side ${String(v)}`);
}

function statusOf(s: unknown, filled: number): VenueOrderStatus {
  switch (s) {
    case 'open':
      return filled > 0 ? 'partial' : 'open';
    case 'closed':
      return 'filled';
    case 'canceled':
    case 'expired':
      return 'canceled';
    case 'rejected':
      return 'rejected';
    default:
      throw bad(`order status ${String(s)}`);
  }
}

export function ccxtOrder(o: Order, inst: Instrument, now: number): VenueOrder {
  const id = idText(o.id, 'order id');
  const filled = o.filled === undefined || o.filled === null ? 0 : unitsOf(o.filled, inst.size, 'filled');
  const type = o.type === 'market' ? 'market' : o.type === 'limit' ? 'limit' : undefined;
  if (!type) throw bad(`order type ${String(o.type)}`);
  const amount =
    o.amount === undefined || o.amount === null || o.amount === 0 ? undefined : unitsOf(o.amount, inst.size, 'amount');
  if (amount !== undefined && filled > amount) throw bad(`order ${id} filled ${filled} > amount ${amount} lots`);
  let status = statusOf(o.status, filled);
  // A closed order whose size is known but not reached is venue-cancelled with partial fills.
  if (status === 'filled' && amount !== undefined && filled < amount) status = 'canceled';
  return {
    clientOrderId: typeof o.clientOrderId === 'string' && o.clientOrderId.length > 0 ? o.clientOrderId : undefined,
    venueOrderId: id,
    instrument: inst,
    side: sideOf(o.side),
    type,
    price:
      type === 'limit' && typeof o.price === 'number' && o.price > 0
        ? unitsOf(o.price, inst.price, 'price')
        : undefined,
    size: amount,
    filledSize: filled,
    status,
    ts:
      typeof o.lastUpdateTimestamp === 'number'
        ? o.lastUpdateTimestamp
        : typeof o.timestamp === 'number'
          ? o.timestamp
          : now,
  };
}

export function ccxtFill(t: Trade, inst: Instrument, now: number): FillEvent {
  const fee =
    t.fee && typeof t.fee.currency === 'string' && typeof t.fee.cost === 'number'
      ? { currency: t.fee.currency, amount: moneyText(t.fee.cost) }
      : undefined;
  const size = unitsOf(t.amount, inst.size, 'trade amount');
  if (size <= 0) throw bad('trade amount must be positive');
  return {
    type: 'fill',
    instrument: inst,
    clientOrderId: undefined,
    venueOrderId: idText(t.order, 'trade order id'),
    tradeId: idText(t.id, 'trade id'),
    side: sideOf(t.side),
    price: unitsOf(t.price, inst.price, 'trade price'),
    size,
    fee,
    liquidity: t.takerOrMaker === 'maker' || t.takerOrMaker === 'taker' ? t.takerOrMaker : undefined,
    ts: typeof t.timestamp === 'number' ? t.timestamp : now,
  };
}

const NOT_CURRENCIES = new Set(['info', 'free', 'used', 'total', 'timestamp', 'datetime', 'debt']);

/** Per-currency entries of a ccxt Balances structure (sorted by currency). */
export function ccxtBalances(b: Balances): BalanceEntry[] {
  // ccxt keeps the venue's parsed reply in `info`; a reply that was not JSON (an HTML error page)
  // would otherwise read as "no balances at all".
  const info: unknown = (b as { info?: unknown }).info;
  if (typeof info !== 'object' || info === null) throw bad('balance reply is not a JSON object');
  const out: BalanceEntry[] = [];
  for (const [k, v] of Object.entries(b)) {
    if (NOT_CURRENCIES.has(k) || typeof v !== 'object' || v === null) continue;
    const acc = v as { free?: unknown; used?: unknown; total?: unknown };
    if (acc.total === undefined && acc.free === undefined) continue;
    out.push({ currency: k, free: moneyText(acc.free), used: moneyText(acc.used), total: moneyText(acc.total) });
  }
  out.sort((a, c) => (a.currency < c.currency ? -1 : a.currency > c.currency ? 1 : 0));
  return out;
}
