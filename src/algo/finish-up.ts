/**
 * The finish-up rule ('take'): inside the last `windowMs` before the end time the remainder is
 * taken. Each finish round first cancels the parent's open non-finish children (reason 'finish',
 * so their lots come back once the venue confirms), then sends one marketable IOC limit child for
 * the lots that are free now: priced at the deepest opposite level needed to cover them, never
 * beyond price_limit = mid × (1 ± priceLimitPct). IOC keeps nothing resting after the window.
 */
import type { AlgoAction } from './types.js';
import { midOf, withinLimit } from './book-side.js';
import type { RoundCtx } from './round-context.js';

export const DEFAULT_FINISH_PRICE_LIMIT_PCT = 0.1;

export function finishUpActions(ctx: RoundCtx, priceLimitPct: number): AlgoAction[] {
  const out: AlgoAction[] = [];
  for (const c of ctx.children) {
    if (c.open && !c.cancelling && c.tag !== 'finish' && !ctx.cancelled.has(c.clientId)) {
      out.push({ kind: 'cancel', clientId: c.clientId, reason: 'finish' });
    }
  }
  const mid = midOf(ctx.book);
  const want = ctx.budget.available('hard');
  if (mid === undefined || want < ctx.spec.minLots) return out;
  const dir = ctx.book.dir;
  const limit = mid * (1 + dir * priceLimitPct);
  let price: number | undefined;
  let depth = 0;
  for (const [p, s] of ctx.book.opp) {
    if (!withinLimit(dir, p, limit)) break;
    price = p;
    depth += s;
    if (depth >= want) break;
  }
  if (price === undefined) return out;
  const size = ctx.budget.take('hard', Math.min(want, depth));
  if (size > 0) out.push({ kind: 'place', tag: 'finish', type: 'limit', price, size, tif: 'IOC' });
  return out;
}
