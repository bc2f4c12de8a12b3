/**
 * What the kernel writes to its journal, one JSON payload per entry (bigints as decimal strings).
 * Every input that changes the kernel's state is one of these, appended before it is applied; replay
 * applies the same entries in the same order and gets the same state (docs/gateway.md).
 *
 * kind `cmd` (from strategies) : register, allocate, release, adjust, place, cancel, query
 * kind `evt` (venue and kernel): init, start, currency, placed, place-rejected, place-timeout,
 *                                cancel-acked, cancel-rejected, cancel-timeout, order, fill, query,
 *                                disconnect, reconcile, release-init, fee
 * kind `err`                    : a refused command or an input the state could not take (skipped on replay;
 *                                `ref` = seq of the refused entry, which replay must refuse again)
 *
 * Every cmd/evt payload also carries `at`: the kernel's time when it applied the entry (replay's clock).
 */
import type { Side } from '../core/events.js';
import type { OrderType, TimeInForce, VenueOrderStatus } from '../venue/venue.js';

/** Journal format of the kernel's payloads. */
export const GATEWAY_JOURNAL_VERSION = 1;

export interface InitEntry {
  readonly version: number;
  /** Currency scales of the ledger (minor-unit decimals). */
  readonly scales: Readonly<Record<string, number>>;
  /** Venue balances at first start, minor units as strings. */
  readonly balances: readonly { readonly currency: string; readonly free: string; readonly frozen: string }[];
  /** Strategies known at first start: name → slot. */
  readonly strategies: Readonly<Record<string, number>>;
  readonly strategyCount: number;
  readonly ts: number;
}

export interface StartEntry {
  readonly epoch: number;
}

export interface CurrencyEntry {
  readonly code: string;
  readonly scale: number;
}

export interface RegisterEntry {
  readonly strategy: string;
  readonly index?: number;
}

export interface PlaceEntry {
  readonly clientId: string;
  readonly strategy: string;
  readonly symbol: string;
  readonly side: Side;
  readonly type: OrderType;
  /** Ticks (limit orders). */
  readonly price?: number;
  /** Lots. */
  readonly size: number;
  readonly tif?: TimeInForce;
  readonly postOnly?: boolean;
  /** The strategy-slot reservation taken for the order (minor units). */
  readonly reserve: { readonly currency: string; readonly amount: string };
}

export interface CancelEntry {
  readonly clientId: string;
  readonly strategy: string;
}

export interface ReplyEntry {
  readonly clientId: string;
  readonly venueOrderId?: string;
  readonly code?: string;
  readonly message?: string;
}

export interface OrderEntry {
  readonly clientId: string;
  readonly venueOrderId: string;
  readonly status: VenueOrderStatus;
  /** Venue's cumulative filled lots. */
  readonly filledSize: number;
  readonly ts: number;
}

export interface FillEntry {
  readonly clientId: string;
  readonly venueOrderId: string;
  readonly tradeId: string;
  readonly price: number;
  readonly size: number;
  /** Minor units of feeCurrency (ledger scale), as a string. */
  readonly fee: string;
  readonly feeCurrency: string;
  readonly liquidity?: 'maker' | 'taker';
  readonly ts: number;
}

/**
 * The real fee of one execution, learnt from the venue's REST fills where its private stream has no
 * fees (KuCoin): charged to the order's strategy slot, at most once per (order, tradeId).
 */
export interface FeeEntry {
  readonly clientId: string;
  readonly tradeId: string;
  /** Lots of this execution (the kernel counts an order's fees complete when they cover its fills). */
  readonly size: number;
  /** Minor units of feeCurrency (ledger scale), as a string; negative = rebate. */
  readonly fee: string;
  readonly feeCurrency: string;
  /** Venue time of the execution (ms): orders the fee among in-flight fills at reconciliation. */
  readonly ts: number;
}

export interface QueryEntry {
  readonly clientId: string;
  readonly found: boolean;
  readonly venueOrderId?: string;
  readonly status?: 'open' | 'filled' | 'canceled' | 'expired' | 'rejected';
  readonly filledSize?: number;
  /** tick·lot units as a string. */
  readonly filledNotional?: string;
  readonly asOf?: number;
}

export interface ReconcileEntry {
  /** Local time the venue read was started. */
  readonly venueTs: number;
  readonly records: readonly {
    readonly currency: string;
    readonly verdict: string;
    readonly local: string;
    readonly venue: string;
    readonly inFlightFills: number;
    readonly drift: string;
  }[];
  /** Drift corrections applied to main (slot 1), minor units. */
  readonly corrections: readonly { readonly currency: string; readonly drift: string }[];
}

export interface ReleaseInitEntry {
  readonly currencies: readonly string[];
}

export interface ErrEntry {
  readonly cmd: string;
  readonly code: string;
  readonly message: string;
  /** Seq of the entry that failed to apply, if it was journaled. */
  readonly ref?: number;
  /** The refused payload, truncated. */
  readonly payload?: string;
}

/** Payload text for an `err` entry: at most 512 characters of the refused input. */
export function truncatedPayload(raw: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(raw, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? 'undefined';
  } catch {
    text = '[unserialisable]';
  }
  return text.length > 512 ? `${text.slice(0, 509)}...` : text;
}
