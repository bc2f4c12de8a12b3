/**
 * The ledger against a real matching engine: the simulated exchange (src/venue/sim) with its
 * synthetic flow as counterparties. Two strategies trade limit orders (some crossing, some
 * resting, some cancelled) from their slots on one venue account; fills, fees and cancels are
 * applied as the kernel will apply them. The venue's own balances are the reference: after every
 * round reconciliation must find nothing to correct; a deposit the ledger was not told about
 * must be a drift, and fills newer than a venue snapshot must be recognised as in flight.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import type { LedgerFill, VenueSnapshot } from '../../src/ledger/balances.js';
import { CurrencyBook } from '../../src/ledger/currencies.js';
import { fillFromDecimals, orderHold, venueSnapshotFromDecimals } from '../../src/ledger/decimal-input.js';
import { Reconciler } from '../../src/ledger/reconcile.js';
import { SubAccounts } from '../../src/ledger/sub-accounts.js';
import { DEFAULT_MARKETS } from '../../src/venue/sim/default-markets.js';
import { SimEngine } from '../../src/venue/sim/engine.js';
import type { FillView } from '../../src/venue/sim/engine-types.js';
import { SyntheticFlow } from '../../src/venue/sim/flow/synthetic-flow.js';
import { mulberry32 } from './helpers.js';

const ACCOUNT = 'gw';

describe('ledger × simulated exchange', () => {
  it('fills, fees and cancels keep the ledger equal to the venue; drift and in-flight are told apart', () => {
    const clock = new ManualClock(1_700_000_000_000);
    const engine = new SimEngine({ markets: DEFAULT_MARKETS, clock, seed: 7 });
    const flow = new SyntheticFlow(engine, {
      seed: 3,
      ratePerSec: 100,
      startMs: clock.now(),
      setTime: (t) => clock.set(t),
    });
    flow.advanceTo(clock.now() + 3_000);
    engine.createAccount(ACCOUNT, { makerBps: 7.5, takerBps: 10 });
    engine.depositText(ACCOUNT, 'USDT', '100000');
    engine.depositText(ACCOUNT, 'BTC', '1');
    engine.depositText(ACCOUNT, 'ETH', '10');

    const cur = new CurrencyBook(Object.fromEntries(engine.currencies().map((c) => [c.code, c.decimals])));
    const venueSnap = (): VenueSnapshot => {
      const s = venueSnapshotFromDecimals(
        cur,
        clock.now(),
        Object.fromEntries(
          engine
            .balances(ACCOUNT)
            .map((b) => [
              b.currency,
              { free: engine.formatAmount(b.currency, b.available), used: engine.formatAmount(b.currency, b.hold) },
            ]),
        ),
      );
      if (!s.ok) throw s.error;
      return s.value;
    };
    const sub = new SubAccounts(cur, { strategies: { a: 2, b: 3 } });
    expect(sub.initFromVenue(venueSnap()).ok).toBe(true);
    const units = (c: string, v: string): bigint => {
      const r = cur.toUnits(c, v);
      if (!r.ok) throw r.error;
      return r.value;
    };
    for (const [s, c, amt, idx] of [
      ['a', 'USDT', '30000', 2],
      ['a', 'BTC', '0.3', 2],
      ['b', 'USDT', '20000', 3],
      ['b', 'ETH', '3', 3],
    ] as const) {
      expect(sub.allocate(s, c, units(c, amt), idx).ok).toBe(true);
    }

    const owner = new Map<string, { key: string; strategy: string }>(); // orderId → order
    const seen = new Set<string>();
    const toLedgerFill = (f: FillView): LedgerFill => {
      const m = engine.market(f.symbol)!;
      const r = fillFromDecimals(cur, {
        tradeId: f.tradeId,
        orderKey: owner.get(f.orderId)?.key,
        side: f.side,
        base: m.base,
        quote: m.quote,
        amount: engine.formatSize(f.symbol, f.size),
        cost: engine.formatAmount(m.quote, f.funds),
        fee: engine.formatAmount(f.feeCurrency, f.fee),
        feeCurrency: f.feeCurrency,
        ts: f.ts,
      });
      if (!r.ok) throw r.error;
      return r.value;
    };
    const applyNewFills = (): LedgerFill[] => {
      const fresh = engine
        .fills(ACCOUNT, undefined, 1000)
        .filter((f) => !seen.has(`${f.tradeId}/${f.orderId}`))
        .reverse();
      const applied: LedgerFill[] = [];
      for (const f of fresh) {
        seen.add(`${f.tradeId}/${f.orderId}`);
        const lf = toLedgerFill(f);
        const r = sub.settleFill(lf, owner.get(f.orderId)?.strategy ?? 'main');
        if (!r.ok) throw r.error;
        applied.push(lf);
      }
      return applied;
    };
    const releaseDone = (): void => {
      for (const [orderId, o] of owner) {
        if (engine.isActive(orderId)) continue;
        const r = sub.releaseReservation(o.key);
        if (!r.ok) throw r.error;
        owner.delete(orderId);
      }
    };

    const rng = mulberry32(11);
    const rec = new Reconciler();
    let placed = 0;
    let rejectedByLedger = 0;
    let n = 0;
    const placeFor = (strategy: 'a' | 'b', cross: boolean): boolean => {
      const symbol = strategy === 'a' ? 'BTC-USDT' : 'ETH-USDT';
      const m = engine.market(symbol)!;
      const side = rng() < 0.5 ? 'buy' : 'sell';
      const bid = engine.bestBid(symbol)!;
      const ask = engine.bestAsk(symbol)!;
      const offset = Math.floor(rng() * 5);
      const price = side === 'buy' ? (cross ? ask + offset : bid - offset) : cross ? bid - offset : ask + offset;
      const size = m.minLots * (1 + Math.floor(rng() * 40));
      const hold = orderHold(
        cur,
        side,
        m.base,
        m.quote,
        engine.formatPrice(symbol, price),
        engine.formatSize(symbol, size),
      );
      if (!hold.ok) throw hold.error;
      const key = `k${n++}`;
      const res = sub.reserve(strategy, hold.value.currency, hold.value.amount, key);
      if (!res.ok) {
        expect(res.error.code).toBe('DG_E_LEDGER_INSUFFICIENT');
        rejectedByLedger++;
        return false;
      }
      const r = engine.placeOrder({ account: ACCOUNT, symbol, side, type: 'limit', price, size, clientOid: key });
      if (!r.ok) {
        sub.releaseReservation(key);
        return false;
      }
      placed++;
      owner.set(r.order.orderId, { key, strategy });
      return true;
    };

    for (let round = 0; round < 80; round++) {
      for (const s of ['a', 'b'] as const) placeFor(s, rng() < 0.3);
      applyNewFills();
      flow.advanceTo(clock.now() + 400);
      applyNewFills();
      if (rng() < 0.3) {
        const ids = [...owner.keys()];
        if (ids.length > 0) engine.cancelOrder(ACCOUNT, ids[Math.floor(rng() * ids.length)]);
      }
      releaseDone();
      const inv = sub.checkInvariants();
      if (!inv.ok) throw inv.error;
      const rep = rec.run(sub, venueSnap(), []);
      expect(rep.records.filter((r) => r.verdict !== 'consistent')).toEqual([]);
    }
    expect(placed).toBeGreaterThan(100);
    expect(seen.size).toBeGreaterThan(30);
    console.log(`sim: placed ${placed}, fills ${seen.size}, refused by the ledger ${rejectedByLedger}`);
    // a strategy's order is checked against its own slot, not the account: b holds ≤ 20 000 USDT
    const big = orderHold(cur, 'buy', 'ETH', 'USDT', '2500', '10');
    expect(big.ok && big.value.amount).toBe(units('USDT', '25000'));
    if (!big.ok) throw big.error;
    expect(engine.balance(ACCOUNT, 'USDT').available).toBeGreaterThan(Number(big.value.amount));
    expect(sub.reserve('b', 'USDT', big.value.amount, 'too-big')).toMatchObject({
      ok: false,
      error: { code: 'DG_E_LEDGER_INSUFFICIENT' },
    });
    // main never traded: its BTC and ETH are untouched by the strategies' fills
    expect(sub.slot('BTC', 1)!.total).toBe(units('BTC', '0.7'));

    // everything cancelled: free and frozen match the venue exactly, not just totals
    engine.cancelAll(ACCOUNT);
    releaseDone();
    for (const b of engine.balances(ACCOUNT)) {
      const mine = sub.slot(b.currency, 0)!;
      expect([mine.free, mine.frozen]).toEqual([BigInt(b.available), BigInt(b.hold)]);
    }

    // a deposit the ledger did not hear about is a drift, corrected into main and counted
    engine.depositText(ACCOUNT, 'USDT', '123.45');
    const mainBefore = sub.slot('USDT', 1)!.free;
    const drift = rec.run(sub, venueSnap(), []);
    expect(drift.corrections.map((c) => [c.record.currency, c.record.drift, c.applied])).toEqual([
      ['USDT', units('USDT', '123.45'), true],
    ]);
    expect(sub.slot('USDT', 1)!.free - mainBefore).toBe(units('USDT', '123.45'));
    expect(rec.counters().corrected).toBe(1);

    // fills after the venue snapshot are in flight, not drift
    const stale = venueSnap();
    clock.advance(10);
    let crossed: LedgerFill[] = [];
    for (let i = 0; i < 20 && crossed.length === 0; i++) {
      if (placeFor('a', true)) crossed = applyNewFills();
    }
    expect(crossed.length).toBeGreaterThan(0);
    const late = rec.run(sub, stale, crossed);
    expect(late.records.find((r) => r.currency === 'BTC')!.verdict).toBe('in_flight');
    expect(late.records.find((r) => r.currency === 'USDT')!.verdict).toBe('in_flight');
    expect(late.corrections).toEqual([]);
    expect(rec.run(sub, venueSnap(), []).records.every((r) => r.verdict === 'consistent')).toBe(true);
  });
});
