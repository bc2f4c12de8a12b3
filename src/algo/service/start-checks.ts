/**
 * The checks of a start request that need the instrument and the ledger (the schema is
 * start-request.ts, the per-mode parameters src/algo/params.ts): decimals → lots and ticks, the
 * parent spec, and whether the strategy's slot can fund the whole parent.
 */
import { fromUnits, toUnits } from '../../core/decimal.js';
import { dgError, isDeskgateError, type DeskgateError } from '../../core/errors.js';
import type { Instrument } from '../../core/instrument.js';
import { reservationOf } from '../../gateway/amounts.js';
import type { CurrencyBook } from '../../ledger/currencies.js';
import type { SubAccounts } from '../../ledger/sub-accounts.js';
import { buildParentSpec } from '../params.js';
import type { RunnerSnapshot } from '../runner.js';
import { execFail, type ExecResult, type ParentSpec } from '../types.js';
import type { StartRequest } from './start-request.js';

/** Edge → core units (size in lots; iceberg display size in lots, limit price in ticks) → ParentSpec. */
export function specOf(req: StartRequest, inst: Instrument, now: number): ExecResult<ParentSpec> {
  let size: number;
  try {
    size = toUnits(req.size, inst.size);
  } catch (e) {
    const why = isDeskgateError(e) ? `${e.code}${e.detail ? ` ${e.detail}` : ''}` : 'not a decimal';
    return execFail(
      dgError('DG_E_ALGO_BAD_SIZE', `size: ${req.size} is not on the ${inst.symbol} lot grid ${inst.lotSize} (${why})`),
    );
  }
  const params: Record<string, unknown> = { ...req.params };
  if (req.mode === 'iceberg') {
    for (const [key, inc] of [
      ['displaySize', inst.size],
      ['limitPrice', inst.price],
    ] as const) {
      const v = params[key];
      if (v === undefined) continue;
      if (typeof v !== 'string' && typeof v !== 'number')
        return execFail(dgError('DG_E_ALGO_BAD_PARAMS', `params.${key}: want a decimal`));
      try {
        params[key] = toUnits(String(v), inc);
      } catch (e) {
        const why = isDeskgateError(e) ? e.code : 'not a decimal';
        return execFail(dgError('DG_E_ALGO_BAD_PARAMS', `params.${key}: ${String(v)} is not on the grid (${why})`));
      }
    }
  }
  return buildParentSpec(
    {
      mode: req.mode,
      side: req.side,
      size,
      ...(req.endAt !== undefined ? { endAt: req.endAt } : {}),
      ...(req.durationMs !== undefined ? { durationMs: req.durationMs } : {}),
      ...(req.seed !== undefined ? { seed: req.seed } : {}),
      params,
    },
    { minLots: inst.minLots },
    now,
  );
}

/** Worst price (ticks) a buy parent may reserve at: its limit price, else best ask × (1 + capPct). */
export function buyCap(spec: ParentSpec, bestAsk: number | undefined, capPct: number): number | undefined {
  if (spec.params.mode === 'iceberg' && spec.params.p.limitPrice !== undefined) return spec.params.p.limitPrice;
  if (bestAsk === undefined) return undefined;
  return Math.ceil(bestAsk * (1 + capPct));
}

/** Lots of a parent not yet filled and not resting in an open child. */
export function unplaced(s: RunnerSnapshot, size: number): number {
  let open = 0;
  for (const c of s.children) if (c.open) open += Math.max(0, c.size - c.filled);
  return Math.max(0, size - s.filled - open);
}

/** Another live parent of the same strategy: what it still has to place counts as committed. */
export interface Commitment {
  readonly inst: Instrument;
  readonly spec: ParentSpec;
  readonly snapshot: RunnerSnapshot;
  /** Its market's last best ask (ticks), for the cap of a buy. */
  readonly bestAsk: number | undefined;
}

export interface FundsInput {
  readonly ledger: SubAccounts;
  readonly book: CurrencyBook;
  readonly strategy: string;
  readonly slot: number;
  readonly inst: Instrument;
  readonly spec: ParentSpec;
  readonly bestAsk: number | undefined;
  readonly capPct: number;
  readonly others: readonly Commitment[];
}

/**
 * The parent's whole size must be coverable by the slot's free funds, less what the other live
 * parents of the same strategy and side still have to place (their open children already hold
 * their reservations in the ledger).
 */
export function checkFunds(o: FundsInput): DeskgateError | undefined {
  const { book, inst, spec } = o;
  const side = spec.side === 'buy' ? 0 : 1;
  const cap = side === 0 ? buyCap(spec, o.bestAsk, o.capPct) : 0;
  if (cap === undefined) return dgError('DG_E_ALGO_MARKET_UNAVAILABLE', `${inst.symbol}: no ask to price the buy`);
  const need = reservationOf(book, inst, side, cap, spec.size);
  if (!need.ok) return need.error;
  let committed = 0n;
  for (const p of o.others) {
    if (p.spec.side !== spec.side) continue;
    const lots = unplaced(p.snapshot, p.spec.size);
    const c = side === 0 ? buyCap(p.spec, p.bestAsk, o.capPct) : 0;
    if (lots === 0 || c === undefined) continue;
    const r = reservationOf(book, p.inst, side, c, lots);
    if (r.ok && r.currency === need.currency) committed += r.amount;
  }
  const free = o.ledger.slot(need.currency, o.slot)?.free ?? 0n;
  if (need.amount + committed <= free) return undefined;
  const f = (u: bigint): string => (book.get(need.currency) ? book.format(need.currency, u) : u.toString());
  const at = side === 0 ? ` at the cap ${fromUnits(cap, inst.price)}` : '';
  return dgError(
    'DG_E_LEDGER_INSUFFICIENT',
    `size ${fromUnits(spec.size, inst.size)} ${inst.symbol} ${spec.side} needs ${f(need.amount)} ${need.currency}${at}; ` +
      `slot ${o.strategy} has ${f(free)} free${committed > 0n ? `, ${f(committed)} of it committed to running algos` : ''}`,
  );
}
