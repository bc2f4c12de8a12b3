/**
 * The client's idempotency key of a parent start (`clientAlgoId` in the body, or the REST header
 * `Idempotency-Key`) and the comparison of a repeated start with the one journaled under its key.
 *
 *   same key, same request      → the existing parent (REST 200), nothing started
 *   same key, another request   → DG_E_ALGO_KEY_CONFLICT (409), naming the first field that differs
 *   body key ≠ header key       → DG_E_ALGO_BAD_PARAMS (400)
 *
 * "Same request" is the request as given, normalised: the strategy after its default, the symbol as
 * the instrument it resolves to, the size as a decimal value ("0.50" = "0.5"), endAt as ms,
 * duration as ms (a retry with `duration: "30m"` is the same request later, not a later end), the
 * seed, and params compared as JSON values with keys in any order.
 */
import { compareDecimal } from '../../core/decimal.js';
import { dgError } from '../../core/errors.js';
import { execFail, type ExecResult } from '../types.js';
import type { StoredRequest } from './algo-store.js';
import { clientAlgoIdSchema } from './start-request.js';

/** The key of a start: the body's and the header's, which must agree when both are given. */
export function pickClientAlgoId(body: string | undefined, header: string | undefined): ExecResult<string | undefined> {
  if (header !== undefined && !clientAlgoIdSchema.safeParse(header).success)
    return execFail(dgError('DG_E_ALGO_BAD_PARAMS', 'Idempotency-Key: 1 to 64 characters of A-Z a-z 0-9 _ . : -'));
  if (body !== undefined && header !== undefined && body !== header)
    return execFail(
      dgError('DG_E_ALGO_BAD_PARAMS', 'clientAlgoId: differs from the Idempotency-Key header (give one, or the same)'),
    );
  return { ok: true, value: body ?? header };
}

/** JSON text with object keys sorted, so `{a, b}` and `{b, a}` compare equal. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

function sameSize(a: string, b: string): boolean {
  try {
    return compareDecimal(a, b) === 0;
  } catch {
    return a === b;
  }
}

/** The first field in which `again` differs from the journaled request `first`; undefined when the same. */
export function startDifference(first: StoredRequest, again: StoredRequest): string | undefined {
  if (first.strategy !== again.strategy) return 'strategy';
  if (first.symbol !== again.symbol) return 'symbol';
  if (first.side !== again.side) return 'side';
  if (!sameSize(first.size, again.size)) return 'size';
  if (first.mode !== again.mode) return 'mode';
  if (first.endAt !== again.endAt) return 'endAt';
  if (first.durationMs !== again.durationMs) return 'duration';
  if (first.seed !== again.seed) return 'seed';
  if (canonical(first.params) !== canonical(again.params)) return 'params';
  return undefined;
}
