/**
 * Reconciliation (S4.2): compare the local ledger with the venue's balance snapshot and tell a
 * real drift from fills the venue had not yet counted when it took the snapshot.
 *
 * Per currency, with L = local total, V = venue total and d1…dn the total changes of the in-flight
 * fills (applied locally, sorted by time, newer than — or close to — the snapshot): the venue is
 * explained when V = L − (d_k + … + d_n) for some k (k = n+1: consistent, nothing in flight; the
 * snapshot may already include the oldest few fills at the boundary). Otherwise it is a drift of
 * V − (L − Σd) and the corrected local total is L + drift, applied to slot 1 (main) — never
 * silently to a strategy. If main cannot absorb a negative drift the record says so and nothing
 * changes. Pure: the kernel owns the schedule (`intervalMs`) and the venue call.
 */
import type { DeskgateError } from '../core/errors.js';
import { fillTotalDeltas, type LedgerFill, type VenueSnapshot } from './balances.js';
import type { SubAccounts } from './sub-accounts.js';

export const DEFAULT_RECONCILE_INTERVAL_MS = 60_000;

export interface ReconcileConfig {
  /** How often the kernel should reconcile (ms); default 60 000. */
  readonly intervalMs: number;
}

export function reconcileConfig(partial: Partial<ReconcileConfig> = {}): ReconcileConfig {
  const intervalMs = partial.intervalMs ?? DEFAULT_RECONCILE_INTERVAL_MS;
  if (!Number.isInteger(intervalMs) || intervalMs < 1000)
    throw new RangeError(`intervalMs must be an integer ≥ 1000, got ${intervalMs}`);
  return { intervalMs };
}

export type Verdict = 'consistent' | 'in_flight' | 'drift';

export interface ReconcileRecord {
  readonly currency: string;
  readonly verdict: Verdict;
  /** Local account total (minor units) before any correction. */
  readonly local: bigint;
  /** Venue total. */
  readonly venue: bigint;
  /** Σ total change of the in-flight fills that explain the difference (for a drift: of all of them). */
  readonly inFlight: bigint;
  /** Number of in-flight fills counted in `inFlight`. */
  readonly inFlightFills: number;
  /** venue − (local − inFlight); 0 unless verdict = drift. */
  readonly drift: bigint;
}

/** Pure assessment of every currency known locally or at the venue. */
export function assess(ledger: SubAccounts, venue: VenueSnapshot, inFlight: readonly LedgerFill[]): ReconcileRecord[] {
  const venueTotals = new Map<string, bigint>();
  for (const b of venue.balances) {
    const code = ledger.currencies.get(b.currency)?.code ?? b.currency.toUpperCase();
    venueTotals.set(code, (venueTotals.get(code) ?? 0n) + b.free + b.frozen);
  }
  const fills = [...inFlight].sort((a, b) => a.ts - b.ts);
  const perCurrency = new Map<string, bigint[]>();
  for (const f of fills) {
    for (const [c, d] of fillTotalDeltas(f)) {
      if (d === 0n) continue;
      let list = perCurrency.get(c);
      if (!list) perCurrency.set(c, (list = []));
      list.push(d);
    }
  }
  const codes = new Set<string>([...ledger.codes(), ...venueTotals.keys()]);
  const out: ReconcileRecord[] = [];
  for (const code of codes) {
    const local = ledger.currencies.get(code) ? (ledger.balances.get(code)?.total ?? 0n) : 0n;
    const v = venueTotals.get(code) ?? 0n;
    const deltas = perCurrency.get(code) ?? [];
    // suffix sums: drop the oldest k fills (the venue may already count them)
    let suffix = 0n;
    let explained: { sum: bigint; n: number } | undefined = v === local ? { sum: 0n, n: 0 } : undefined;
    for (let i = deltas.length - 1; i >= 0 && !explained; i--) {
      suffix += deltas[i];
      if (v === local - suffix) explained = { sum: suffix, n: deltas.length - i };
    }
    if (explained) {
      out.push({
        currency: code,
        verdict: explained.n === 0 ? 'consistent' : 'in_flight',
        local,
        venue: v,
        inFlight: explained.sum,
        inFlightFills: explained.n,
        drift: 0n,
      });
    } else {
      const all = deltas.reduce((a, b) => a + b, 0n);
      out.push({
        currency: code,
        verdict: 'drift',
        local,
        venue: v,
        inFlight: all,
        inFlightFills: deltas.length,
        drift: v - (local - all),
      });
    }
  }
  return out;
}

export interface Correction {
  readonly record: ReconcileRecord;
  readonly applied: boolean;
  /** Why it was not applied (main would go negative, unknown currency …). */
  readonly error?: DeskgateError;
}

export interface ReconcileReport {
  /** Venue snapshot time the run compared against. */
  readonly venueTs: number;
  readonly records: readonly ReconcileRecord[];
  readonly corrections: readonly Correction[];
}

/** Runs assessments, applies drift corrections to main and counts them. */
export class Reconciler {
  readonly config: ReconcileConfig;
  runs = 0;
  drifts = 0;
  corrected = 0;
  uncorrectable = 0;
  inFlightExplained = 0;

  constructor(config: Partial<ReconcileConfig> = {}) {
    this.config = reconcileConfig(config);
  }

  /** `inFlight`: fills applied locally after the venue snapshot's timestamp (the kernel's journal has them). */
  run(ledger: SubAccounts, venue: VenueSnapshot, inFlight: readonly LedgerFill[]): ReconcileReport {
    this.runs++;
    const records = assess(ledger, venue, inFlight);
    const corrections: Correction[] = [];
    for (const rec of records) {
      if (rec.verdict === 'in_flight') this.inFlightExplained++;
      if (rec.verdict !== 'drift') continue;
      this.drifts++;
      const r = ledger.correctMain(rec.currency, rec.drift);
      if (r.ok) {
        this.corrected++;
        corrections.push({ record: rec, applied: true });
      } else {
        this.uncorrectable++;
        corrections.push({ record: rec, applied: false, error: r.error });
      }
    }
    return { venueTs: venue.ts, records, corrections };
  }

  counters(): Record<string, number> {
    return {
      runs: this.runs,
      drifts: this.drifts,
      corrected: this.corrected,
      uncorrectable: this.uncorrectable,
      inFlightExplained: this.inFlightExplained,
    };
  }
}
