/** Small builders shared by the oms tests (test-only). */
import { ManualClock } from '../../src/core/clock.js';
import type { FeedEvent, VenueFill } from '../../src/oms/order-io.js';
import { OrderTracker, type OrderTrackerOptions } from '../../src/oms/order-tracker.js';

export function makeTracker(opts: Partial<OrderTrackerOptions> = {}): { tracker: OrderTracker; clock: ManualClock } {
  const clock = new ManualClock(1_700_000_000_000);
  return { tracker: new OrderTracker({ clock, ...opts }), clock };
}

export function fill(tradeId: string, price: number, size: number, ts = 1_700_000_000_000, fee = 1n): VenueFill {
  return { tradeId, price, size, fee, feeCurrency: 'USDT', liquidity: 'maker', ts };
}

export function feedFill(venueOrderId: string, f: VenueFill, clientId?: string): FeedEvent {
  return clientId === undefined
    ? { kind: 'fill', venueOrderId, fill: f }
    : { kind: 'fill', venueOrderId, clientId, fill: f };
}

export function accepted(venueOrderId: string, clientId?: string, ts = 1_700_000_000_000): FeedEvent {
  return clientId === undefined
    ? { kind: 'accepted', venueOrderId, ts }
    : { kind: 'accepted', venueOrderId, clientId, ts };
}

export function done(
  venueOrderId: string,
  reason: 'filled' | 'canceled' | 'expired',
  ts = 1_700_000_000_000,
): FeedEvent {
  return { kind: 'done', venueOrderId, reason, ts };
}
