/**
 * Normalised inputs to and outputs from the OrderTracker. Venue adapters translate their wire
 * messages into these (prices in integer ticks, sizes in integer lots, fees in integer minor units
 * of the fee currency as bigint); the tracker validates every field again at runtime.
 */
import type { DeskgateError } from '../core/errors.js';
import type { Side } from '../core/events.js';
import type { OrderEvent, OrderState } from './order-states.js';

/** The submit command: the gateway is about to send this order. */
export interface NewOrder {
  readonly clientId: string;
  readonly strategy: string;
  /** Instrument handle (core/instrument.ts). */
  readonly instrument: number;
  readonly side: Side;
  /** Limit price in ticks; absent for a market order. */
  readonly price?: number;
  /** Order size in lots; absent for an order sized by funds (market buy by quote amount). */
  readonly size?: number;
}

/** One venue trade of one own order. */
export interface VenueFill {
  /** Venue trade id: the dedupe key (same id twice = one fill). */
  readonly tradeId: string;
  readonly price: number;
  readonly size: number;
  /** Fee in integer minor units of `feeCurrency` (negative = rebate). */
  readonly fee: bigint;
  readonly feeCurrency: string;
  readonly liquidity?: 'maker' | 'taker';
  /** Venue time of the trade (ms). */
  readonly ts: number;
}

/** Private-feed events for one order, keyed by the venue order id (clientId when the venue says it). */
export type FeedEvent =
  | { readonly kind: 'accepted'; readonly venueOrderId: string; readonly clientId?: string; readonly ts: number }
  | { readonly kind: 'fill'; readonly venueOrderId: string; readonly clientId?: string; readonly fill: VenueFill }
  | {
      readonly kind: 'done';
      readonly venueOrderId: string;
      readonly clientId?: string;
      readonly reason: 'filled' | 'canceled' | 'expired';
      readonly ts: number;
    };

export interface FeeTotal {
  readonly currency: string;
  readonly amount: bigint;
}

/** Venue status as a REST query by client order id reports it. */
export type QueriedStatus = 'open' | 'filled' | 'canceled' | 'expired' | 'rejected';

/**
 * Result of asking the venue about one order by client order id (or any REST read of the order:
 * the reconciliation path uses the same shape).
 */
export type QueryResult =
  | { readonly clientId: string; readonly found: false }
  | {
      readonly clientId: string;
      readonly found: true;
      readonly venueOrderId: string;
      readonly status: QueriedStatus;
      /** Venue's cumulative filled size (lots). */
      readonly filledSize: number;
      /** Venue's cumulative Σ price×size in tick·lot units (exact). */
      readonly filledNotional: bigint;
      /** Venue's cumulative fees per currency, when it reports them. */
      readonly fees?: readonly FeeTotal[];
      /** The individual fills, when the venue lists them (preferred: deduped by trade id). */
      readonly fills?: readonly VenueFill[];
      /** Venue time the totals are as of (ms): later feed fills with ts ≤ asOf are already counted. */
      readonly asOf: number;
    };

export type FillSource = 'feed' | 'rest' | 'catch-up';

/** A fill as the tracker records and publishes it. */
export interface FillRecord {
  readonly clientId: string;
  /** Venue trade id; catch-up records get `catchup:<clientId>:<n>`. */
  readonly tradeId: string;
  /** Price in ticks; for a catch-up record the floor of notional / size (the exact value is `notional`). */
  readonly price: number;
  readonly size: number;
  /** price × size in tick·lot units, exact. */
  readonly notional: bigint;
  readonly fees: readonly FeeTotal[];
  readonly source: FillSource;
  /** A catch-up record made from venue totals, not a venue trade. */
  readonly synthetic: boolean;
  /**
   * A real trade that an earlier catch-up record already counted: recorded (so its trade id is
   * deduped) but adds nothing to the order's totals. Consumers must not apply it again.
   */
  readonly covered: boolean;
  readonly liquidity: 'maker' | 'taker' | undefined;
  readonly ts: number;
}

/** Read-only view of one tracked order. */
export interface OrderView {
  readonly handle: number;
  readonly clientId: string;
  readonly strategy: string;
  readonly instrument: number;
  readonly side: Side;
  readonly price: number | undefined;
  readonly size: number | undefined;
  readonly state: OrderState;
  readonly venueOrderId: string | undefined;
  readonly filledSize: number;
  /** Σ price×size over counted fills (tick·lot units). Average price = filledNotional / filledSize ticks. */
  readonly filledNotional: bigint;
  readonly fees: readonly FeeTotal[];
  readonly cancelRequested: boolean;
  readonly createdAt: number;
  readonly updatedAt: number;
  /** Number of state or amount changes applied (starts at 1 on submit). */
  readonly version: number;
}

export type OmsOutput =
  | {
      readonly type: 'order';
      readonly event: OrderEvent | 'submit';
      readonly prev: OrderState | undefined;
      readonly order: OrderView;
    }
  | { readonly type: 'fill'; readonly strategy: string; readonly fill: FillRecord };

/** What every tracker call returns: outputs to publish, and errors to journal (already counted). */
export interface OmsResult {
  readonly ok: boolean;
  readonly outputs: readonly OmsOutput[];
  readonly errors: readonly DeskgateError[];
  /** The event was held until its venue order id is linked to a client order id. */
  readonly buffered?: boolean;
}
