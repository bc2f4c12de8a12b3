/**
 * Seeded random stress: thousands of random commands (valid and invalid) against an engine with
 * accounts and fees; after each one the invariants are checked. Also: L3 sequences are
 * contiguous per symbol, replaying the L3 stream reproduces the engine's L3 snapshot, and the
 * same seed gives a byte-identical message stream.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { SimEngine } from '../../src/venue/sim/engine.js';
import { DEFAULT_MARKETS } from '../../src/venue/sim/default-markets.js';
import { Rng } from '../../src/venue/sim/rng.js';
import type { PlaceOrderParams, SimMessage, StpMode, TimeInForce } from '../../src/venue/sim/engine-types.js';
import type { L3Event } from '../../src/core/events.js';

const ACCOUNTS = ['a0', 'a1', 'a2', 'a3', 'a4', 'a5'];
const SYMBOLS = ['BTC-USDT', 'ETH-USDT', 'XRP-USDT'];
const MID: Record<string, number> = { 'BTC-USDT': 600_000, 'ETH-USDT': 300_000 };

function setup(seed: number) {
  const clock = new ManualClock(1_700_000_000_000);
  const engine = new SimEngine({ markets: DEFAULT_MARKETS, clock, seed, defaultFees: { makerBps: 1.5, takerBps: 7 } });
  const rng = new Rng(seed);
  for (const id of ACCOUNTS) {
    engine.createAccount(id, rng.chance(0.3) ? { makerBps: 0, takerBps: 3.25 } : undefined);
    engine.deposit(id, 'USDT', rng.int(1, 2_000_000) * 1e8);
    engine.deposit(id, 'BTC', rng.int(1, 20) * 1e8 + rng.int(0, 99_999_999));
    engine.deposit(id, 'ETH', rng.int(1, 300) * 1e8);
  }
  return { clock, engine, rng };
}

function randomOp(engine: SimEngine, rng: Rng, clock: ManualClock, ids: string[], tally: Map<string, number>): void {
  const note = (k: string): void => {
    tally.set(k, (tally.get(k) ?? 0) + 1);
  };
  const r = rng.next();
  const account = rng.chance(0.02) ? 'ghost' : rng.pick(ACCOUNTS);
  const symbol = rng.chance(0.01) ? 'XRP-USDT' : rng.pick(SYMBOLS.slice(0, 2));
  const mid = MID[symbol] ?? 1000;
  if (rng.chance(0.2)) clock.advance(rng.int(0, 5000));
  if (r < 0.5) {
    const side = rng.chance(0.5) ? 'buy' : 'sell';
    const off = Math.round(rng.normal() * 40);
    const base = side === 'buy' ? mid - off : mid + off;
    const price = rng.chance(0.01) ? base + 0.5 : rng.chance(0.005) ? -5 : base;
    const size = rng.chance(0.01)
      ? 0.5
      : rng.chance(0.03)
        ? rng.int(1e6, 5e7)
        : Math.max(1, Math.round(rng.pareto(200, 1.3)));
    const tif: TimeInForce = rng.pick(['GTC', 'GTC', 'GTC', 'IOC', 'FOK']);
    const p: PlaceOrderParams = {
      account,
      symbol,
      side,
      type: 'limit',
      price,
      size,
      timeInForce: tif,
      postOnly: tif === 'GTC' && rng.chance(0.1),
      stp: rng.chance(0.3) ? rng.pick<StpMode>(['CN', 'CO', 'CB', 'DC']) : undefined,
      clientOid: rng.chance(0.2) ? `c${rng.int(0, 300)}` : undefined,
    };
    const res = engine.placeOrder(p);
    note(res.ok ? `limit:${res.order.doneReason ?? 'open'}` : res.error.code);
    if (res.ok && res.order.status === 'open') ids.push(res.order.orderId);
  } else if (r < 0.62) {
    const side = rng.chance(0.5) ? 'buy' : 'sell';
    const byFunds = rng.chance(0.4);
    const res = engine.placeOrder({
      account,
      symbol,
      side,
      type: 'market',
      size: byFunds ? undefined : Math.max(1, Math.round(rng.pareto(300, 1.2))),
      funds: byFunds ? Math.round(rng.pareto(1e9, 1.2)) : undefined,
      stp: rng.chance(0.3) ? rng.pick<StpMode>(['CN', 'CO', 'CB', 'DC']) : undefined,
    });
    note(res.ok ? `market:${res.order.doneReason}` : res.error.code);
  } else if (r < 0.88) {
    const id = ids.length > 0 && rng.chance(0.95) ? ids[rng.int(0, ids.length - 1)] : 'deadbeefdeadbeefdeadbeef';
    const o = engine.order(id);
    const res = engine.cancelOrder(rng.chance(0.9) && o ? o.account : account, id);
    note(res.ok ? 'cancel:ok' : `cancel:${res.error.code}`);
  } else if (r < 0.95) {
    const id = ids.length > 0 ? ids[rng.int(0, ids.length - 1)] : 'x';
    const o = engine.order(id);
    if (o) {
      const res = engine.amendOrder(
        o.account,
        id,
        rng.chance(0.2) ? o.remainSize + rng.int(0, 3) : rng.int(0, o.remainSize),
      );
      note(res.ok ? 'amend:ok' : `amend:${res.error.code}`);
    }
  } else if (r < 0.98) {
    engine.cancelByClientOid(account, `c${rng.int(0, 300)}`);
  } else if (account !== 'ghost') {
    const cur = rng.pick(['USDT', 'BTC', 'ETH']);
    try {
      if (rng.chance(0.5)) engine.withdraw(account, cur, rng.int(1, 1e9));
      else engine.deposit(account, cur, rng.int(1, 1e9));
    } catch {
      /* insufficient funds is an expected outcome */
    }
  }
  if (ids.length > 5000) ids.splice(0, 2500);
}

function checkInvariants(engine: SimEngine): void {
  const totals = new Map<string, number>();
  const holds = new Map<string, number>();
  for (const id of ACCOUNTS) {
    for (const b of engine.balances(id)) {
      if (!(b.available >= 0 && b.hold >= 0 && Number.isSafeInteger(b.available) && Number.isSafeInteger(b.hold))) {
        throw new Error(`bad balance ${id} ${JSON.stringify(b)}`);
      }
      totals.set(b.currency, (totals.get(b.currency) ?? 0) + b.total);
      holds.set(`${id}/${b.currency}`, b.hold);
    }
  }
  for (const t of engine.ledgerTotals()) {
    if ((totals.get(t.currency) ?? 0) + t.fees !== t.supply) {
      throw new Error(`conservation ${t.currency}: ${totals.get(t.currency)} + ${t.fees} != ${t.supply}`);
    }
  }
  const need = new Map<string, number>();
  for (const id of ACCOUNTS) {
    for (const o of engine.activeOrders(id)) {
      const m = engine.market(o.symbol)!;
      if (o.type !== 'limit' || o.status !== 'open') throw new Error(`non-resting active order ${o.orderId}`);
      const h = o.side === 'buy' ? o.remainSize * o.price * m.quoteUnitsPerTickLot : o.remainSize * m.baseUnitsPerLot;
      const key = `${id}/${o.side === 'buy' ? m.quote : m.base}`;
      need.set(key, (need.get(key) ?? 0) + h);
    }
  }
  for (const [key, h] of holds) {
    if ((need.get(key) ?? 0) !== h) throw new Error(`hold ${key}: ${h} != required ${need.get(key) ?? 0}`);
  }
  for (const s of ['BTC-USDT', 'ETH-USDT']) {
    const bb = engine.bestBid(s);
    const ba = engine.bestAsk(s);
    if (bb !== undefined && ba !== undefined && bb >= ba) throw new Error(`crossed ${s}: ${bb} >= ${ba}`);
  }
}

/** Minimal L3 replica driven only by the feed (KuCoin v2 rules). */
class Replica {
  readonly orders = new Map<string, { side: number; price: number; size: number; n: number }>();
  private n = 0;
  apply(e: L3Event): void {
    switch (e.type) {
      case 'open':
        this.orders.set(e.orderId, { side: e.side, price: e.price, size: e.size, n: this.n++ });
        break;
      case 'change': {
        const o = this.orders.get(e.orderId);
        if (!o) throw new Error(`change of unknown ${e.orderId}`);
        o.size = e.size;
        break;
      }
      case 'match': {
        const o = this.orders.get(e.makerOrderId);
        if (!o) throw new Error(`match of unknown maker ${e.makerOrderId}`);
        if (o.size - e.size !== e.remaining) throw new Error('remainSize disagrees with size');
        o.size = e.remaining ?? o.size - e.size;
        break;
      }
      case 'done':
        this.orders.delete(e.orderId);
        break;
      default:
        break;
    }
  }
  side(side: number): Array<[string, number, number]> {
    const xs = [...this.orders.entries()].filter(([, o]) => o.side === side && o.size > 0);
    xs.sort((x, y) => (side === 0 ? y[1].price - x[1].price : x[1].price - y[1].price) || x[1].n - y[1].n);
    return xs.map(([id, o]) => [id, o.price, o.size]);
  }
}

function run(seed: number, ops: number, check: boolean) {
  const tally = new Map<string, number>();
  const { clock, engine, rng } = setup(seed);
  const hash = createHash('sha256');
  const lastSeq = new Map<string, number>();
  const replicas = new Map<string, Replica>();
  let messages = 0;
  engine.on((m: SimMessage) => {
    messages++;
    const k =
      m.type === 'l3'
        ? `l3:${m.event.type}${m.event.type === 'done' ? `:${m.event.reason}` : ''}`
        : m.type === 'order'
          ? `order:${m.changeType}`
          : m.type;
    tally.set(k, (tally.get(k) ?? 0) + 1);
    hash.update(JSON.stringify(m));
    if (m.type === 'l3') {
      const prev = lastSeq.get(m.symbol) ?? 0;
      if (m.event.seq !== prev + 1) throw new Error(`seq gap ${m.symbol}: ${prev} → ${m.event.seq}`);
      lastSeq.set(m.symbol, m.event.seq);
      let rep = replicas.get(m.symbol);
      if (!rep) replicas.set(m.symbol, (rep = new Replica()));
      rep.apply(m.event);
    } else if (m.type === 'l2' || m.type === 'trade') {
      if (m.seq !== lastSeq.get(m.symbol)) throw new Error(`${m.type} seq ${m.seq} is not the current L3 seq`);
    }
  });
  const ids: string[] = [];
  for (let i = 0; i < ops; i++) {
    randomOp(engine, rng, clock, ids, tally);
    if (check) checkInvariants(engine);
  }
  return { hash: hash.digest('hex'), messages, seqs: Object.fromEntries(lastSeq), engine, replicas, tally };
}

describe('sim engine under seeded random stress', () => {
  it('keeps every invariant after each of 6000 random commands', () => {
    const r = run(1234, 6000, true);
    expect(r.messages).toBeGreaterThan(20_000);
    for (const s of ['BTC-USDT', 'ETH-USDT']) {
      expect(r.seqs[s]).toBe(r.engine.seq(s));
      const snap = r.engine.l3Snapshot(s);
      const rep = r.replicas.get(s)!;
      expect(rep.side(0)).toEqual(snap.bids.map((o) => [o.orderId, o.price, o.size]));
      expect(rep.side(1)).toEqual(snap.asks.map((o) => [o.orderId, o.price, o.size]));
      // L2 aggregate agrees with L3
      const agg = new Map<number, number>();
      for (const o of [...snap.bids, ...snap.asks]) agg.set(o.price, (agg.get(o.price) ?? 0) + o.size);
      const l2 = r.engine.l2Snapshot(s, 10_000);
      for (const [p, q] of [...l2.bids, ...l2.asks]) expect(agg.get(p)).toBe(q);
      expect(l2.bids.length + l2.asks.length).toBe(agg.size);
    }
    expect(r.engine.tradeCount('BTC-USDT')).toBeGreaterThan(100);
    // the stream really exercised every path
    const t = (k: string): number => r.tally.get(k) ?? 0;
    for (const k of [
      'l3:change',
      'l3:done:canceled',
      'l3:done:filled',
      'order:update',
      'limit:open',
      'limit:filled',
      'limit:canceled',
      'market:filled',
      'market:canceled',
      'cancel:ok',
      'amend:ok',
    ]) {
      expect(t(k), k).toBeGreaterThan(0);
    }
    for (const code of [
      'DG_E_SIM_UNKNOWN_ACCOUNT',
      'DG_E_SIM_UNKNOWN_SYMBOL',
      'DG_E_SIM_OFF_TICK',
      'DG_E_SIM_OFF_LOT',
      'DG_E_SIM_POST_ONLY_CROSS',
      'DG_E_SIM_INSUFFICIENT_FUNDS',
      'DG_E_SIM_DUPLICATE_CLIENT_OID',
      'cancel:DG_E_SIM_ORDER_DONE',
      'cancel:DG_E_SIM_UNKNOWN_ORDER',
      'amend:DG_E_SIM_AMEND_NOT_DOWN',
    ]) {
      expect(t(code), code).toBeGreaterThan(0);
    }
  });

  it('is deterministic: same seed ⇒ identical message stream; other seed ⇒ different', () => {
    const a = run(99, 3000, false);
    const b = run(99, 3000, false);
    const c = run(100, 3000, false);
    expect(a.hash).toBe(b.hash);
    expect(a.messages).toBe(b.messages);
    expect(c.hash).not.toBe(a.hash);
  });
});
