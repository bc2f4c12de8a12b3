/**
 * The below-minimum end of a parent: once no child is open, an unfilled remainder smaller than the
 * instrument's minimum order (spec.minLots) can never be placed (decide never sends a child below
 * the minimum, the finish-up rule gives up below it), so waiting for the end time changes nothing.
 * The core ends such a parent at once, done with reason 'below-minimum' and the remainder kept.
 * The same test tells the runner that such a parent is due now (it need not wait for nextAt).
 */
import type { ChildView, ParentSpec } from './types.js';

/** The remainder (lots) a parent can never place, or undefined when it is not stuck below the minimum. */
export function unfillableRemainder(
  spec: ParentSpec,
  filled: number,
  children: readonly Pick<ChildView, 'open'>[],
): number | undefined {
  const left = spec.size - filled;
  if (!(left > 0 && left < spec.minLots)) return undefined;
  for (const c of children) if (c.open) return undefined;
  return left;
}
