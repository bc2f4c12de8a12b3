/**
 * The simulated engine's own types → the Venue's normalised types. The engine already speaks
 * ticks and lots; money leaves as exact decimal strings.
 */
import type { Instrument } from '../../core/instrument.js';
import type { DeskgateError } from '../../core/errors.js';
import { dgError } from '../../core/errors.js';
import type { BalanceView, OrderView } from '../sim/engine-types.js';
import type { BalanceEntry, VenueOrder, VenueOrderStatus } from '../venue.js';

export function simStatus(o: OrderView, changeType?: string): VenueOrderStatus {
  if (changeType === 'received') return 'received';
  if (o.status === 'done') return o.doneReason === 'filled' ? 'filled' : 'canceled';
  return o.filledSize > 0 ? 'partial' : 'open';
}

export function simOrder(o: OrderView, inst: Instrument, changeType?: string): VenueOrder {
  return {
    clientOrderId: o.clientOid,
    venueOrderId: o.orderId,
    instrument: inst,
    side: o.side === 'buy' ? 0 : 1,
    type: o.type,
    price: o.type === 'limit' ? o.price : undefined,
    size: o.size > 0 ? o.size : undefined,
    filledSize: o.filledSize,
    status: simStatus(o, changeType),
    ts: o.updatedAt,
  };
}

export function simBalance(b: BalanceView, fmt: (currency: string, units: number) => string): BalanceEntry {
  return {
    currency: b.currency,
    free: fmt(b.currency, b.available),
    used: fmt(b.currency, b.hold),
    total: fmt(b.currency, b.total),
  };
}

/** Engine reject codes → the Venue's stable codes (the engine's code stays in the detail). */
export function simError(e: DeskgateError): DeskgateError {
  const detail = `${e.code}: ${e.message}`;
  switch (e.code) {
    case 'DG_E_SIM_DUPLICATE_CLIENT_OID':
      return dgError('DG_E_VENUE_DUPLICATE_CLIENT_ID', detail);
    case 'DG_E_SIM_INSUFFICIENT_FUNDS':
      return dgError('DG_E_VENUE_INSUFFICIENT_FUNDS', detail);
    case 'DG_E_SIM_UNKNOWN_ORDER':
    case 'DG_E_SIM_ORDER_DONE':
      return dgError('DG_E_VENUE_UNKNOWN_ORDER', detail);
    case 'DG_E_SIM_UNKNOWN_SYMBOL':
      return dgError('DG_E_UNKNOWN_INSTRUMENT', detail);
    case 'DG_E_SIM_UNKNOWN_ACCOUNT':
      return dgError('DG_E_VENUE_AUTH', detail);
    default:
      return dgError('DG_E_VENUE_REJECTED', detail);
  }
}
