/**
 * SimVenue beyond the conformance suite: reply-first ordering, deterministic delivery with an
 * injected scheduler, the injected reconnect timer, L3 queue positions of own orders.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { SimVenue } from '../../src/venue/sim-venue/sim-venue.js';
import type { Timers } from '../../src/venue/timers.js';
import type { VenueEvent } from '../../src/venue/venue.js';
import { makeEngine, TestFlow, TRADER } from '../sim-server/support.js';

function setup(opts: { ordering?: 'events-first' | 'reply-first'; timers?: Timers } = {}) {
  const clock = new ManualClock(1_700_000_000_000);
  const engine = makeEngine(clock, 5);
  const flow = new TestFlow(engine, 'BTC-USDT', 9);
  flow.seed(20);
  const venue = new SimVenue({ engine, account: TRADER.accountId, clock, ...opts });
  const events: VenueEvent[] = [];
  venue.on((e) => events.push(e));
  return { clock, engine, flow, venue, events };
}

describe('SimVenue', () => {
  it('reply-first: the reply comes before the events, and they still follow in order', async () => {
    const { venue, events, engine } = setup({ ordering: 'reply-first' });
    await venue.connect();
    const inst = venue.instrument('BTC/USDT')!;
    const seenAtReply: number[] = [];
    const r = await venue.placeOrder({
      clientOrderId: 'rf-1',
      instrument: inst,
      side: 1,
      type: 'limit',
      price: engine.bestAsk('BTC-USDT')! + 50,
      size: 3,
    });
    seenAtReply.push(events.filter((e) => e.type === 'order').length);
    expect(r.ok).toBe(true);
    await venue.settle();
    const mine = events
      .filter((e) => e.type === 'order')
      .map((e) => (e.type === 'order' ? `${e.source}:${e.order.status}` : ''));
    expect(seenAtReply).toEqual([0]); // nothing delivered before the reply
    expect(mine).toEqual(['rest:received', 'stream:open']);
  });

  it('same inputs, same event stream (deterministic delivery)', async () => {
    const run = async () => {
      const { venue, events, engine, flow } = setup();
      await venue.connect();
      const inst = venue.instrument('BTC-USDT')!;
      await venue.subscribeBook(inst);
      for (let i = 0; i < 5; i++) {
        flow.step();
        await venue.placeOrder({
          clientOrderId: `d-${i}`,
          instrument: inst,
          side: 0,
          type: 'limit',
          price: engine.bestAsk('BTC-USDT')! + 5,
          size: 20 + i,
        });
      }
      await venue.settle();
      await venue.close();
      return JSON.stringify(
        events.map((e) =>
          e.type === 'order'
            ? { ...e, order: { ...e.order, instrument: e.order.instrument.symbol } }
            : e.type === 'fill' || e.type === 'book' || e.type === 'connection'
              ? { ...e, instrument: e.instrument?.symbol }
              : e,
        ),
      );
    };
    const a = await run();
    expect(a).toEqual(await run());
    expect(a).toContain('"type":"fill"');
  });

  it('dropConnection uses the injected timer; events in the outage are lost, then reconciled', async () => {
    const pending: Array<{ fn: () => void; ms: number }> = [];
    const timers: Timers = { setTimeout: (fn, ms) => pending.push({ fn, ms }), clearTimeout: () => undefined };
    const { venue, events, engine } = setup({ timers });
    await venue.connect();
    const inst = venue.instrument('BTC-USDT')!;
    const sub = await venue.subscribeBook(inst);
    expect(sub.ok).toBe(true);
    const r = await venue.placeOrder({
      clientOrderId: 'out-1',
      instrument: inst,
      side: 0,
      type: 'limit',
      price: engine.bestBid('BTC-USDT')! - 5,
      size: 4,
    });
    expect(r.ok).toBe(true);
    venue.dropConnection();
    expect(venue.state).toBe('disconnected');
    expect(pending.map((p) => p.ms)).toEqual([50]);
    engine.cancelByClientOid(TRADER.accountId, 'out-1');
    await venue.settle();
    expect(venue.lostWhileDown).toBeGreaterThan(0);
    expect(events.some((e) => e.type === 'order' && e.order.status === 'canceled')).toBe(false);
    expect(sub.ok && sub.value.synced).toBe(false); // a book known to be stale is never shown
    pending.shift()!.fn();
    await venue.settle();
    await venue.settle();
    expect(venue.state).toBe('connected');
    const last = events.filter((e) => e.type === 'order').at(-1);
    expect(last?.type === 'order' && [last.source, last.order.status]).toEqual(['reconcile', 'canceled']);
    expect(sub.ok && sub.value.synced).toBe(true);
  });

  it('the L3 book gives the queue position of an own resting order', async () => {
    const { venue, engine } = setup();
    await venue.connect();
    const inst = venue.instrument('BTC-USDT')!;
    await venue.subscribeBook(inst);
    const bid = engine.bestBid('BTC-USDT')!;
    const r = await venue.placeOrder({
      clientOrderId: 'q-1',
      instrument: inst,
      side: 0,
      type: 'limit',
      price: bid,
      size: 2,
    });
    await venue.settle();
    const pos = r.ok ? venue.l3Book(inst)!.queuePosition(r.value.venueOrderId) : undefined;
    const ahead = engine.l3Snapshot('BTC-USDT').bids.filter((o) => o.price === bid);
    expect(pos?.ordersAhead).toBe(ahead.length - 1);
    expect(pos?.levelSize).toBe(ahead.reduce((s, o) => s + o.size, 0));
  });
});
