import { CurrencyBook } from '../../src/ledger/currencies.js';
import { SubAccounts } from '../../src/ledger/sub-accounts.js';
import type { LedgerFill } from '../../src/ledger/balances.js';

export const SCALES = { USDT: 6, BTC: 8, ETH: 18, BNB: 8 } as const;

/** BTC 2, USDT 10 000 (500 frozen), strategies a → 2, b → 3. */
export function makeLedger(): SubAccounts {
  const sub = new SubAccounts(new CurrencyBook(SCALES), { strategyCount: 8, strategies: { a: 2, b: 3 } });
  const r = sub.initFromVenue({
    ts: 1_000,
    balances: [
      { currency: 'BTC', free: 2_00000000n, frozen: 0n },
      { currency: 'USDT', free: 9_500_000000n, frozen: 500_000000n },
    ],
  });
  if (!r.ok) throw r.error;
  return sub;
}

/** Everything observable about the ledger, as a comparable string. */
export function dump(sub: SubAccounts, orderKeys: readonly string[] = []): string {
  const res = orderKeys.map((k) => sub.reservation(k));
  return JSON.stringify({ t: sub.table(), res, n: sub.reservationCount() }, (_k, v: unknown) =>
    typeof v === 'bigint' ? `${v}n` : v,
  );
}

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function buyFill(
  p: Partial<LedgerFill> & { tradeId: string; baseAmount: bigint; quoteAmount: bigint },
): LedgerFill {
  return { side: 'buy', base: 'BTC', quote: 'USDT', fee: 0n, feeCurrency: 'BTC', ts: 2_000, ...p };
}
