/** Small builders for desk tests (amounts as decimal strings, exact). */
import { parseAmount } from '../../src/desk/amount.js';
import type { HedgeOrder, LockOrder } from '../../src/desk/types.js';

export const T0 = Date.UTC(2026, 0, 5, 8, 0, 0);

export function lock(
  p: Partial<Omit<LockOrder, 'baseAmount' | 'price'>> & { id: string; amount?: string; price?: string },
): LockOrder {
  const { amount, price, ...rest } = p;
  return {
    clientId: 'C1',
    side: 'buy',
    base: 'BTC',
    quote: 'USDT',
    quoteTime: p.lockTime ?? T0,
    lockTime: T0,
    ...rest,
    baseAmount: parseAmount(amount ?? '1'),
    price: parseAmount(price ?? '60000'),
  };
}

export function hedge(
  p: Partial<Omit<HedgeOrder, 'baseAmount' | 'avgPrice' | 'fee'>> & {
    id: string;
    amount?: string;
    price?: string;
    fee?: string;
  },
): HedgeOrder {
  const start = p.startTime ?? T0 + 5_000;
  const { amount, price, fee, ...rest } = p;
  return {
    clientId: 'C1',
    side: 'buy',
    base: 'BTC',
    quote: 'USDT',
    method: 'twap',
    venue: 'binance',
    endTime: start + 1000,
    ...rest,
    startTime: start,
    baseAmount: parseAmount(amount ?? '1'),
    avgPrice: parseAmount(price ?? '59990'),
    fee: parseAmount(fee ?? '0'),
  };
}
