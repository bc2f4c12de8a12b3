/**
 * The venue layer's pure parts: token bucket, backoff, OrderStream guarantees, order-request
 * checks, ccxt error and number translation, event hub ordering.
 */
import ccxt from 'ccxt';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { makeInstrument } from '../../src/core/instrument.js';
import { increment } from '../../src/core/decimal.js';
import { backoffDelay, seededRandom } from '../../src/venue/backoff.js';
import { ccxtErrorCode } from '../../src/venue/ccxt/ccxt-errors.js';
import { unitsOf, precisionIncrement } from '../../src/venue/ccxt/ccxt-numbers.js';
import { ccxtBalances, ccxtOrder } from '../../src/venue/ccxt/ccxt-translate.js';
import { EventHub } from '../../src/venue/event-hub.js';
import { venueEvents } from '../../src/venue/event-iterator.js';
import { checkOrderRequest } from '../../src/venue/order-request.js';
import { OrderStream } from '../../src/venue/order-stream.js';
import { SIM_CAPABILITIES } from '../../src/venue/sim-venue/sim-venue.js';
import type { Timers } from '../../src/venue/timers.js';
import { TokenBucket } from '../../src/venue/token-bucket.js';
import type { FillEvent, VenueEvent, VenueOrder } from '../../src/venue/venue.js';

const inst = makeInstrument(0, {
  venue: 't',
  native: 'BTC-USDT',
  tickSize: '0.1',
  lotSize: '0.00001',
  minSize: '0.0001',
});

describe('TokenBucket', () => {
  it('allows a burst, then spaces calls at the rate; reject mode refuses without spending', () => {
    const clock = new ManualClock(1000);
    const b = new TokenBucket({ ratePerSec: 10, burst: 3 }, clock);
    expect([b.reserve(), b.reserve(), b.reserve()]).toEqual([0, 0, 0]);
    expect(b.reserve()).toBe(100); // one token owed at 10/s
    expect(b.reserve()).toBe(200);
    clock.advance(200);
    expect(b.available()).toBeCloseTo(0, 9);
    clock.advance(10_000);
    expect(b.available()).toBe(3); // capped at burst
  });

  it('acquire waits with the injected timers, or refuses in reject mode', async () => {
    const clock = new ManualClock(0);
    const waits: number[] = [];
    const timers: Timers = {
      setTimeout: (fn, ms) => {
        waits.push(ms);
        clock.advance(ms);
        fn();
        return 0;
      },
      clearTimeout: () => undefined,
    };
    const b = new TokenBucket({ ratePerSec: 4, burst: 1 }, clock);
    expect(await b.acquire(timers)).toBeUndefined();
    expect(await b.acquire(timers)).toBeUndefined();
    expect(waits).toEqual([250]);
    expect(b.waited).toBe(1);
    const r = new TokenBucket({ ratePerSec: 4, burst: 1, mode: 'reject' }, clock);
    expect(await r.acquire(timers)).toBeUndefined();
    expect((await r.acquire(timers))?.code).toBe('DG_E_RATE_LIMITED');
    clock.advance(250);
    expect(await r.acquire(timers)).toBeUndefined(); // the refusal cost nothing
    expect(() => new TokenBucket({ ratePerSec: 0 }, clock)).toThrow(/ratePerSec/);
  });
});

describe('backoff', () => {
  it('doubles up to the cap; jitter stays within [1-j, 1] and is seeded', () => {
    const none = () => 0;
    expect([0, 1, 2, 3, 4, 5].map((n) => backoffDelay(n, { baseMs: 100, maxMs: 1000 }, none))).toEqual([
      100, 200, 400, 800, 1000, 1000,
    ]);
    const r1 = seededRandom(42);
    const r2 = seededRandom(42);
    const a = Array.from({ length: 20 }, (_, n) => backoffDelay(n, { baseMs: 100, maxMs: 5000, jitter: 0.5 }, r1));
    const b = Array.from({ length: 20 }, (_, n) => backoffDelay(n, { baseMs: 100, maxMs: 5000, jitter: 0.5 }, r2));
    expect(a).toEqual(b);
    a.forEach((d, n) => {
      const full = Math.min(5000, 100 * 2 ** n);
      expect(d).toBeGreaterThanOrEqual(Math.floor(full * 0.5));
      expect(d).toBeLessThanOrEqual(full);
    });
  });
});

function order(over: Partial<VenueOrder>): VenueOrder {
  return {
    clientOrderId: 'c1',
    venueOrderId: 'v1',
    instrument: inst,
    side: 0,
    type: 'limit',
    price: 100,
    size: 10,
    filledSize: 0,
    status: 'open',
    ts: 1,
    ...over,
  };
}

function fill(over: Partial<FillEvent>): FillEvent {
  return {
    type: 'fill',
    instrument: inst,
    clientOrderId: undefined,
    venueOrderId: 'v1',
    tradeId: 't1',
    side: 0,
    price: 100,
    size: 4,
    fee: undefined,
    liquidity: 'maker',
    ts: 2,
    ...over,
  };
}

describe('OrderStream', () => {
  const make = () => {
    const out: VenueEvent[] = [];
    const clock = new ManualClock(0);
    return { out, clock, s: new OrderStream((e) => out.push(e), clock, { holdMs: 1000 }) };
  };
  const statuses = (out: VenueEvent[]) =>
    out.map((e) => (e.type === 'order' ? `${e.order.status}:${e.order.filledSize}` : e.type));

  it('synthesises received first, drops repeats and stale updates, normalises open-with-fills', () => {
    const { out, s } = make();
    s.order(order({ status: 'open' }), 'stream');
    s.order(order({ status: 'open' }), 'stream'); // repeat
    s.order(order({ status: 'received' }), 'rest'); // stale
    s.order(order({ status: 'open', filledSize: 4 }), 'stream'); // fills with a lower-ranked status
    s.order(order({ status: 'filled', filledSize: 10 }), 'stream');
    s.order(order({ status: 'open', filledSize: 4 }), 'reconcile'); // stale after terminal
    expect(statuses(out)).toEqual(['received:0', 'open:0', 'open:4', 'filled:10']);
    expect(s.stats).toMatchObject({ repeats: 1, stale: 2, contradictions: 0 });
    expect(s.live()).toEqual([]);
  });

  it('reports contradictions as DG_E_VENUE_BAD_REPLY and applies nothing', () => {
    const { out, s } = make();
    s.order(order({ status: 'filled', filledSize: 10 }), 'stream');
    s.order(order({ status: 'canceled', filledSize: 10 }), 'stream'); // two terminal states
    s.order(order({ venueOrderId: 'v2', status: 'open' }), 'stream'); // same client id, other venue id
    s.link('c1', 'v9'); // c1 is v1: another venue id for it
    s.link('c2', 'v1'); // v1 belongs to c1
    const errs = out.filter((e) => e.type === 'error');
    expect(errs.length).toBe(4);
    for (const e of errs) expect(e.type === 'error' && e.error.code).toBe('DG_E_VENUE_BAD_REPLY');
    expect(s.last('c1')?.status).toBe('filled');
  });

  it('holds events that name only an unlinked venue id until link(), then delivers them in order', () => {
    const { out, s, clock } = make();
    s.order(order({ clientOrderId: undefined, status: 'open' }), 'stream');
    s.fill(fill({}));
    s.fill(fill({})); // duplicate trade id
    s.order(order({ clientOrderId: undefined, status: 'partial', filledSize: 4 }), 'stream');
    expect(out).toEqual([]);
    expect(s.heldCount()).toBe(4);
    s.link('c1', 'v1');
    expect(statuses(out)).toEqual(['received:0', 'open:0', 'fill', 'partial:4']);
    expect(
      out.every((e) =>
        e.type === 'order' ? e.order.clientOrderId === 'c1' : e.type !== 'fill' || e.clientOrderId === 'c1',
      ),
    ).toBe(true);
    expect(s.stats.duplicateFills).toBe(1);
    // an unlinked event older than holdMs is dropped and counted
    s.order(order({ clientOrderId: undefined, venueOrderId: 'v7' }), 'stream');
    clock.advance(1001);
    s.order(order({ clientOrderId: 'c3', venueOrderId: 'v3' }), 'stream');
    expect(s.heldCount()).toBe(0);
    expect(s.stats.heldDropped).toBe(1);
  });

  it('an event that carries the client id itself releases what was held for its venue id', () => {
    const { out, s } = make();
    s.fill(fill({ tradeId: 't9' })); // the trade beat the order's first event (e.g. after a restart)
    expect(s.heldCount()).toBe(1);
    s.order(order({ clientOrderId: 'c1', status: 'partial', filledSize: 4 }), 'stream');
    expect(s.heldCount()).toBe(0);
    expect(statuses(out)).toEqual(['fill', 'received:0', 'partial:4']);
    const f = out.find((e) => e.type === 'fill');
    expect(f?.type === 'fill' && f.clientOrderId).toBe('c1');
    // the same through a fill that names its client id
    s.order(order({ clientOrderId: undefined, venueOrderId: 'v5', status: 'open' }), 'stream');
    s.fill(fill({ clientOrderId: 'c5', venueOrderId: 'v5', tradeId: 't5' }));
    expect(s.heldCount()).toBe(0);
    expect(s.last('c5')?.status).toBe('open');
  });
});

describe('OrderStream in-flight tracking', () => {
  it('expected orders are live (to be resolved by client id) until answered; a refusal forgets them', () => {
    const out: VenueEvent[] = [];
    const s = new OrderStream((e) => out.push(e), new ManualClock(0));
    s.expect('a');
    s.expect('b');
    expect(s.isTracked('a')).toBe(true);
    expect(s.live()).toEqual(['a', 'b']);
    s.forget('b');
    s.link('a', 'va'); // feed evidence (an L3 received) before the reply
    s.order(order({ clientOrderId: undefined, venueOrderId: 'va', status: 'open' }), 'stream');
    expect(out.map((e) => (e.type === 'order' ? e.order.clientOrderId : ''))).toEqual(['a', 'a']);
    s.forget('a'); // has a state: not forgotten
    expect(s.live()).toEqual(['a']);
    expect(s.isTracked('b')).toBe(false);
  });
});

describe('checkOrderRequest', () => {
  const base = { clientOrderId: 'ok-1', instrument: inst, side: 0 as const };
  const c = (r: Parameters<typeof checkOrderRequest>[0]) => checkOrderRequest(r, SIM_CAPABILITIES)?.message ?? 'ok';
  it('accepts valid limit and market requests and refuses the rest with DG_E_VENUE_BAD_ORDER', () => {
    expect(c({ ...base, type: 'limit', price: 10, size: 10 })).toBe('ok');
    expect(c({ ...base, type: 'market', size: 10 })).toBe('ok');
    expect(c({ ...base, type: 'market', funds: '12.5' })).toBe('ok');
    expect(c({ ...base, type: 'limit', price: 10, size: 9 })).toMatch(/minimum/);
    expect(c({ ...base, type: 'limit', size: 10 })).toMatch(/price/);
    expect(c({ ...base, type: 'limit', price: -1, size: 10 })).toMatch(/price/);
    expect(c({ ...base, type: 'market', size: 10, funds: '1' })).toMatch(/exactly one/);
    expect(c({ ...base, type: 'market', funds: '-1' })).toMatch(/positive/);
    expect(c({ ...base, type: 'market', funds: 'abc' })).toMatch(/decimal/);
    expect(c({ ...base, type: 'market', size: 10, postOnly: true })).toMatch(/postOnly/);
    expect(c({ ...base, type: 'limit', price: 10, size: 10, postOnly: true, timeInForce: 'IOC' })).toMatch(/GTC/);
    expect(c({ ...base, clientOrderId: 'x'.repeat(41), type: 'limit', price: 10, size: 10 })).toMatch(/clientOrderId/);
    expect(checkOrderRequest({ ...base, type: 'limit', price: 10, size: 0 }, SIM_CAPABILITIES)?.code).toBe(
      'DG_E_VENUE_BAD_ORDER',
    );
  });
});

describe('ccxt translation', () => {
  it('maps ccxt exception classes to stable codes, subclasses first', () => {
    const cases: Array<[Error, string]> = [
      [new ccxt.RequestTimeout('t'), 'DG_E_VENUE_TIMEOUT'],
      [new ccxt.NetworkError('n'), 'DG_E_VENUE_UNAVAILABLE'],
      [new ccxt.ExchangeNotAvailable('x'), 'DG_E_VENUE_UNAVAILABLE'],
      [new ccxt.RateLimitExceeded('r'), 'DG_E_RATE_LIMITED'],
      [new ccxt.DDoSProtection('d'), 'DG_E_RATE_LIMITED'],
      [new ccxt.AuthenticationError('a'), 'DG_E_VENUE_AUTH'],
      [new ccxt.InsufficientFunds('f'), 'DG_E_VENUE_INSUFFICIENT_FUNDS'],
      [new ccxt.OrderNotFound('o'), 'DG_E_VENUE_UNKNOWN_ORDER'],
      [new ccxt.InvalidOrder('kucoin {"code":"126044","msg":"clientOid duplicate"}'), 'DG_E_VENUE_DUPLICATE_CLIENT_ID'],
      [new ccxt.DuplicateOrderId('d'), 'DG_E_VENUE_DUPLICATE_CLIENT_ID'],
      [new ccxt.InvalidOrder('Price increment invalid.'), 'DG_E_VENUE_REJECTED'],
      [new ccxt.BadRequest('b'), 'DG_E_VENUE_REJECTED'],
      [new ccxt.BadSymbol('s'), 'DG_E_UNKNOWN_INSTRUMENT'],
      [new ccxt.BadResponse('b'), 'DG_E_VENUE_BAD_REPLY'],
      [new ccxt.ExchangeError('e'), 'DG_E_VENUE_REJECTED'],
      [new ccxt.NotSupported('n'), 'DG_E_VENUE_UNSUPPORTED'],
      [new ccxt.ArgumentsRequired('a'), 'DG_E_VENUE_UNSUPPORTED'],
      [new TypeError('x is undefined'), 'DG_E_VENUE_BAD_REPLY'],
    ];
    for (const [e, want] of cases) expect([e.constructor.name, ccxtErrorCode(e)]).toEqual([e.constructor.name, want]);
  });

  it('numbers become ticks/lots exactly; float noise snaps, real off-grid values are bad replies', () => {
    expect(unitsOf(60000.1, inst.price, 'p')).toBe(600001);
    expect(unitsOf(0.00003, inst.size, 's')).toBe(3);
    expect(unitsOf(0.1 + 0.2, increment('0.1'), 's')).toBe(3); // 0.30000000000000004
    expect(() => unitsOf(0.000015, inst.size, 's')).toThrow(/off the 0.00001 grid/);
    expect(() => unitsOf(Number.NaN, inst.size, 's')).toThrow(/not a number/);
    expect(() => unitsOf('1', inst.size, 's')).toThrow(/not a number/);
    expect(precisionIncrement(1e-7, 4)).toBe('0.0000001');
    expect(precisionIncrement(8, 2)).toBe('1e-8');
    expect(precisionIncrement(undefined, 4)).toBeUndefined();
  });

  it('ccxt orders and balances are checked field by field', () => {
    const o = {
      id: 'x1',
      clientOrderId: 'c',
      symbol: 'BTC/USDT',
      side: 'buy',
      type: 'limit',
      price: 100.5,
      amount: 0.001,
      filled: 0.0004,
      status: 'open',
      timestamp: 5,
    };
    expect(ccxtOrder(o as never, inst, 9)).toMatchObject({
      venueOrderId: 'x1',
      price: 1005,
      size: 100,
      filledSize: 40,
      status: 'partial',
      ts: 5,
    });
    expect(ccxtOrder({ ...o, status: 'closed', filled: 0.001 } as never, inst, 9).status).toBe('filled');
    expect(ccxtOrder({ ...o, status: 'closed' } as never, inst, 9).status).toBe('canceled'); // closed short of its size
    expect(() => ccxtOrder({ ...o, status: 'weird' } as never, inst, 9)).toThrow(/status/);
    expect(() => ccxtOrder({ ...o, id: undefined } as never, inst, 9)).toThrow(/order id/);
    expect(() => ccxtOrder({ ...o, filled: 0.002 } as never, inst, 9)).toThrow(/filled/);
    expect(() => ccxtOrder({ ...o, side: 'up' } as never, inst, 9)).toThrow(/side/);
    const b = {
      info: {},
      BTC: { free: 1.5, used: 0.5, total: 2 },
      USDT: { free: 1e-7, used: 0, total: 1e-7 },
      free: {},
      used: {},
      total: {},
    };
    expect(ccxtBalances(b as never)).toEqual([
      { currency: 'BTC', free: '1.5', used: '0.5', total: '2' },
      { currency: 'USDT', free: '0.0000001', used: '0', total: '0.0000001' },
    ]);
    expect(() => ccxtBalances({ info: '<html>', BTC: { free: 1 } } as never)).toThrow(/JSON/);
  });
});

describe('EventHub', () => {
  it('delivers asynchronously, in emit order, survives a throwing listener', async () => {
    const hub = new EventHub();
    const got: number[] = [];
    hub.on(() => {
      throw new Error('bad listener');
    });
    hub.on((e) => got.push(e.type === 'connection' ? e.ts : -1));
    for (let i = 0; i < 5; i++) hub.emit({ type: 'connection', state: 'connected', ts: i });
    expect(got).toEqual([]);
    await hub.idle();
    expect(got).toEqual([0, 1, 2, 3, 4]);
    expect(hub.listenerErrors).toBe(5);
  });
});

describe('venueEvents (async iterator)', () => {
  it('yields events in order, ends on break, fails loudly when the consumer falls too far behind', async () => {
    const hub = new EventHub();
    const src = { on: (l: (e: VenueEvent) => void) => hub.on(l) };
    const it1 = venueEvents(src);
    for (let i = 0; i < 3; i++) hub.emit({ type: 'connection', state: 'connected', ts: i });
    const got: number[] = [];
    for await (const e of it1) {
      got.push(e.type === 'connection' ? e.ts : -1);
      if (got.length === 3) break;
    }
    expect(got).toEqual([0, 1, 2]);
    const slow = venueEvents(src, { maxQueued: 2 });
    for (let i = 0; i < 5; i++) hub.emit({ type: 'connection', state: 'connected', ts: i });
    await hub.idle();
    await expect(slow.next()).resolves.toMatchObject({ done: false });
    await slow.next();
    await expect(slow.next()).rejects.toMatchObject({ code: 'DG_E_BUFFER_OVERFLOW' });
    const ac = new AbortController();
    const aborted = venueEvents(src, { signal: ac.signal });
    const pending = aborted.next();
    ac.abort();
    await expect(pending).resolves.toEqual({ value: undefined, done: true });
  });
});
