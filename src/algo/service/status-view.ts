/**
 * The status view of one parent order (REST, WS, CLI): sizes and prices as exact decimal strings
 * at the edge (core/decimal.ts fromUnits), progress against the linear schedule, and a per-child
 * table. Average prices have the one format of the algos (tca-decimal.ts averagePriceText): the
 * exact rational rounded half away from zero to 4 places finer than the tick, the same string the
 * TCA shows. A parent done 'below-minimum' shows what it could not place (`remainder`) beside the
 * instrument's minimum order (`minSize`).
 */
import { fromUnits } from '../../core/decimal.js';
import type { Instrument } from '../../core/instrument.js';
import { averagePriceText } from '../tca-decimal.js';
import type { RunnerSnapshot, RunnerStatus } from '../runner.js';
import type { TcaReport } from '../tca.js';
import type { AlgoMode, ChildTag, ParentSpec } from '../types.js';

export interface AlgoChildView {
  readonly clientId: string;
  readonly tag: ChildTag;
  readonly type: 'limit' | 'market';
  readonly price: string | null;
  readonly size: string;
  readonly filled: string;
  readonly avgPrice: string | null;
  readonly open: boolean;
  readonly cancelling: boolean;
  readonly placedAt: number;
  readonly round: number;
}

export interface AlgoProgress {
  /** Filled share of the parent, 0..1. */
  readonly filledRatio: number;
  /** Share of the schedule's time elapsed, 0..1 (null for an iceberg: no schedule). */
  readonly timeRatio: number | null;
  /** What the linear schedule has due by now (decimal size; null for an iceberg). */
  readonly scheduled: string | null;
  /** filled − scheduled (decimal, negative = behind; null for an iceberg). */
  readonly ahead: string | null;
}

export interface AlgoView {
  readonly id: number;
  readonly strategy: string;
  /** The client's idempotency key of the start (null when it gave none). */
  readonly clientAlgoId: string | null;
  readonly symbol: string;
  readonly side: 'buy' | 'sell';
  readonly mode: AlgoMode;
  readonly size: string;
  readonly filled: string;
  readonly remaining: string;
  /**
   * Status 'done' with reason 'below-minimum': the unfilled size, below the instrument's minimum
   * order (`minSize`), that no child could be placed for. Null in every other state.
   */
  readonly remainder: string | null;
  /** The instrument's minimum order size (decimal). */
  readonly minSize: string;
  readonly avgPrice: string | null;
  readonly status: RunnerStatus;
  /** Status 'done': 'filled' | 'below-minimum' | 'expired'; paused / cancelled: why (free text). */
  readonly reason: string | null;
  readonly createdAt: number;
  readonly startAt: number;
  readonly endAt: number;
  readonly nextAt: number | null;
  readonly round: number;
  readonly progress: AlgoProgress;
  readonly openChildren: number;
  readonly children: readonly AlgoChildView[];
  /** Transaction-cost analysis (src/algo/tca.ts), in the one-parent view only; null before the arrival mid is known. */
  readonly tca?: TcaReport | null;
}

export interface ViewInput {
  readonly id: number;
  readonly strategy: string;
  readonly clientAlgoId: string | undefined;
  readonly inst: Instrument;
  readonly spec: ParentSpec;
  readonly createdAt: number;
  readonly snapshot: RunnerSnapshot;
  readonly now: number;
}

function avg(inst: Instrument, filled: number, notional: number): string | null {
  return averagePriceText(notional, filled, inst.price);
}

export function algoView(v: ViewInput): AlgoView {
  const { inst, spec, snapshot: s } = v;
  const lots = (n: number): string => fromUnits(n, inst.size);
  const twap = spec.params.mode !== 'iceberg';
  const span = spec.endAt - spec.startAt;
  const timeRatio = twap ? (span <= 0 ? 1 : Math.min(1, Math.max(0, (v.now - spec.startAt) / span))) : null;
  const scheduled = timeRatio === null ? null : Math.min(spec.size, Math.floor(spec.size * timeRatio));
  const children: AlgoChildView[] = s.children.map((c) => ({
    clientId: c.clientId,
    tag: c.tag,
    type: c.type,
    price: c.price === undefined ? null : fromUnits(c.price, inst.price),
    size: lots(c.size),
    filled: lots(c.filled),
    avgPrice: avg(inst, c.filled, c.filledNotional),
    open: c.open,
    cancelling: c.cancelling,
    placedAt: c.placedAt,
    round: c.round,
  }));
  const live = s.status === 'running' || s.status === 'paused';
  return {
    id: v.id,
    strategy: v.strategy,
    clientAlgoId: v.clientAlgoId ?? null,
    symbol: inst.symbol,
    side: spec.side,
    mode: spec.params.mode,
    size: lots(spec.size),
    filled: lots(s.filled),
    remaining: lots(Math.max(0, spec.size - s.filled)),
    remainder: s.status === 'done' && typeof s.remainder === 'number' ? lots(s.remainder) : null,
    minSize: lots(spec.minLots),
    avgPrice: avg(inst, s.filled, s.filledNotional),
    status: s.status,
    reason: s.reason ?? null,
    createdAt: v.createdAt,
    startAt: spec.startAt,
    endAt: spec.endAt,
    nextAt: live ? s.state.nextAt : null,
    round: s.state.round,
    progress: {
      filledRatio: spec.size > 0 ? s.filled / spec.size : 0,
      timeRatio,
      scheduled: scheduled === null ? null : lots(scheduled),
      ahead: scheduled === null ? null : lots(s.filled - scheduled),
    },
    openChildren: s.children.filter((c) => c.open).length,
    children,
  };
}
