/**
 * Parent-order input (S2.13): zod schemas per mode with the seed's values as defaults, range
 * checks on every threshold, and `buildParentSpec`, which turns a raw request into the validated
 * `ParentSpec` the decision core runs on.
 *
 * Units: sizes are integer lots and prices integer ticks of the parent's instrument — the service
 * edge converts decimal strings with `toUnits` before calling here; times are clock milliseconds.
 * Every rejection is a value (`ExecResult`) whose DG_E_ALGO_* message names the offending field.
 */
import { z } from 'zod';
import { dgError, type ErrorCode } from '../core/errors.js';
import { DEFAULT_FINISH_PRICE_LIMIT_PCT } from './finish-up.js';
import type {
  AggressiveParams,
  AlgoMode,
  AlgoParams,
  ExecResult,
  IcebergParams,
  ParentSpec,
  PassiveParams,
  ProgressiveParams,
} from './types.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** What the builder needs to know of the instrument (already on its lot grid). */
export interface InstrumentFacts {
  /** Smallest order size (lots). */
  readonly minLots: number;
  /** Largest parent size accepted (lots); no upper check when absent. */
  readonly maxLots?: number;
}

const ms = (min: number, max: number) => z.number().int().min(min).max(max);
const count = (min: number, max: number) => z.number().int().min(min).max(max);
const ratio = (min: number, max: number) => z.number().min(min).max(max);

/**
 * Child timeout "not set": the seed gives a 5 s child timeout and 300 s "when not set". Rule used
 * here: an absent `childTimeoutMs` takes the mode's default — 5 s for the round-paced taker modes
 * (progressive, aggressive: a child lives about one round), 300 s for passive (its quotes are
 * re-priced as the book moves, so a short timeout would only throw away queue position).
 * `childTimeoutMs: null` means "explicitly not set" and gives 300 s in every mode.
 */
export const CHILD_TIMEOUT_NOT_SET_MS = 300 * SECOND;

const childTimeout = (dflt: number) =>
  z
    .union([ms(100, DAY), z.null()])
    .optional()
    .transform((v) => (v === undefined ? dflt : v === null ? CHILD_TIMEOUT_NOT_SET_MS : v));

/** Finish-up rule; its price cap defaults to the mode's price limit (progressive) or 10 %. */
const finishUpSchema = z
  .object({
    mode: z.enum(['take', 'none']).optional(),
    windowMs: ms(0, 4 * HOUR).default(30 * SECOND),
    priceLimitPct: ratio(0, 0.5).optional(),
  })
  .strict()
  .optional();

/** Passive is maker only (S2.13): its finish-up defaults to 'none'; the TWAP modes default to 'take'. */
function finishUp(v: z.output<typeof finishUpSchema>, dfltPct: number, dfltMode: 'take' | 'none' = 'take') {
  return {
    mode: v?.mode ?? dfltMode,
    windowMs: v?.windowMs ?? 30 * SECOND,
    priceLimitPct: v?.priceLimitPct ?? dfltPct,
  };
}

/** Progressive (mixed) mode. The seed's values are the defaults. */
export const progressiveSchema = z
  .object({
    aheadMs: ms(0, HOUR).default(30 * SECOND),
    finishUp: finishUpSchema,
    roundMinMs: ms(100, 10 * MINUTE).default(4 * SECOND),
    roundMaxMs: ms(100, 10 * MINUTE).default(6 * SECOND),
    maxLifeMs: ms(MINUTE, 7 * DAY).default(4 * HOUR),
    tradeLevels: count(1, 30).default(5),
    priceLimitPct: ratio(0, 0.5).default(0.1),
    thresholdBars: count(1, 60).default(30),
    thresholdFactor: ratio(0, 10).default(0.01),
    maxVlmLevels: count(1, 30).default(30),
    orderbookLevels: count(1, 30).default(5),
    spreadTicks: count(1, 1_000_000).default(5),
    childTimeoutMs: childTimeout(5 * SECOND),
    farLevel: count(1, 30).default(5),
  })
  .strict()
  .refine((p) => p.roundMinMs <= p.roundMaxMs, { message: 'roundMinMs must be ≤ roundMaxMs', path: ['roundMinMs'] })
  .transform((p) => ({ ...p, finishUp: finishUp(p.finishUp, p.priceLimitPct) }));

/** Aggressive mode. The price_ceil coefficients are not in the seed: the defaults are ours (docs/algo.md). */
export const aggressiveSchema = z
  .object({
    aheadMs: ms(0, HOUR).default(0),
    finishUp: finishUpSchema,
    maxLifeMs: ms(MINUTE, 7 * DAY).default(DAY),
    ceilBaseBps: ratio(0, 1000).default(5),
    ceilSpreadMult: ratio(0, 10).default(1),
    ceilMoveMult: ratio(0, 10).default(0.5),
    moveWindowMs: ms(MINUTE, HOUR).default(2 * MINUTE),
    bars: count(1, 60).default(60),
    windowBars: count(1, 60).default(5),
    bigLevels: count(1, 30).default(5),
    bigMinIntervalMs: ms(100, HOUR).default(5 * SECOND),
    bigMaxIntervalMs: ms(100, HOUR).default(60 * SECOND),
    regularIntervalMs: ms(100, HOUR).default(30 * SECOND),
    childTimeoutMs: childTimeout(5 * SECOND),
    farLevel: count(1, 30).default(5),
    roundMs: ms(100, 10 * MINUTE).default(1 * SECOND),
  })
  .strict()
  .refine((p) => p.bigMinIntervalMs <= p.bigMaxIntervalMs, {
    message: 'bigMinIntervalMs must be ≤ bigMaxIntervalMs',
    path: ['bigMinIntervalMs'],
  })
  .refine((p) => p.windowBars <= p.bars, { message: 'windowBars must be ≤ bars', path: ['windowBars'] })
  .transform((p) => ({ ...p, finishUp: finishUp(p.finishUp, DEFAULT_FINISH_PRICE_LIMIT_PCT) }));

export const passiveSchema = z
  .object({
    aheadMs: ms(0, HOUR).default(60 * SECOND),
    finishUp: finishUpSchema,
    maxLifeMs: ms(MINUTE, 7 * DAY).default(DAY),
    improveInside: z.boolean().default(true),
    roundMs: ms(100, 10 * MINUTE).default(1 * SECOND),
    childTimeoutMs: childTimeout(CHILD_TIMEOUT_NOT_SET_MS),
    farLevel: count(1, 30).default(5),
  })
  .strict()
  .transform((p) => ({ ...p, finishUp: finishUp(p.finishUp, DEFAULT_FINISH_PRICE_LIMIT_PCT, 'none') }));

export const icebergSchema = z
  .object({
    maxLifeMs: ms(MINUTE, 30 * DAY).default(DAY),
    displaySize: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
    limitPrice: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional(),
    reprice: z.boolean().default(true),
    roundMs: ms(100, 10 * MINUTE).default(1 * SECOND),
  })
  .strict();

/** The raw parent request, as the service hands it over (lots, ticks, ms). */
export const rawParentSchema = z
  .object({
    mode: z.enum(['progressive', 'aggressive', 'passive', 'iceberg']),
    side: z.enum(['buy', 'sell']),
    size: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
    /** Defaults to now; a start in the past means "start now". */
    startAt: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).optional(),
    /** End time; or give `durationMs` (from the start). Progressive and iceberg default to start + maxLifeMs. */
    endAt: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional(),
    durationMs: z
      .number()
      .int()
      .positive()
      .max(30 * DAY)
      .optional(),
    /** Seed of the interval draws; derived from the start time and size when absent. */
    seed: z.number().int().min(1).max(0xffffffff).optional(),
    params: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

export type RawParentOrder = z.input<typeof rawParentSchema>;

type ParamSchema = z.ZodType<{ maxLifeMs: number } & Record<string, unknown>>;
const SCHEMAS: Record<AlgoMode, ParamSchema> = {
  progressive: progressiveSchema as unknown as ParamSchema,
  aggressive: aggressiveSchema as unknown as ParamSchema,
  passive: passiveSchema as unknown as ParamSchema,
  iceberg: icebergSchema as unknown as ParamSchema,
};

function fail<T>(code: ErrorCode, detail: string): ExecResult<T> {
  return { ok: false, error: dgError(code, detail) };
}

function describe(issues: readonly z.core.$ZodIssue[], prefix: string): string {
  return issues
    .slice(0, 3)
    .map((i) => `${[prefix, ...i.path.map(String)].filter((s) => s !== '').join('.') || '(root)'}: ${i.message}`)
    .join('; ');
}

function splitParams(
  mode: AlgoMode,
  parsed: { maxLifeMs: number } & Record<string, unknown>,
): {
  params: AlgoParams;
  maxLifeMs: number;
} {
  const { maxLifeMs, ...rest } = parsed;
  // The schemas above produce exactly the fields of the matching *Params interface.
  switch (mode) {
    case 'progressive':
      return { maxLifeMs, params: { mode, p: rest as unknown as ProgressiveParams } };
    case 'aggressive':
      return { maxLifeMs, params: { mode, p: rest as unknown as AggressiveParams } };
    case 'passive':
      return { maxLifeMs, params: { mode, p: rest as unknown as PassiveParams } };
    case 'iceberg': {
      const p = rest as unknown as IcebergParams & { limitPrice?: number };
      return { maxLifeMs, params: { mode, p: { ...p, limitPrice: p.limitPrice } } };
    }
  }
}

/** Parse one mode's parameters (defaults filled in). `maxLifeMs` is returned apart: it bounds endAt. */
export function parseAlgoParams(mode: AlgoMode, raw: unknown): ExecResult<{ params: AlgoParams; maxLifeMs: number }> {
  const r = SCHEMAS[mode].safeParse(raw ?? {});
  if (!r.success) return fail('DG_E_ALGO_BAD_PARAMS', describe(r.error.issues, 'params'));
  return { ok: true, value: splitParams(mode, r.data) };
}

/** The defaults of a mode (iceberg has no default displaySize: give one). */
export function defaultParams(mode: Exclude<AlgoMode, 'iceberg'>): AlgoParams {
  const r = parseAlgoParams(mode, {});
  if (!r.ok) throw r.error; // unreachable: every field has a default
  return r.value.params;
}

/** A non-zero 32-bit seed mixed from the start time and the size (deterministic). */
export function deriveSeed(startAt: number, size: number): number {
  let x = (Math.floor(startAt) ^ Math.imul(Math.floor(size % 0x7fffffff), 0x9e3779b1)) >>> 0;
  x ^= Math.floor(startAt / 0x100000000) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b) >>> 0;
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35) >>> 0;
  x = (x ^ (x >>> 16)) >>> 0;
  return x === 0 ? 0x6d2b79f5 : x;
}

/**
 * Validate a raw parent request against the instrument and the clock.
 * - size: whole lots, ≥ minLots (and ≤ maxLots) — DG_E_ALGO_BAD_SIZE;
 * - endAt ≤ now — DG_E_ALGO_PAST_END; start ≥ end — DG_E_ALGO_BAD_PARAMS;
 * - aggressive and passive need an end (endAt or durationMs); progressive and iceberg default to
 *   start + maxLifeMs, and every mode's end is capped at start + maxLifeMs (progressive: 4 h).
 */
export function buildParentSpec(raw: unknown, facts: InstrumentFacts, now: number): ExecResult<ParentSpec> {
  const top = rawParentSchema.safeParse(raw);
  if (!top.success) {
    const sizeIssue = top.error.issues.find((i) => i.path[0] === 'size');
    if (sizeIssue) return fail('DG_E_ALGO_BAD_SIZE', describe([sizeIssue], ''));
    return fail('DG_E_ALGO_BAD_PARAMS', describe(top.error.issues, ''));
  }
  const o = top.data;
  if (!Number.isInteger(facts.minLots) || facts.minLots <= 0) {
    return fail('DG_E_ALGO_BAD_PARAMS', `instrument minLots ${facts.minLots} must be a positive integer`);
  }
  if (o.size < facts.minLots) {
    return fail('DG_E_ALGO_BAD_SIZE', `size: ${o.size} lots is below the instrument minimum of ${facts.minLots} lots`);
  }
  if (facts.maxLots !== undefined && o.size > facts.maxLots) {
    return fail('DG_E_ALGO_BAD_SIZE', `size: ${o.size} lots is above the maximum of ${facts.maxLots} lots`);
  }
  const parsed = parseAlgoParams(o.mode, o.params);
  if (!parsed.ok) return parsed;
  const { params, maxLifeMs } = parsed.value;

  if (o.endAt !== undefined && o.durationMs !== undefined) {
    return fail('DG_E_ALGO_BAD_PARAMS', 'endAt, durationMs: give one of them, not both');
  }
  const startAt = Math.max(o.startAt ?? now, now);
  if (o.endAt !== undefined && o.endAt <= now) {
    return fail('DG_E_ALGO_PAST_END', `endAt: ${o.endAt} is not after now (${now})`);
  }
  let endAt: number;
  if (o.endAt !== undefined) endAt = o.endAt;
  else if (o.durationMs !== undefined) endAt = startAt + o.durationMs;
  else if (o.mode === 'progressive' || o.mode === 'iceberg') endAt = startAt + maxLifeMs;
  else return fail('DG_E_ALGO_BAD_PARAMS', `endAt: required for ${o.mode} mode (or give durationMs)`);
  if (startAt >= endAt) {
    return fail('DG_E_ALGO_BAD_PARAMS', `startAt: ${startAt} must be before endAt ${endAt}`);
  }
  endAt = Math.min(endAt, startAt + maxLifeMs);

  if (params.mode === 'iceberg') {
    const p = params.p;
    if (p.displaySize < facts.minLots) {
      return fail(
        'DG_E_ALGO_BAD_SIZE',
        `params.displaySize: ${p.displaySize} lots is below the instrument minimum of ${facts.minLots} lots`,
      );
    }
  }
  return {
    ok: true,
    value: {
      side: o.side,
      size: o.size,
      startAt,
      endAt,
      minLots: facts.minLots,
      params,
      seed: o.seed ?? deriveSeed(startAt, o.size),
    },
  };
}
