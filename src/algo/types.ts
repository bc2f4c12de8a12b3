/**
 * Execution algorithms (S2.13): the types shared by the pure decision core (decide), the runner
 * that drives one parent order, the gateway's algo service and the evaluation bench.
 *
 * Units, as everywhere inside deskgate: prices are integer ticks and sizes integer lots of the
 * parent's instrument; times are clock milliseconds. Everything here is plain data (JSON-safe),
 * so a parent's state can be journaled after every round and restored after a restart.
 */
import type { DeskgateError } from '../core/errors.js';

export type AlgoMode = 'progressive' | 'aggressive' | 'passive' | 'iceberg';
export type AlgoSideText = 'buy' | 'sell';

/** One aggregated book level: [price ticks, size lots]. */
export type AlgoLevel = readonly [price: number, size: number];

/** One closed one-minute bar (ticks, lots), `start` = open time ms. */
export interface AlgoBar {
  readonly start: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
}

/** What the decision core sees of the market at one instant. */
export interface MarketSnapshot {
  readonly now: number;
  /** Best first; as many levels as the source has, up to 30 (the rules read 5 and 30). */
  readonly bids: readonly AlgoLevel[];
  readonly asks: readonly AlgoLevel[];
  /** Closed one-minute bars, oldest first, up to the last 60. */
  readonly bars: readonly AlgoBar[];
}

/** Which sub-logic placed a child (for the TCA's per-child table and the rule tests). */
export type ChildTag =
  | 'trade' // progressive place_on_trade (taker at level prices)
  | 'orderbook' // progressive place_on_orderbook (maker at the mid)
  | 'probe' // progressive place_on_spread probe (best bid + 1 tick)
  | 'fallback' // progressive: probe unfilled → place_on_trade logic
  | 'big' // aggressive big-order logic
  | 'regular' // aggressive regular logic
  | 'passive' // passive maker quote
  | 'slice' // iceberg visible slice
  | 'finish' // the finish-up rule
  | 'naive'; // the naive equal-slice market TWAP (evaluation baseline only)

/** A child order as the core sees it. */
export interface ChildView {
  readonly clientId: string;
  readonly tag: ChildTag;
  readonly side: AlgoSideText;
  readonly type: 'limit' | 'market';
  /** Limit price (ticks); undefined for a market child. */
  readonly price: number | undefined;
  readonly size: number;
  readonly filled: number;
  /** Sum of price × lots over its fills (ticks·lots), for average prices. */
  readonly filledNotional: number;
  readonly placedAt: number;
  /** The round that placed it. */
  readonly round: number;
  /** False once the venue says it is done (filled, cancelled, rejected). */
  readonly open: boolean;
  /** A cancel was sent and not yet confirmed. */
  readonly cancelling: boolean;
}

/** What the core asks the runner to do. Sizes are whole lots ≥ the instrument's minimum. */
export type AlgoAction =
  | {
      readonly kind: 'place';
      readonly tag: ChildTag;
      readonly type: 'limit' | 'market';
      readonly price?: number;
      readonly size: number;
      readonly postOnly?: boolean;
      readonly tif?: 'GTC' | 'IOC';
    }
  | {
      readonly kind: 'cancel';
      readonly clientId: string;
      readonly reason: 'timeout' | 'far' | 'reprice' | 'finish' | 'parent';
    };

/** Finish-up rule: what happens to the remainder near the end time. */
export interface FinishUpParams {
  /**
   * 'take': in the last `windowMs`, take the unfilled remainder with marketable limit children
   * (capped by the price limit); 'none': leave it unfilled (TCA marks it at the end mid).
   */
  readonly mode: 'take' | 'none';
  readonly windowMs: number;
  /**
   * The finish-up children's price cap: mid × (1 ± priceLimitPct). Optional (added by H1); when
   * absent the core uses the progressive priceLimitPct, or 0.10 for the other modes.
   */
  readonly priceLimitPct?: number;
}

/** Schedule guards shared by every TWAP mode (linear schedule start → end). */
export interface ScheduleParams {
  /** May be ahead of the linear schedule by this much time (filled + open ≤ schedule(now + aheadMs)). */
  readonly aheadMs: number;
  readonly finishUp: FinishUpParams;
}

export interface ProgressiveParams extends ScheduleParams {
  readonly roundMinMs: number; // 4000
  readonly roundMaxMs: number; // 6000
  readonly tradeLevels: number; // 5
  readonly priceLimitPct: number; // 0.10 (price_limit = mid × (1 + 10 %))
  readonly thresholdBars: number; // 30 (median of the last 30 one-minute volumes …)
  readonly thresholdFactor: number; // 0.01 (… × 0.01 = threshold_vlm)
  readonly maxVlmLevels: number; // 30 (max_vlm_each_trade = (Σ30 bids + Σ30 asks) / 30 / 2)
  readonly orderbookLevels: number; // 5
  readonly spreadTicks: number; // 5
  readonly childTimeoutMs: number; // 5000 (300 000 when not set)
  readonly farLevel: number; // 5 (a buy below the 5th bid level is cancelled)
}

export interface AggressiveParams extends ScheduleParams {
  /** price_ceil = best ask × (1 + ceilBaseBps + ceilSpreadMult × spread/ask + ceilMoveMult × max(0, 2-min move)) */
  readonly ceilBaseBps: number;
  readonly ceilSpreadMult: number;
  readonly ceilMoveMult: number;
  readonly moveWindowMs: number; // 120 000
  readonly bars: number; // 60
  readonly windowBars: number; // 5 (5-minute windows)
  readonly bigLevels: number; // 5
  readonly bigMinIntervalMs: number; // 5000 (× max(1, nLevelVol / ema_vol))
  readonly bigMaxIntervalMs: number; // 60 000
  readonly regularIntervalMs: number; // 30 000
  readonly childTimeoutMs: number;
  readonly farLevel: number;
  readonly roundMs: number; // how often the core is woken between due times
}

export interface PassiveParams extends ScheduleParams {
  /** Quote one tick inside the spread when it is wider than one tick. */
  readonly improveInside: boolean;
  readonly roundMs: number;
  readonly childTimeoutMs: number;
  readonly farLevel: number;
}

export interface IcebergParams {
  /** Visible slice (lots). */
  readonly displaySize: number;
  /** Worst price (ticks) the iceberg may rest at; undefined = follow the market unbounded. */
  readonly limitPrice: number | undefined;
  /** Re-price when the market trades through: the slice is no longer at the own-side best. */
  readonly reprice: boolean;
  readonly roundMs: number;
}

export type AlgoParams =
  | { readonly mode: 'progressive'; readonly p: ProgressiveParams }
  | { readonly mode: 'aggressive'; readonly p: AggressiveParams }
  | { readonly mode: 'passive'; readonly p: PassiveParams }
  | { readonly mode: 'iceberg'; readonly p: IcebergParams };

/** One parent order, validated (sizes/prices already on the instrument grid). */
export interface ParentSpec {
  readonly side: AlgoSideText;
  /** Total size (lots). */
  readonly size: number;
  readonly startAt: number;
  /** End time (ms); the progressive 4 h maximum life is applied when the spec is built. */
  readonly endAt: number;
  /** The instrument's smallest order (lots); children below it are never sent. */
  readonly minLots: number;
  readonly params: AlgoParams;
  /** Seed of the round-interval draws (progressive 4–6 s), kept so a restart continues the same stream. */
  readonly seed: number;
}

/** The core's own memory between rounds (JSON-safe; journaled). */
export interface AlgoCoreState {
  readonly round: number;
  /** Next time the core wants to be woken (ms). */
  readonly nextAt: number;
  /** xorshift32 state of the interval draws. */
  readonly rng: number;
  /** progressive: client id of the outstanding place_on_spread probe, if any. */
  readonly probe?: string | undefined;
  /** aggressive: next time a big-order / regular round may run. */
  readonly nextBigAt?: number;
  readonly nextRegularAt?: number;
  /** Free-form per-mode numbers the core keeps (documented in its file). */
  readonly extra?: Readonly<Record<string, number>>;
}

export interface DecideInput {
  readonly spec: ParentSpec;
  readonly state: AlgoCoreState;
  readonly market: MarketSnapshot;
  /** Every child of this parent so far (open and done). */
  readonly children: readonly ChildView[];
  /** Filled lots of the parent (Σ children filled). */
  readonly filled: number;
}

/**
 * Why a parent is done (the runner's `reason` when its status is `done`):
 * - 'filled': filled ≥ size;
 * - 'below-minimum': no child is open and the unfilled remainder is below the instrument's minimum
 *   order (spec.minLots), so no child can ever be placed for it: as done as the venue allows. The
 *   remainder (lots) is kept beside the reason (Decision.remainder, RunnerSnapshot.remainder);
 * - 'expired': the end time was reached with lots the parent could still have placed.
 */
export type DoneReason = 'filled' | 'below-minimum' | 'expired';

export interface Decision {
  readonly actions: readonly AlgoAction[];
  readonly state: AlgoCoreState;
  /** True when the parent is complete: filled, past its end (and finish-up done), or nothing left to do. */
  readonly done: boolean;
  readonly doneReason?: DoneReason;
  /** With doneReason 'below-minimum': the unfilled lots (0 < remainder < spec.minLots). */
  readonly remainder?: number;
}

/** How the runner places and cancels children (gateway kernel, or the sim engine in the bench). */
export interface ChildPlacement {
  readonly tag: ChildTag;
  readonly side: AlgoSideText;
  readonly type: 'limit' | 'market';
  readonly price?: number;
  readonly size: number;
  readonly postOnly?: boolean;
  readonly tif?: 'GTC' | 'IOC';
}

export type ExecResult<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: DeskgateError };

/** The refusal form of ExecResult. */
export function execFail<T>(error: DeskgateError): ExecResult<T> {
  return { ok: false, error };
}

export interface ChildExecutor {
  /** Place one child; the value is its client order id (carrying the parent number). */
  place(p: ChildPlacement): Promise<ExecResult<string>>;
  cancel(clientId: string): Promise<ExecResult<void>>;
}

/** Where the runner reads the market (live books + candles, or the sim engine). */
export interface MarketSource {
  snapshot(): Promise<ExecResult<MarketSnapshot>>;
}

/** One fill of a child, as the runner and the TCA record it. */
export interface ChildFill {
  readonly clientId: string;
  readonly price: number;
  readonly size: number;
  /** Fee in quote minor units of the TCA's choosing, as an exact decimal string (may be "0"). */
  readonly fee: string;
  readonly liquidity: 'maker' | 'taker' | undefined;
  readonly ts: number;
  /** The venue's trade id (added by H1): the runner drops a second fill with the same (clientId, tradeId). */
  readonly tradeId?: string;
}
