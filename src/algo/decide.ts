/**
 * The decision core: (parent, state, market, own children) → actions. Pure and deterministic —
 * no clock, no I/O, the only randomness is the xorshift state carried in AlgoCoreState — so a
 * parent restored from its journaled state makes exactly the decisions it would have made.
 *
 * Every round, in order:
 * 1. before startAt: nothing (wake at startAt);
 * 2. filled (filled ≥ size): cancel what is still open, done 'filled';
 * 3. no child open and the remainder below the minimum order: done 'below-minimum' with the
 *    remainder (below-minimum.ts) — at once, whatever the end time;
 * 4. at or past endAt: cancel every open child, done 'expired' — nothing is ever placed then;
 * 5. TWAP modes: the cancel rules (cancel-rules.ts); then, inside the finish-up window with
 *    mode 'take', only the finish-up rule (finish-up.ts); otherwise the mode's sub-logics
 *    (progressive.ts, aggressive.ts, passive.ts), sized by the schedule budgets (schedule.ts);
 * 6. iceberg: its slice logic (iceberg.ts), sized by the hard budget only.
 * Children the round places carry round = the returned state.round.
 */
import type { AlgoAction, AlgoCoreState, Decision, DecideInput, ParentSpec, ScheduleParams } from './types.js';
import { unfillableRemainder } from './below-minimum.js';
import { sideBook } from './book-side.js';
import { cancelRules } from './cancel-rules.js';
import { Budget, clampNextAt, drawInterval, inFinishWindow } from './schedule.js';
import { DEFAULT_FINISH_PRICE_LIMIT_PCT, finishUpActions } from './finish-up.js';
import { decideProgressive } from './progressive.js';
import { decideAggressive } from './aggressive.js';
import { decidePassive } from './passive.js';
import { decideIceberg } from './iceberg.js';
import type { ModeOutcome, RoundCtx } from './round-context.js';

/** The state a new parent starts from. */
export function initialState(spec: ParentSpec): AlgoCoreState {
  return { round: 0, nextAt: spec.startAt, rng: spec.seed >>> 0 || 0x6d2b79f5 };
}

function scheduleOf(spec: ParentSpec): ScheduleParams | undefined {
  return spec.params.mode === 'iceberg' ? undefined : spec.params.p;
}

function cancelAllOpen(input: DecideInput): AlgoAction[] {
  const out: AlgoAction[] = [];
  for (const c of input.children) {
    if (c.open && !c.cancelling) out.push({ kind: 'cancel', clientId: c.clientId, reason: 'finish' });
  }
  return out;
}

function finishPct(spec: ParentSpec, sched: ScheduleParams): number {
  if (sched.finishUp.priceLimitPct !== undefined) return sched.finishUp.priceLimitPct;
  if (spec.params.mode === 'progressive') return spec.params.p.priceLimitPct;
  return DEFAULT_FINISH_PRICE_LIMIT_PCT;
}

export function decide(input: DecideInput): Decision {
  const { spec, state, market } = input;
  const now = market.now;
  if (now < spec.startAt) return { actions: [], state: { ...state, nextAt: spec.startAt }, done: false };
  const round = state.round + 1;
  if (input.filled >= spec.size) {
    return { actions: cancelAllOpen(input), state: { ...state, round, nextAt: now }, done: true, doneReason: 'filled' };
  }
  const remainder = unfillableRemainder(spec, input.filled, input.children);
  if (remainder !== undefined) {
    return {
      actions: [],
      state: { ...state, round, nextAt: now },
      done: true,
      doneReason: 'below-minimum',
      remainder,
    };
  }
  if (now >= spec.endAt) {
    return {
      actions: cancelAllOpen(input),
      state: { ...state, round, nextAt: now },
      done: true,
      doneReason: 'expired',
    };
  }

  const sched = scheduleOf(spec);
  const book = sideBook(spec.side, market, input.children);
  const budget = Budget.forRound(spec, sched, now, input.filled, input.children);
  const actions: AlgoAction[] = [];
  const cancelled = new Set<string>();
  const base = {
    spec,
    state,
    now,
    round,
    market,
    children: input.children,
    filled: input.filled,
    book,
    budget,
    cancelled,
  };
  const ctx: RoundCtx = base;

  const p = spec.params;
  if (p.mode !== 'iceberg') {
    for (const a of cancelRules({
      now,
      round,
      children: input.children,
      book,
      childTimeoutMs: p.p.childTimeoutMs,
      farLevel: p.p.farLevel,
    })) {
      actions.push(a);
      if (a.kind === 'cancel') cancelled.add(a.clientId);
    }
  }

  let outcome: ModeOutcome;
  if (sched && inFinishWindow(spec, sched, now)) {
    // The finish-up window keeps the mode's cadence but runs only the finish-up rule.
    let nextAt = now + (p.mode === 'progressive' ? 0 : p.p.roundMs);
    let patch: Partial<AlgoCoreState> | undefined;
    if (p.mode === 'progressive') {
      const draw = drawInterval(state.rng, p.p.roundMinMs, p.p.roundMaxMs);
      nextAt = now + draw.ms;
      patch = { rng: draw.rng };
    }
    outcome = { actions: finishUpActions(ctx, finishPct(spec, sched)), nextAt, patch };
  } else {
    switch (p.mode) {
      case 'progressive':
        outcome = decideProgressive(ctx, p.p);
        break;
      case 'aggressive':
        outcome = decideAggressive(ctx, p.p);
        break;
      case 'passive':
        outcome = decidePassive(ctx, p.p);
        break;
      case 'iceberg':
        outcome = decideIceberg(ctx, p.p);
        break;
    }
  }
  for (const a of outcome.actions) {
    if (a.kind === 'cancel' && cancelled.has(a.clientId)) continue;
    if (a.kind === 'place' && !(a.size > 0 && a.size >= spec.minLots)) continue; // never a child below the minimum
    if (a.kind === 'cancel') cancelled.add(a.clientId);
    actions.push(a);
  }
  const nextAt = clampNextAt(spec, sched, now, outcome.nextAt);
  return { actions, state: { ...state, ...outcome.patch, round, nextAt }, done: false };
}
