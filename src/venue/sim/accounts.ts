/**
 * Accounts of the simulated exchange: per-currency available/hold balances in integer minor
 * units (indexed by currency handle), fee rates in ppm (1 bps = 100 ppm), and the account's
 * active orders, clientOid index and bounded done-order / fill histories.
 */
import { Ring } from './ring.js';
import type { FillView } from './engine-types.js';
import type { SimOrder } from './order-book.js';

export class SimAccount {
  readonly id: string;
  readonly handle: number;
  readonly available: number[] = [];
  readonly hold: number[] = [];
  makerPpm: number;
  takerPpm: number;
  /** Active orders by id, insertion order = oldest first. */
  readonly active = new Map<string, SimOrder>();
  /** clientOid → order, for active and remembered done orders. */
  readonly byClientOid = new Map<string, SimOrder>();
  readonly done: Ring<SimOrder>;
  readonly fills: Ring<FillView>;

  constructor(id: string, handle: number, makerPpm: number, takerPpm: number, doneCap: number, fillCap: number) {
    this.id = id;
    this.handle = handle;
    this.makerPpm = makerPpm;
    this.takerPpm = takerPpm;
    this.done = new Ring<SimOrder>(doneCap);
    this.fills = new Ring<FillView>(fillCap);
  }

  avail(c: number): number {
    return this.available[c] ?? 0;
  }

  held(c: number): number {
    return this.hold[c] ?? 0;
  }
}

/** Exact fee: ceil(amount × ppm / 1e6) for a safe-integer amount and 0 ≤ ppm ≤ 1e6. */
export function feeOf(amount: number, ppm: number): number {
  if (ppm === 0 || amount === 0) return 0;
  const q = Math.floor(amount / 1_000_000);
  const r = amount - q * 1_000_000;
  return q * ppm + Math.floor((r * ppm + 999_999) / 1_000_000);
}

/** Basis points (0.01 resolution) → ppm, exact; throws RangeError otherwise. */
export function bpsToPpm(bps: number): number {
  const ppm = Math.round(bps * 100);
  if (!Number.isFinite(bps) || bps < 0 || bps > 10_000 || Math.abs(ppm - bps * 100) > 1e-6) {
    throw new RangeError(`fee ${bps} bps: must be 0…10000 with at most 2 decimals`);
  }
  return ppm;
}
