/**
 * Average fill price of an order, exact. The tracker keeps Σ price×size in tick·lot units
 * (`filledNotional`, bigint) and Σ size in lots, so the average is the rational
 * filledNotional / filledSize ticks; these helpers read it without ever using float sums.
 */
import { formatScaled, type Increment } from '../core/decimal.js';

export interface AveragePrice {
  /** Average price in ticks = num / den (den = filled lots). */
  readonly num: bigint;
  readonly den: bigint;
}

export function averagePriceTicks(o: {
  readonly filledSize: number;
  readonly filledNotional: bigint;
}): AveragePrice | undefined {
  if (o.filledSize <= 0) return undefined;
  return { num: o.filledNotional, den: BigInt(o.filledSize) };
}

/**
 * The average price as a decimal string on the instrument's price grid plus `extraDecimals`
 * places, truncated toward zero; `exact` says whether nothing was cut.
 */
export function averagePriceText(
  o: { readonly filledSize: number; readonly filledNotional: bigint },
  price: Increment,
  extraDecimals = 8,
): { readonly text: string; readonly exact: boolean } | undefined {
  const avg = averagePriceTicks(o);
  if (avg === undefined) return undefined;
  const scaledNum = avg.num * BigInt(price.step) * 10n ** BigInt(extraDecimals);
  const q = scaledNum / avg.den;
  return { text: formatScaled(q, price.decimals + extraDecimals), exact: q * avg.den === scaledNum };
}
