/**
 * Test builders for the algo decision core: parents, books, bars, children and one-round calls.
 * Plain data only; the scripted executor and market for the runner live in runner.test.ts.
 */
import { defaultParams, parseAlgoParams } from '../../../src/algo/params.js';
import { decide, initialState } from '../../../src/algo/decide.js';
import type {
  AlgoAction,
  AlgoBar,
  AlgoCoreState,
  AlgoLevel,
  AlgoMode,
  AlgoParams,
  ChildView,
  Decision,
  MarketSnapshot,
  ParentSpec,
} from '../../../src/algo/types.js';

export const T0 = 1_700_000_000_000;
export const HOUR = 3_600_000;

export function params(mode: AlgoMode, raw: Record<string, unknown> = {}): AlgoParams {
  if (mode !== 'iceberg' && Object.keys(raw).length === 0) return defaultParams(mode);
  const r = parseAlgoParams(mode, raw);
  if (!r.ok) throw r.error;
  return r.value.params;
}

export function spec(over: Partial<ParentSpec> & { mode?: AlgoMode; raw?: Record<string, unknown> } = {}): ParentSpec {
  const { mode = 'progressive', raw = {}, ...rest } = over;
  return {
    side: 'buy',
    size: 1_000_000,
    startAt: T0,
    endAt: T0 + HOUR,
    minLots: 1,
    params: params(mode, raw),
    seed: 12345,
    ...rest,
  };
}

/** Levels from a best price outward, one tick apart (dir +1 for asks, −1 for bids). */
export function ladder(best: number, sizes: readonly number[], dir: 1 | -1): AlgoLevel[] {
  return sizes.map((s, i) => [best + dir * i, s] as const);
}

export function bars(volumes: readonly number[], price = 10_000, endAt = T0): AlgoBar[] {
  return volumes.map((v, i) => ({
    start: endAt - (volumes.length - i) * 60_000,
    open: price,
    high: price,
    low: price,
    close: price,
    volume: v,
  }));
}

export function flatBars(n: number, volume: number, price = 10_000, endAt = T0): AlgoBar[] {
  return bars(
    Array.from({ length: n }, () => volume),
    price,
    endAt,
  );
}

export function market(over: Partial<MarketSnapshot> = {}): MarketSnapshot {
  return {
    now: T0 + HOUR / 2,
    bids: ladder(9_999, [10, 10, 10, 10, 10], -1),
    asks: ladder(10_000, [10, 10, 10, 10, 10], 1),
    bars: flatBars(60, 1_000_000),
    ...over,
  };
}

export function child(over: Partial<ChildView> & { clientId: string }): ChildView {
  return {
    tag: 'trade',
    side: 'buy',
    type: 'limit',
    price: 10_000,
    size: 10,
    filled: 0,
    filledNotional: 0,
    placedAt: T0,
    round: 1,
    open: true,
    cancelling: false,
    ...over,
  };
}

export interface RoundInput {
  spec?: ParentSpec;
  state?: AlgoCoreState;
  market?: MarketSnapshot;
  children?: readonly ChildView[];
}

export function round(input: RoundInput = {}): Decision {
  const s = input.spec ?? spec();
  const children = input.children ?? [];
  const filled = children.reduce((a, c) => a + c.filled, 0);
  const st = input.state ?? { ...initialState(s), round: 1 };
  return decide({ spec: s, state: st, market: input.market ?? market(), children, filled });
}

export type Place = Extract<AlgoAction, { kind: 'place' }>;
export type Cancel = Extract<AlgoAction, { kind: 'cancel' }>;
export const places = (d: Decision): Place[] => d.actions.filter((a): a is Place => a.kind === 'place');
export const cancels = (d: Decision): Cancel[] => d.actions.filter((a): a is Cancel => a.kind === 'cancel');
export const tagged = (d: Decision, tag: string): Place[] => places(d).filter((p) => p.tag === tag);
