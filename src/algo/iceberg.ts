/**
 * Iceberg: one visible post-only slice of `displaySize` lots (the last one smaller) resting at the
 * others' best price on the own side, never beyond `limitPrice` (a buy never above it, a sell never
 * below). A new slice is placed only when no child is open any more, so at most one is visible:
 * after a fill (replenish) or a confirmed cancel. With `reprice`, a slice is cancelled (reason
 * 'reprice') when the market trades through it — for a buy, the others' best bid moved above the
 * slice — and the next slice goes to the new best, capped at the limit. No schedule: the parent
 * runs until filled, cancelled or its end time.
 */
import type { AlgoAction, IcebergParams } from './types.js';
import type { RoundCtx } from './round-context.js';

/** Where a slice should rest now (capped at the limit), or undefined when the own side is empty. */
export function slicePrice(ctx: RoundCtx, p: IcebergParams): number | undefined {
  const { dir, own, opp } = ctx.book;
  let price = own.length > 0 ? own[0][0] : p.limitPrice;
  if (price === undefined) return undefined;
  if (p.limitPrice !== undefined && dir * price > dir * p.limitPrice) price = p.limitPrice;
  // A post-only slice must not cross: keep it one tick behind the opposite best.
  if (opp.length > 0 && dir * price >= dir * opp[0][0]) price = opp[0][0] - dir;
  return price > 0 ? price : undefined;
}

export function decideIceberg(ctx: RoundCtx, p: IcebergParams): { actions: AlgoAction[]; nextAt: number } {
  const actions: AlgoAction[] = [];
  const price = slicePrice(ctx, p);
  const dir = ctx.book.dir;
  const open = ctx.children.filter((c) => c.open);
  for (const c of open) {
    if (!p.reprice || c.cancelling || c.price === undefined || price === undefined) continue;
    if (dir * price > dir * c.price) actions.push({ kind: 'cancel', clientId: c.clientId, reason: 'reprice' });
  }
  if (open.length === 0 && price !== undefined) {
    const size = ctx.budget.take('hard', p.displaySize);
    if (size > 0) actions.push({ kind: 'place', tag: 'slice', type: 'limit', price, size, postOnly: true, tif: 'GTC' });
  }
  return { actions, nextAt: ctx.now + p.roundMs };
}
