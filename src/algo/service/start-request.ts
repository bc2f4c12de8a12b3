/**
 * The start request of a parent order, validated with zod at the edge (REST body, CLI, tests):
 *
 *   { "symbol": "BTC-USDT", "side": "buy", "size": "0.5", "mode": "progressive",
 *     "duration": "30m" | "endAt": 1767225600000 | "endAt": "2026-01-01T00:00:00Z",
 *     "strategy": "algo", "params": { … per-mode thresholds, see docs/algo.md }, "seed": 7,
 *     "clientAlgoId": "desk1:twap-0042" }
 *
 * `strategy` is the ledger strategy whose slot funds the children (default: the service's, "algo").
 * `endAt` or `duration`, not both; aggressive and passive need one, progressive and iceberg default to
 * their maximum life (params.maxLifeMs, progressive 4 h) — src/algo/params.ts decides. Iceberg's
 * `params.displaySize` and `params.limitPrice` are decimals here (converted to lots / ticks by the
 * service). A failure is DG_E_ALGO_BAD_PARAMS naming the field.
 *
 * `clientAlgoId` is the client's idempotency key (1–64 of [A-Za-z0-9_.:-]; the REST header
 * `Idempotency-Key` follows the same rule): a start repeated with a key the service already knows
 * returns that parent instead of starting another (start-key.ts, algo-service.ts).
 */
import { z } from 'zod';
import { parseDuration } from '../../core/duration.js';
import { dgError } from '../../core/errors.js';
import { STRATEGY_RE } from '../../oms/client-order-id.js';
import type { AlgoMode, ExecResult } from '../types.js';

/** The client's idempotency key of a start: body `clientAlgoId` or header `Idempotency-Key`. */
export const CLIENT_ALGO_ID_RE = /^[A-Za-z0-9_.:-]{1,64}$/;
export const clientAlgoIdSchema = z.string().regex(CLIENT_ALGO_ID_RE, '1 to 64 characters of A-Z a-z 0-9 _ . : -');

const decimal = z.union([
  z.string().regex(/^\d+(\.\d+)?$/, 'a positive decimal string'),
  z
    .number()
    .refine((n) => Number.isFinite(n) && n > 0, 'must be a positive finite number')
    .transform((n) => String(n)),
]);

const time = z.union([
  z.number().int().min(0),
  z
    .string()
    .min(1)
    .transform((s, ctx) => {
      const t = Date.parse(s);
      if (Number.isNaN(t)) {
        ctx.addIssue({ code: 'custom', message: `not a time: ${JSON.stringify(s.slice(0, 40))} (ISO 8601 or ms)` });
        return z.NEVER;
      }
      return t;
    }),
]);

const duration = z.union([z.string(), z.number()]).transform((v, ctx) => {
  try {
    const ms = parseDuration(v);
    if (ms <= 0) throw new Error('zero');
    return ms;
  } catch {
    ctx.addIssue({ code: 'custom', message: `bad duration ${JSON.stringify(v)} (use e.g. 90s, 30m, 2h)` });
    return z.NEVER;
  }
});

export const startRequestSchema = z
  .object({
    strategy: z.string().regex(STRATEGY_RE, 'lowercase letter then up to 11 lowercase letters/digits').optional(),
    symbol: z.string().min(1).max(40),
    side: z.enum(['buy', 'sell']),
    size: decimal,
    mode: z.enum(['progressive', 'aggressive', 'passive', 'iceberg']),
    endAt: time.optional(),
    duration: duration.optional(),
    params: z.record(z.string(), z.unknown()).default({}),
    seed: z.number().int().min(1).max(0xffff_ffff).optional(),
    clientAlgoId: clientAlgoIdSchema.optional(),
  })
  .strict()
  .refine((r) => !(r.endAt !== undefined && r.duration !== undefined), {
    message: 'give endAt or duration, not both',
    path: ['endAt'],
  });

export interface StartRequest {
  readonly strategy: string | undefined;
  readonly symbol: string;
  readonly side: 'buy' | 'sell';
  readonly size: string;
  readonly mode: AlgoMode;
  /** Absolute end (ms), if given. */
  readonly endAt: number | undefined;
  /** Duration from the start (ms), if given instead. */
  readonly durationMs: number | undefined;
  readonly params: Record<string, unknown>;
  readonly seed: number | undefined;
  /** The client's idempotency key, if given in the body. */
  readonly clientAlgoId: string | undefined;
}

export function parseStartRequest(raw: unknown): ExecResult<StartRequest> {
  const r = startRequestSchema.safeParse(raw ?? {});
  if (!r.success) {
    const issue = r.error.issues[0];
    const where = issue && issue.path.length > 0 ? issue.path.join('.') : 'request';
    return { ok: false, error: dgError('DG_E_ALGO_BAD_PARAMS', `${where}: ${issue?.message ?? 'invalid'}`) };
  }
  const v = r.data;
  return {
    ok: true,
    value: {
      strategy: v.strategy,
      symbol: v.symbol,
      side: v.side,
      size: v.size,
      mode: v.mode,
      endAt: v.endAt,
      durationMs: v.duration,
      params: v.params,
      seed: v.seed,
      clientAlgoId: v.clientAlgoId,
    },
  };
}
