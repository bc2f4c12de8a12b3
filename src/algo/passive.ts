/**
 * Passive TWAP mode: maker only. One post-only quote at a time rests at the others' best on the
 * own side — or one tick inside when `improveInside` and the spread is wider than one tick. The
 * quote is re-priced (cancel 'reprice', then a new quote) whenever it is not at that price any
 * more, either way: outbid, or left above a market that moved away. Its size is the maker budget
 * (schedule target(now + aheadMs) minus what is committed). Because a quote being cancelled still
 * counts as committed until the venue confirms, the new quote follows one round after a re-price
 * when the budget is used up — the price of never over-filling.
 */
import type { AlgoAction, PassiveParams } from './types.js';
import type { RoundCtx } from './round-context.js';

/** The price a passive quote should rest at, or undefined when the own side is empty. */
export function passivePrice(ctx: RoundCtx, improveInside: boolean): number | undefined {
  const { dir, own, opp } = ctx.book;
  if (own.length === 0) return undefined;
  const best = own[0][0];
  if (improveInside && opp.length > 0 && dir * (opp[0][0] - best) > 1) return best + dir;
  return best;
}

export function decidePassive(ctx: RoundCtx, p: PassiveParams): { actions: AlgoAction[]; nextAt: number } {
  const actions: AlgoAction[] = [];
  const price = passivePrice(ctx, p.improveInside);
  let resting = false;
  for (const c of ctx.children) {
    if (!c.open || c.cancelling || c.tag !== 'passive' || ctx.cancelled.has(c.clientId)) continue;
    if (price !== undefined && c.price === price) resting = true;
    else actions.push({ kind: 'cancel', clientId: c.clientId, reason: 'reprice' });
  }
  if (!resting && price !== undefined) {
    const size = ctx.budget.take('maker', ctx.budget.available('maker'));
    if (size > 0)
      actions.push({ kind: 'place', tag: 'passive', type: 'limit', price, size, postOnly: true, tif: 'GTC' });
  }
  return { actions, nextAt: ctx.now + p.roundMs };
}
