/**
 * The one Venue conformance suite. Every adapter runs it against a simulated engine that is the
 * truth to compare with: SimVenue in process, CcxtVenue through ccxt.pro kucoin and the sim's
 * KuCoin-compatible server over real sockets.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Instrument } from '../../src/core/instrument.js';
import type { SimEngine } from '../../src/venue/sim/engine.js';
import type {
  BalanceEntry,
  BookSubscription,
  FillEvent,
  OrderUpdateEvent,
  Venue,
  VenueEvent,
  VenueResult,
} from '../../src/venue/venue.js';

export interface ConformanceContext {
  readonly venue: Venue;
  /** The engine behind the venue (the truth). */
  readonly engine: SimEngine;
  /** Engine account the venue trades for. */
  readonly account: string;
  /** Engine symbol, e.g. "BTC-USDT". */
  readonly symbol: string;
  /** Move the public book n steps (other accounts' orders). */
  stepFlow(n: number): void;
  /** Cut the venue's connections (server.dropConnections() / SimVenue.dropConnection()). */
  drop(): void;
  close(): Promise<void>;
  /** The adapter delivers a placement's own events before its reply (asserted when true). */
  readonly eventsBeforeReply?: boolean;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function value<T>(r: VenueResult<T>): T {
  if (!r.ok) throw new Error(`expected ok, got ${r.error.code}: ${r.error.message}`);
  return r.value;
}

function code<T>(r: VenueResult<T>): string {
  return r.ok ? 'ok' : r.error.code;
}

export function runVenueConformance(name: string, make: () => Promise<ConformanceContext>): void {
  describe(`Venue conformance: ${name}`, () => {
    let ctx: ConformanceContext;
    let venue: Venue;
    let inst: Instrument;
    const events: VenueEvent[] = [];
    let seq = 0;
    const cid = (tag: string) => `cf-${tag}-${Date.now().toString(36)}-${(seq++).toString(36)}`;

    const ordersOf = (c: string) =>
      events.filter((e): e is OrderUpdateEvent => e.type === 'order' && e.order.clientOrderId === c);
    const fillsOf = (vid: string) => events.filter((e): e is FillEvent => e.type === 'fill' && e.venueOrderId === vid);

    async function waitFor(
      what: string,
      pred: () => boolean,
      opts: { ms?: number; flow?: boolean } = {},
    ): Promise<void> {
      const deadline = Date.now() + (opts.ms ?? 10_000);
      while (!pred()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        if (opts.flow) ctx.stepFlow(2);
        await sleep(opts.flow ? 15 : 5);
      }
    }

    /** The book equals the engine's at the engine's sequence. */
    async function bookMatchesEngine(sub: BookSubscription): Promise<void> {
      ctx.stepFlow(3);
      const target = ctx.engine.seq(ctx.symbol);
      await waitFor('book at engine sequence', () => sub.synced && sub.seq >= target);
      // the flow is quiet now: the book must equal the engine at exactly this sequence
      expect(sub.seq).toBe(ctx.engine.seq(ctx.symbol));
      const snap = ctx.engine.l2Snapshot(ctx.symbol, 25);
      expect(sub.view.levels(0, 25)).toEqual(snap.bids);
      expect(sub.view.levels(1, 25)).toEqual(snap.asks);
      expect(sub.view.isCrossed()).toBe(false);
    }

    const refTicks = () => {
      const bid = ctx.engine.bestBid(ctx.symbol);
      const ask = ctx.engine.bestAsk(ctx.symbol);
      if (bid === undefined || ask === undefined) throw new Error('engine book has an empty side');
      return { bid, ask };
    };

    beforeAll(async () => {
      ctx = await make();
      venue = ctx.venue;
      venue.on((e) => events.push(e));
      value(await venue.connect());
      const found = venue.instrument(ctx.symbol);
      if (!found) throw new Error(`${ctx.symbol} not listed`);
      inst = found;
    }, 30_000);

    afterAll(async () => {
      await ctx?.close();
    });

    it('lists instruments with the engine grids', () => {
      const m = ctx.engine.market(ctx.symbol)!;
      expect(venue.instruments().length).toBe(ctx.engine.markets().length);
      expect(inst.venue).toBe(venue.id);
      expect(inst.native).toBe(ctx.symbol);
      expect(inst.price.decimals).toBe(m.instrument.price.decimals);
      expect(inst.price.step).toBe(m.instrument.price.step);
      expect(inst.size.decimals).toBe(m.instrument.size.decimals);
      expect(inst.size.step).toBe(m.instrument.size.step);
      expect(inst.minLots).toBe(m.minLots);
      expect(venue.state).toBe('connected');
    });

    it('book subscription gives a synced, non-crossed book equal to the engine', async () => {
      // some feeds (ccxt watchOrderBook) only deliver once the book moves
      const pump = setInterval(() => ctx.stepFlow(1), 10);
      const sub = value(await venue.subscribeBook(inst).finally(() => clearInterval(pump)));
      expect(sub.instrument).toBe(inst);
      expect(sub.synced).toBe(true);
      await bookMatchesEngine(sub);
      expect(events.some((e) => e.type === 'connection' && e.state === 'resynced' && e.instrument === inst)).toBe(true);
      const bookSeqs = events.flatMap((e) => (e.type === 'book' && e.instrument === inst ? [e.seq] : []));
      expect(bookSeqs.length).toBeGreaterThan(0);
      expect(bookSeqs.every((q, i) => i === 0 || q >= bookSeqs[i - 1])).toBe(true);
      expect(bookSeqs.at(-1)).toBe(sub.seq);
    }, 30_000);

    let restingCid = '';
    let restingVid = '';

    it('limit order: received then open events, found by client id, listed as open', async () => {
      const { bid } = refTicks();
      restingCid = cid('rest');
      const ack = value(
        await venue.placeOrder({
          clientOrderId: restingCid,
          instrument: inst,
          side: 0,
          type: 'limit',
          price: bid - 500,
          size: 7,
        }),
      );
      restingVid = ack.venueOrderId;
      expect(ack.clientOrderId).toBe(restingCid);
      expect(restingVid.length).toBeGreaterThan(0);
      await waitFor('open event', () => ordersOf(restingCid).some((e) => e.order.status === 'open'));
      const seen = ordersOf(restingCid).map((e) => e.order.status);
      expect(seen[0]).toBe('received');
      expect(seen.indexOf('open')).toBeGreaterThan(0);
      for (const e of ordersOf(restingCid)) {
        expect(e.order.venueOrderId).toBe(restingVid);
        expect(e.order.instrument).toBe(inst);
        expect(e.order.side).toBe(0);
      }
      const openEv = ordersOf(restingCid).find((e) => e.order.status === 'open')!;
      expect(openEv.order.price).toBe(bid - 500);
      expect(openEv.order.size).toBe(7);
      const q = value(await venue.queryOrder(inst, restingCid));
      expect(q.found).toBe(true);
      if (q.found) {
        expect(q.order).toMatchObject({
          venueOrderId: restingVid,
          status: 'open',
          filledSize: 0,
          price: bid - 500,
          size: 7,
        });
      }
      const open = value(await venue.openOrders(inst));
      expect(open.map((o) => o.venueOrderId)).toContain(restingVid);
      expect(ctx.engine.order(restingVid)?.status).toBe('open');
    });

    it('amend: reduces the open order in place where supported, else a stable error', async () => {
      const r = await venue.amendOrder({ instrument: inst, clientOrderId: restingCid, size: 5 });
      if (!venue.capabilities.amend) {
        expect(code(r)).toBe('DG_E_VENUE_UNSUPPORTED');
        return;
      }
      expect(value(r).venueOrderId).toBe(restingVid);
      await waitFor('amended event', () => ordersOf(restingCid).some((e) => e.order.size === 5));
      const q = value(await venue.queryOrder(inst, restingCid));
      expect(q.found && q.order.size).toBe(5);
      expect(ctx.engine.remainingOf(restingVid)).toBe(5);
      expect(code(await venue.amendOrder({ instrument: inst, clientOrderId: restingCid, size: 9 }))).toBe(
        'DG_E_VENUE_REJECTED',
      );
      expect(code(await venue.amendOrder({ instrument: inst, clientOrderId: cid('nope'), size: 1 }))).toBe(
        'DG_E_VENUE_UNKNOWN_ORDER',
      );
    });

    it('duplicate client order id is a stable error and changes nothing', async () => {
      const before = ctx.engine.activeOrders(ctx.account, ctx.symbol).length;
      const { bid } = refTicks();
      const r = await venue.placeOrder({
        clientOrderId: restingCid,
        instrument: inst,
        side: 0,
        type: 'limit',
        price: bid - 501,
        size: 3,
      });
      expect(code(r)).toBe('DG_E_VENUE_DUPLICATE_CLIENT_ID');
      expect(ctx.engine.activeOrders(ctx.account, ctx.symbol).length).toBe(before);
    });

    it('bad price / size are stable errors (local and venue-side)', async () => {
      const { bid } = refTicks();
      const base = { instrument: inst, side: 0 as const, type: 'limit' as const };
      expect(code(await venue.placeOrder({ ...base, clientOrderId: cid('bad'), price: 0, size: 1 }))).toBe(
        'DG_E_VENUE_BAD_ORDER',
      );
      expect(code(await venue.placeOrder({ ...base, clientOrderId: cid('bad'), price: bid - 10, size: 0 }))).toBe(
        'DG_E_VENUE_BAD_ORDER',
      );
      expect(code(await venue.placeOrder({ ...base, clientOrderId: cid('bad'), price: bid - 10, size: 1.5 }))).toBe(
        'DG_E_VENUE_BAD_ORDER',
      );
      expect(code(await venue.placeOrder({ ...base, clientOrderId: 'has space', price: bid - 10, size: 1 }))).toBe(
        'DG_E_VENUE_BAD_ORDER',
      );
      // above the engine's max size (10 000 BTC): the venue refuses it
      const maxLots = ctx.engine.market(ctx.symbol)!.maxLots;
      expect(code(await venue.placeOrder({ ...base, clientOrderId: cid('big'), price: 10, size: maxLots + 1 }))).toBe(
        'DG_E_VENUE_REJECTED',
      );
      // affordable grid, unaffordable amount
      expect(
        code(
          await venue.placeOrder({
            ...base,
            clientOrderId: cid('poor'),
            price: bid - 10,
            size: Math.floor(maxLots / 100),
          }),
        ),
      ).toBe('DG_E_VENUE_INSUFFICIENT_FUNDS');
    });

    it('post-only that would cross is rejected with a stable code; market order fills', async () => {
      const { ask } = refTicks();
      if (venue.capabilities.postOnly) {
        const r = await venue.placeOrder({
          clientOrderId: cid('po'),
          instrument: inst,
          side: 0,
          type: 'limit',
          price: ask,
          size: 2,
          postOnly: true,
        });
        expect(code(r)).toBe('DG_E_VENUE_REJECTED');
      }
      const m = cid('mkt');
      const ack = value(
        await venue.placeOrder({ clientOrderId: m, instrument: inst, side: 1, type: 'market', size: 5 }),
      );
      await waitFor('market order filled', () => ordersOf(m).some((e) => e.order.status === 'filled'));
      expect(ordersOf(m).at(-1)!.order).toMatchObject({
        venueOrderId: ack.venueOrderId,
        type: 'market',
        filledSize: 5,
        side: 1,
      });
      await waitFor('market fills', () => fillsOf(ack.venueOrderId).reduce((s, f) => s + f.size, 0) === 5);
      expect(fillsOf(ack.venueOrderId).every((f) => f.liquidity === 'taker' && f.side === 1)).toBe(true);
    });

    it('unknown order: cancel is a stable error, query answers not found', async () => {
      const ghost = cid('ghost');
      expect(code(await venue.cancelOrder({ instrument: inst, clientOrderId: ghost }))).toBe(
        'DG_E_VENUE_UNKNOWN_ORDER',
      );
      expect(value(await venue.queryOrder(inst, ghost))).toEqual({ found: false, clientOrderId: ghost });
    });

    it('cancel: canceled event, query shows it, gone from open orders', async () => {
      const ack = value(await venue.cancelOrder({ instrument: inst, clientOrderId: restingCid }));
      expect(ack.venueOrderId).toBe(restingVid);
      await waitFor('canceled event', () => ordersOf(restingCid).some((e) => e.order.status === 'canceled'));
      const q = value(await venue.queryOrder(inst, restingCid));
      expect(q.found && q.order.status).toBe('canceled');
      expect(value(await venue.openOrders(inst)).map((o) => o.venueOrderId)).not.toContain(restingVid);
      // cancelling it again: the venue no longer has it open
      expect(code(await venue.cancelOrder({ instrument: inst, clientOrderId: restingCid }))).toBe(
        'DG_E_VENUE_UNKNOWN_ORDER',
      );
    });

    it('crossing order: fill events with trade ids, filled order, balances move as the engine says', async () => {
      const b0 = value(await venue.balances());
      const { ask } = refTicks();
      const take = cid('take');
      const size = 40;
      const ack = value(
        await venue.placeOrder({
          clientOrderId: take,
          instrument: inst,
          side: 0,
          type: 'limit',
          price: ask + 30,
          size,
          timeInForce: 'IOC',
        }),
      );
      await waitFor('terminal event', () =>
        ordersOf(take).some((e) => e.order.status === 'filled' || e.order.status === 'canceled'),
      );
      const last = ordersOf(take).at(-1)!.order;
      expect(last.filledSize).toBeGreaterThan(0);
      await waitFor('fills', () => fillsOf(ack.venueOrderId).reduce((s, f) => s + f.size, 0) === last.filledSize);
      const fills = fillsOf(ack.venueOrderId);
      const engineFills = ctx.engine.fills(ctx.account, ctx.symbol, 200).filter((f) => f.orderId === ack.venueOrderId);
      expect(new Set(fills.map((f) => f.tradeId))).toEqual(new Set(engineFills.map((f) => f.tradeId)));
      for (const f of fills) {
        expect(f.tradeId.length).toBeGreaterThan(0);
        expect(f.clientOrderId).toBe(take);
        expect(f.liquidity).toBe('taker');
        expect(f.side).toBe(0);
        expect(f.price).toBeLessThanOrEqual(ask + 30);
        const ef = engineFills.find((x) => x.tradeId === f.tradeId)!;
        expect(f.price).toBe(ef.price);
        expect(f.size).toBe(ef.size);
        if (venue.capabilities.fillFeesOnStream) {
          expect(f.fee).toEqual({ currency: ef.feeCurrency, amount: ctx.engine.formatAmount(ef.feeCurrency, ef.fee) });
        } else if (f.fee !== undefined) {
          expect(f.fee.currency).toBe(ef.feeCurrency);
        }
      }
      const truth = (c: string): BalanceEntry => {
        const b = ctx.engine.balance(ctx.account, c);
        const f = (u: number) => ctx.engine.formatAmount(c, u);
        return { currency: c, free: f(b.available), used: f(b.hold), total: f(b.total) };
      };
      const b1 = value(await venue.balances());
      const pick = (bs: BalanceEntry[], c: string) => bs.find((x) => x.currency === c)!;
      for (const c of [inst.base, inst.quote]) {
        const got = pick(b1, c);
        const want = truth(c);
        expect(Number(got.total)).toBe(Number(want.total));
        expect(Number(got.free)).toBe(Number(want.free));
      }
      expect(Number(pick(b1, inst.base).total)).toBeGreaterThan(Number(pick(b0, inst.base).total));
      expect(Number(pick(b1, inst.quote).total)).toBeLessThan(Number(pick(b0, inst.quote).total));
      // the balance stream says the same
      await waitFor('balance event for the base', () =>
        events.some(
          (e) =>
            e.type === 'balance' &&
            e.balances.some((b) => b.currency === inst.base && Number(b.total) === Number(truth(inst.base).total)),
        ),
      );
    });

    it('an event that beats the REST reply is not lost', async () => {
      const { bid } = refTicks();
      const c = cid('race');
      let replied = false;
      const before: string[] = [];
      const off = venue.on((e) => {
        if (e.type === 'order' && e.order.clientOrderId === c && !replied) before.push(e.order.status);
      });
      const p = venue.placeOrder({
        clientOrderId: c,
        instrument: inst,
        side: 0,
        type: 'limit',
        price: bid - 600,
        size: 2,
      });
      const ack = value(await p);
      replied = true;
      off();
      if (ctx.eventsBeforeReply) expect(before.length).toBeGreaterThan(0);
      await waitFor('open', () => ordersOf(c).some((e) => e.order.status === 'open'));
      const statuses = ordersOf(c).map((e) => e.order.status);
      expect(statuses.filter((s) => s === 'received').length).toBe(1);
      expect(statuses[0]).toBe('received');
      expect(ordersOf(c).every((e) => e.order.venueOrderId === ack.venueOrderId)).toBe(true);
      value(await venue.cancelOrder({ instrument: inst, clientOrderId: c }));
      await waitFor('canceled', () => ordersOf(c).some((e) => e.order.status === 'canceled'));
    });

    it('disconnect: reconnect, resubscribe, book resynced, orders still tracked', async () => {
      const { bid } = refTicks();
      const keep = cid('keep');
      const lost = cid('lost');
      const base = { instrument: inst, side: 0 as const, type: 'limit' as const, size: 3 };
      const kept = value(await venue.placeOrder({ ...base, clientOrderId: keep, price: bid - 700 }));
      const gone = value(await venue.placeOrder({ ...base, clientOrderId: lost, price: bid - 701 }));
      await waitFor('both open', () => [keep, lost].every((c) => ordersOf(c).some((e) => e.order.status === 'open')));
      const mark = events.length;
      ctx.drop();
      // While the connection is down, the order is cancelled elsewhere (its event is lost).
      expect(ctx.engine.cancelOrder(ctx.account, gone.venueOrderId).ok).toBe(true);
      ctx.stepFlow(5);
      const after = () => events.slice(mark);
      await waitFor('disconnected', () => after().some((e) => e.type === 'connection' && e.state === 'disconnected'));
      await waitFor('connected', () => after().some((e) => e.type === 'connection' && e.state === 'connected'), {
        ms: 15_000,
      });
      await waitFor('book resynced', () => after().some((e) => e.type === 'connection' && e.state === 'resynced'), {
        ms: 15_000,
        flow: true,
      });
      expect(venue.state).toBe('connected');
      // reconciliation by client id found the cancel that happened while down
      await waitFor('lost cancel reconciled', () => ordersOf(lost).some((e) => e.order.status === 'canceled'));
      expect(ordersOf(keep).every((e) => e.order.status !== 'canceled')).toBe(true);
      // the private stream is back: a cancel of the kept order arrives as an event
      value(await venue.cancelOrder({ instrument: inst, clientOrderId: keep }));
      await waitFor('kept order canceled', () => ordersOf(keep).some((e) => e.order.status === 'canceled'));
      expect(ordersOf(keep).at(-1)!.source).toBe('stream');
      expect(kept.venueOrderId).toBe(ordersOf(keep)[0].order.venueOrderId);
      // the public stream is back: the book follows the engine again
      const sub = value(await venue.subscribeBook(inst));
      await bookMatchesEngine(sub);
    }, 45_000);

    it('no contradictions were reported', () => {
      const errs = events.filter((e) => e.type === 'error');
      expect(errs.map((e) => (e.type === 'error' ? e.error.message : ''))).toEqual([]);
    });
  });
}
