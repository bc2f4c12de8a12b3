import { describe, expect, it } from 'vitest';
import { executeBalanceCommand } from '../../src/ledger/commands.js';
import type { LedgerFill } from '../../src/ledger/balances.js';
import { MAIN_SLOT } from '../../src/ledger/sub-accounts.js';
import { dump, makeLedger, mulberry32 } from './helpers.js';

const CUR = ['USDT', 'BTC', 'BNB', 'ETH'];
const STRATS = ['a', 'b', 'main'];

function big(rng: () => number, max: bigint): bigint {
  // 0 … max, biased to small and to exact edges
  const r = rng();
  if (r < 0.05) return max;
  if (r < 0.1) return max + 1n;
  return (BigInt(Math.floor(rng() * 2 ** 30)) * max) / 2n ** 30n;
}

describe('ledger property: random commands, reservations and fills', () => {
  for (const seed of [1, 2, 3, 42, 1234]) {
    it(`seed ${seed}: invariants hold and Σ slots = total after every step; rejected steps change nothing`, () => {
      const rng = mulberry32(seed);
      const sub = makeLedger();
      sub.registerStrategy('c');
      const open: string[] = [];
      let okSteps = 0;
      let rejected = 0;
      const okKinds = new Map<string, number>();
      for (let step = 0; step < 1500; step++) {
        const before = dump(sub, open);
        const cur = CUR[Math.floor(rng() * CUR.length)];
        const strat = STRATS[Math.floor(rng() * STRATS.length)];
        const slot = sub.slotOf(strat)!;
        const free = sub.slot(cur, slot)!.free;
        const k = rng();
        let res: { ok: boolean };
        let kind: string;
        if (k < 0.2) {
          const mainFree = sub.slot(cur, MAIN_SLOT)!.free;
          kind = 'allocate';
          res = executeBalanceCommand(sub, {
            strategy: strat,
            cmd: 'allocate',
            currency: cur.toLowerCase(),
            amount: sub.currencies.format(cur, big(rng, mainFree)),
            index: rng() < 0.9 ? slot : 5,
          });
        } else if (k < 0.35) {
          kind = 'release';
          res = executeBalanceCommand(sub, {
            strategy: strat,
            cmd: 'release',
            currency: cur,
            amount: sub.currencies.format(cur, big(rng, free)),
            index: slot,
          });
        } else if (k < 0.45) {
          kind = 'adjust';
          const unalloc = sub.slot(cur, MAIN_SLOT)!.free;
          const delta = rng() < 0.5 ? -big(rng, unalloc) : big(rng, 10n ** 12n);
          res = executeBalanceCommand(sub, {
            strategy: 'a',
            cmd: 'adjust',
            currency: cur,
            delta: sub.currencies.format(cur, delta),
            index: 0,
          });
        } else if (k < 0.65) {
          kind = 'reserve';
          const key = `o${step}`;
          const r = sub.reserve(strat, cur, big(rng, free), key);
          if (r.ok) open.push(key);
          res = r;
        } else if (k < 0.75 && open.length > 0) {
          kind = 'cancel';
          const key = open.splice(Math.floor(rng() * open.length), 1)[0];
          res = sub.releaseReservation(key);
        } else {
          kind = 'fill';
          const key = open.length > 0 && rng() < 0.7 ? open[Math.floor(rng() * open.length)] : undefined;
          const r = key ? sub.reservation(key) : undefined;
          const spendCur = r ? r.currency : cur;
          let other = CUR[Math.floor(rng() * CUR.length)];
          if (other === spendCur) other = spendCur === 'USDT' ? 'BTC' : 'USDT';
          const side: 'buy' | 'sell' = rng() < 0.5 ? 'buy' : 'sell';
          const [base, quote] = side === 'buy' ? [other, spendCur] : [spendCur, other];
          const spend = big(rng, (r ? r.remaining : 0n) + sub.slot(spendCur, r ? r.slot : slot)!.free / 4n) + 1n;
          const receive = big(rng, 10n ** 10n) + 1n;
          const feeCur = [base, quote, 'BNB'][Math.floor(rng() * 3)];
          const fill: LedgerFill = {
            tradeId: `t${step}`,
            ...(key ? { orderKey: key } : {}),
            side,
            base,
            quote,
            baseAmount: side === 'buy' ? receive : spend,
            quoteAmount: side === 'buy' ? spend : receive,
            fee: big(rng, 10n ** 6n),
            feeCurrency: feeCur,
            ts: step,
          };
          res = sub.settleFill(fill, strat);
        }
        if (res.ok) {
          okSteps++;
          okKinds.set(kind, (okKinds.get(kind) ?? 0) + 1);
        } else {
          rejected++;
          expect(dump(sub, open)).toBe(before);
        }
        const inv = sub.checkInvariants();
        if (!inv.ok) throw inv.error;
        for (const c of sub.codes()) {
          let sum = 0n;
          for (let s = 1; s < sub.slotCount; s++) sum += sub.slot(c, s)!.total;
          expect(sum).toBe(sub.slot(c, 0)!.total);
        }
      }
      // the sequence exercised both paths
      expect(okSteps).toBeGreaterThan(300);
      expect(rejected).toBeGreaterThan(50);
      for (const kind of ['allocate', 'release', 'adjust', 'reserve', 'cancel', 'fill'])
        expect(okKinds.get(kind) ?? 0).toBeGreaterThan(20);
    });
  }
});
