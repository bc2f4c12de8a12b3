import { describe, expect, it } from 'vitest';
import { CLIENT_ID_PROFILES } from '../../src/oms/client-order-id.js';
import type { FeedEvent, OmsOutput, VenueFill } from '../../src/oms/order-io.js';
import { accepted, done, feedFill, fill, makeTracker } from './helpers.js';

const T0 = 1_700_000_000_000;

function states(outputs: readonly OmsOutput[]): string[] {
  return outputs.flatMap((o) => (o.type === 'order' ? [o.order.state] : []));
}
function fillsOut(outputs: readonly OmsOutput[]): string[] {
  return outputs.flatMap((o) => (o.type === 'fill' ? [o.fill.tradeId] : []));
}

describe('OrderTracker lifecycle', () => {
  it('tracks a limit order to filled with exact amounts and fees', () => {
    const { tracker } = makeTracker();
    expect(
      tracker.submit({ clientId: 'mm-1--1', strategy: 'mm', instrument: 3, side: 0, price: 100, size: 10 }).ok,
    ).toBe(true);
    expect(tracker.onAck('mm-1--1', 'V1').ok).toBe(true);
    expect(tracker.onFeed(accepted('V1')).ok).toBe(true);
    const r1 = tracker.onFeed(feedFill('V1', fill('t1', 101, 3, T0, 5n)));
    expect(states(r1.outputs)).toEqual(['partially-filled']);
    expect(fillsOut(r1.outputs)).toEqual(['t1']);
    const r2 = tracker.onFeed(feedFill('V1', { ...fill('t2', 102, 7, T0, -2n), feeCurrency: 'KCS' }));
    expect(states(r2.outputs)).toEqual(['filled']);
    expect(tracker.onFeed(done('V1', 'filled')).ok).toBe(true); // absorbed by `filled`
    const o = tracker.get('mm-1--1')!;
    expect(o.state).toBe('filled');
    expect(o.filledSize).toBe(10);
    expect(o.filledNotional).toBe(101n * 3n + 102n * 7n); // average = 1017 / 10 ticks, exact
    expect(o.fees).toEqual([
      { currency: 'KCS', amount: -2n },
      { currency: 'USDT', amount: 5n },
    ]);
    expect(tracker.errors.count()).toBe(0);
  });

  it('refuses a second submit of the same client id (never a duplicate order)', () => {
    const { tracker } = makeTracker();
    tracker.submit({ clientId: 'mm-1--1', strategy: 'mm', instrument: 0, side: 1, price: 5, size: 1 });
    const r = tracker.submit({ clientId: 'mm-1--1', strategy: 'mm', instrument: 0, side: 1, price: 5, size: 1 });
    expect(r.ok).toBe(false);
    expect(r.errors[0]!.code).toBe('DG_E_DUPLICATE_CLIENT_ID');
    expect(tracker.errors.count('DG_E_DUPLICATE_CLIENT_ID')).toBe(1);
    expect(tracker.get('mm-1--1')!.version).toBe(1);
  });

  it('checks client ids against the venue profile when one is configured', () => {
    const { tracker } = makeTracker({ clientIdProfile: CLIENT_ID_PROFILES.kucoin });
    expect(tracker.submit({ clientId: 'mm-1--1', strategy: 'mm', instrument: 0, side: 0, size: 1 }).ok).toBe(true);
    expect(
      tracker.submit({ clientId: 'mm-1--2', strategy: 'hedge', instrument: 0, side: 0, size: 1 }).errors[0]!.code,
    ).toBe('DG_E_OMS_BAD_CLIENT_ID');
    expect(
      tracker.submit({ clientId: 'random', strategy: 'mm', instrument: 0, side: 0, size: 1 }).errors[0]!.code,
    ).toBe('DG_E_OMS_BAD_CLIENT_ID');
    expect(
      tracker.submit({ clientId: 'Mm-1--3', strategy: 'Mm', instrument: 0, side: 0, size: 1 }).errors[0]!.code,
    ).toBe('DG_E_OMS_BAD_STRATEGY');
  });
});

describe('races', () => {
  it('feed events before the REST reply are held and applied in order once linked', () => {
    const { tracker } = makeTracker();
    tracker.submit({ clientId: 'mm-1--1', strategy: 'mm', instrument: 0, side: 0, price: 100, size: 5 });
    // Public-L3 style: no clientOid on these, so the tracker cannot know whose they are yet.
    expect(tracker.onFeed(accepted('V9')).buffered).toBe(true);
    expect(tracker.onFeed(feedFill('V9', fill('t1', 100, 2))).buffered).toBe(true);
    expect(tracker.onFeed(feedFill('V9', fill('t2', 100, 3))).buffered).toBe(true);
    expect(tracker.onFeed(done('V9', 'filled')).buffered).toBe(true);
    expect(tracker.get('mm-1--1')!.state).toBe('pending-new');
    const r = tracker.onAck('mm-1--1', 'V9');
    expect(r.errors).toEqual([]);
    expect(states(r.outputs)).toEqual(['open', 'open', 'partially-filled', 'filled', 'filled']);
    expect(fillsOut(r.outputs)).toEqual(['t1', 't2']);
    expect(tracker.get('mm-1--1')!.filledSize).toBe(5);
    expect(tracker.stats().pending.waitingIds).toBe(0);
  });

  it('a feed `received` with the client id links before the REST reply; the reply must agree', () => {
    const { tracker } = makeTracker();
    tracker.submit({ clientId: 'mm-1--1', strategy: 'mm', instrument: 0, side: 0, price: 100, size: 5 });
    // A message without the client id arrives first (e.g. the feed reordered or a public-L3 copy): held.
    tracker.onFeed(feedFill('V1', fill('t1', 100, 1)));
    const r = tracker.onFeed(accepted('V1', 'mm-1--1'));
    // held events came earlier on the feed, so they are applied first, then the linking event
    expect(states(r.outputs)).toEqual(['partially-filled', 'partially-filled']);
    expect(tracker.getByVenueId('V1')!.clientId).toBe('mm-1--1');
    expect(tracker.onAck('mm-1--1', 'V1').ok).toBe(true);
    const bad = tracker.onAck('mm-1--1', 'V2');
    expect(bad.errors[0]!.code).toBe('DG_E_OMS_VENUE_ID_CONFLICT');
    expect(tracker.get('mm-1--1')!.venueOrderId).toBe('V1');
  });

  it('REST timeout where the order did land: unknown, queried by client id, adopted — no resubmit', () => {
    const { tracker, clock } = makeTracker();
    tracker.submit({ clientId: 'mm-1--1', strategy: 'mm', instrument: 0, side: 0, price: 100, size: 5 });
    expect(states(tracker.onTimeout('mm-1--1').outputs)).toEqual(['unknown']);
    expect(tracker.needsQuery()).toEqual(['mm-1--1']);
    // The strategy retries the same order: refused, the kernel must wait for the query.
    expect(
      tracker.submit({ clientId: 'mm-1--1', strategy: 'mm', instrument: 0, side: 0, price: 100, size: 5 }).errors[0]!
        .code,
    ).toBe('DG_E_DUPLICATE_CLIENT_ID');
    // Meanwhile the feed shows fills of an order id nobody has linked yet.
    tracker.onFeed(feedFill('V5', fill('t1', 100, 2, T0 + 5)));
    clock.advance(1000);
    const r = tracker.onQueryResult({
      clientId: 'mm-1--1',
      found: true,
      venueOrderId: 'V5',
      status: 'open',
      filledSize: 2,
      filledNotional: 200n,
      fills: [fill('t1', 100, 2, T0 + 5)],
      asOf: T0 + 900,
    });
    expect(r.errors).toEqual([]);
    const o = tracker.get('mm-1--1')!;
    expect(o.state).toBe('partially-filled');
    expect(o.filledSize).toBe(2); // t1 once: from the REST list; the held feed copy was a duplicate
    expect(tracker.stats().duplicateFills).toBe(1);
    expect(tracker.needsQuery()).toEqual([]);
  });

  it('timeout then not found: not definitive inside the grace window, rejected after it', () => {
    const { tracker, clock } = makeTracker({ notFoundGraceMs: 5000 });
    tracker.submit({ clientId: 'mm-1--1', strategy: 'mm', instrument: 0, side: 1, price: 100, size: 5 });
    tracker.onTimeout('mm-1--1');
    clock.advance(1000);
    const early = tracker.onQueryResult({ clientId: 'mm-1--1', found: false });
    expect(early.ok).toBe(true);
    expect(tracker.get('mm-1--1')!.state).toBe('unknown');
    expect(tracker.needsQuery()).toEqual([]); // not before submit + grace
    clock.advance(4000);
    expect(tracker.needsQuery()).toEqual(['mm-1--1']);
    const late = tracker.onQueryResult({ clientId: 'mm-1--1', found: false });
    expect(states(late.outputs)).toEqual(['rejected']);
    expect(tracker.closedOrders('mm').map((o) => o.clientId)).toEqual(['mm-1--1']);
    expect(tracker.stats().earlyNotFound).toBe(1);
  });

  it('cancel racing a fill: cancel requested, fill, done-filled ⇒ filled; the late cancel reject changes nothing', () => {
    const { tracker } = makeTracker();
    tracker.submit({ clientId: 'mm-1--1', strategy: 'mm', instrument: 0, side: 0, price: 100, size: 4 });
    tracker.onAck('mm-1--1', 'V1');
    expect(states(tracker.requestCancel('mm-1--1').outputs)).toEqual(['pending-cancel']);
    expect(states(tracker.onFeed(feedFill('V1', fill('t1', 100, 1))).outputs)).toEqual(['pending-cancel']);
    expect(states(tracker.onFeed(feedFill('V1', fill('t2', 100, 3))).outputs)).toEqual(['filled']);
    tracker.onFeed(done('V1', 'filled'));
    expect(tracker.onCancelReject('mm-1--1', 'order already done').ok).toBe(true);
    const o = tracker.get('mm-1--1')!;
    expect([o.state, o.filledSize, o.cancelRequested]).toEqual(['filled', 4, true]);
    expect(tracker.errors.count()).toBe(0);
  });

  it('cancel after partial fills ⇒ canceled with the filled size kept; the cancel ack after the feed is absorbed', () => {
    const { tracker } = makeTracker();
    tracker.submit({ clientId: 'mm-1--1', strategy: 'mm', instrument: 0, side: 0, price: 100, size: 4 });
    tracker.onAck('mm-1--1', 'V1');
    tracker.onFeed(feedFill('V1', fill('t1', 99, 1)));
    tracker.requestCancel('mm-1--1');
    tracker.onFeed(feedFill('V1', fill('t2', 98, 1)));
    expect(states(tracker.onFeed(done('V1', 'canceled')).outputs)).toEqual(['canceled']);
    expect(tracker.onCancelAck('mm-1--1').ok).toBe(true);
    const o = tracker.get('mm-1--1')!;
    expect([o.state, o.filledSize, o.filledNotional]).toEqual(['canceled', 2, 197n]);
  });

  it('cancel rejected before the feed says why: unknown, then the feed or a query settles it', () => {
    const { tracker } = makeTracker();
    tracker.submit({ clientId: 'mm-1--1', strategy: 'mm', instrument: 0, side: 0, price: 100, size: 2 });
    tracker.onAck('mm-1--1', 'V1');
    tracker.requestCancel('mm-1--1');
    expect(states(tracker.onCancelReject('mm-1--1').outputs)).toEqual(['unknown']);
    expect(tracker.needsQuery()).toEqual(['mm-1--1']);
    expect(states(tracker.onFeed(feedFill('V1', fill('t1', 100, 2))).outputs)).toEqual(['filled']);
    expect(tracker.needsQuery()).toEqual([]);
  });

  it('disconnect puts live orders in unknown and leaves done ones alone', () => {
    const { tracker } = makeTracker();
    tracker.submit({ clientId: 'a-1--1', strategy: 'a', instrument: 0, side: 0, price: 1, size: 1 });
    tracker.submit({ clientId: 'a-1--2', strategy: 'a', instrument: 0, side: 0, price: 1, size: 1 });
    tracker.onAck('a-1--2', 'V2');
    tracker.onFeed(done('V2', 'canceled'));
    const r = tracker.onDisconnect();
    expect(states(r.outputs)).toEqual(['unknown']);
    expect(tracker.needsQuery()).toEqual(['a-1--1']);
    expect(tracker.get('a-1--2')!.state).toBe('canceled');
  });
});

describe('fills: dedupe and REST reconciliation', () => {
  it('ignores duplicate fill messages by trade id', () => {
    const { tracker } = makeTracker();
    tracker.submit({ clientId: 'mm-1--1', strategy: 'mm', instrument: 0, side: 0, price: 100, size: 10 });
    tracker.onAck('mm-1--1', 'V1');
    const f = fill('t1', 100, 2);
    expect(fillsOut(tracker.onFeed(feedFill('V1', f)).outputs)).toEqual(['t1']);
    const again = tracker.onFeed(feedFill('V1', f));
    expect(again).toEqual({ ok: true, outputs: [], errors: [] });
    expect(tracker.get('mm-1--1')!.filledSize).toBe(2);
    expect(tracker.stats().duplicateFills).toBe(1);
  });

  it('counts a trade seen on the feed and via REST once', () => {
    const { tracker } = makeTracker();
    tracker.submit({ clientId: 'mm-1--1', strategy: 'mm', instrument: 0, side: 0, price: 100, size: 10 });
    tracker.onAck('mm-1--1', 'V1');
    tracker.onFeed(feedFill('V1', fill('t1', 100, 2)));
    const r = tracker.onQueryResult({
      clientId: 'mm-1--1',
      found: true,
      venueOrderId: 'V1',
      status: 'open',
      filledSize: 5,
      filledNotional: 200n + 303n,
      fills: [fill('t1', 100, 2), fill('t2', 101, 3)],
      asOf: T0,
    });
    expect(fillsOut(r.outputs)).toEqual(['t2']);
    tracker.onFeed(feedFill('V1', fill('t2', 101, 3)));
    const o = tracker.get('mm-1--1')!;
    expect([o.filledSize, o.filledNotional]).toEqual([5, 503n]);
    expect(tracker.fills('mm-1--1').map((f) => [f.tradeId, f.source])).toEqual([
      ['t1', 'feed'],
      ['t2', 'rest'],
    ]);
  });

  it('REST trade history and the feed share one dedupe set, in either order', () => {
    const { tracker } = makeTracker();
    tracker.submit({ clientId: 'mm-1--1', strategy: 'mm', instrument: 0, side: 0, price: 100, size: 6 });
    tracker.onAck('mm-1--1', 'V1');
    const r1 = tracker.onRestFills('mm-1--1', [fill('t1', 100, 1), fill('t2', 100, 2)]);
    expect(fillsOut(r1.outputs)).toEqual(['t1', 't2']);
    tracker.onFeed(feedFill('V1', fill('t2', 100, 2)));
    tracker.onFeed(feedFill('V1', fill('t3', 100, 3)));
    const r2 = tracker.onRestFills('mm-1--1', [fill('t1', 100, 1), fill('t2', 100, 2), fill('t3', 100, 3)]);
    expect(r2).toEqual({ ok: true, outputs: [], errors: [] });
    expect(tracker.get('mm-1--1')).toMatchObject({ state: 'filled', filledSize: 6, filledNotional: 600n });
    expect(tracker.stats().duplicateFills).toBe(4);
  });

  it('venue totals beyond the feed make one synthetic catch-up fill; the late real trades are marked covered', () => {
    const { tracker } = makeTracker();
    tracker.submit({ clientId: 'mm-1--1', strategy: 'mm', instrument: 0, side: 0, price: 100, size: 10 });
    tracker.onAck('mm-1--1', 'V1');
    tracker.onFeed(feedFill('V1', fill('t1', 100, 2, T0 + 1)));
    const r = tracker.onQueryResult({
      clientId: 'mm-1--1',
      found: true,
      venueOrderId: 'V1',
      status: 'canceled',
      filledSize: 6,
      filledNotional: 200n + 3n * 101n + 1n * 103n,
      fees: [{ currency: 'USDT', amount: 9n }],
      asOf: T0 + 50,
    });
    expect(r.errors).toEqual([]);
    const catchUp = r.outputs.find((o) => o.type === 'fill');
    expect(catchUp?.type === 'fill' && catchUp.fill).toMatchObject({
      synthetic: true,
      source: 'catch-up',
      size: 4,
      notional: 406n,
      price: 101,
      fees: [{ currency: 'USDT', amount: 8n }],
    });
    let o = tracker.get('mm-1--1')!;
    expect([o.state, o.filledSize, o.filledNotional]).toEqual(['canceled', 6, 606n]);
    // The feed catches up with the trades the totals already counted: recorded, not added again.
    const late1 = tracker.onFeed(feedFill('V1', fill('t2', 101, 3, T0 + 10)));
    const late2 = tracker.onFeed(feedFill('V1', fill('t3', 103, 1, T0 + 20)));
    expect([late1.ok, late2.ok]).toEqual([true, true]);
    expect(late1.outputs[0]!.type === 'fill' && late1.outputs[0]!.fill.covered).toBe(true);
    tracker.onFeed(done('V1', 'canceled'));
    o = tracker.get('mm-1--1')!;
    expect([o.state, o.filledSize, o.filledNotional]).toEqual(['canceled', 6, 606n]);
    expect(tracker.stats().coveredFills).toBe(2);
    expect(tracker.errors.count()).toBe(0);
  });
});

describe('bad input: error value, stable code, state unchanged, counted', () => {
  function setup() {
    const t = makeTracker();
    t.tracker.submit({ clientId: 'mm-1--1', strategy: 'mm', instrument: 0, side: 0, price: 100, size: 5 });
    t.tracker.onAck('mm-1--1', 'V1');
    t.tracker.onFeed(feedFill('V1', fill('t1', 100, 2)));
    return t;
  }
  const cases: Array<
    [
      string,
      (t: ReturnType<typeof makeTracker>['tracker']) => { ok: boolean; errors: readonly { code: string }[] },
      string,
    ]
  > = [
    [
      'fill on an unknown order',
      (t) => t.onFeed(feedFill('V77', fill('t9', 100, 1), 'mm-9--9')),
      'DG_E_OMS_UNKNOWN_ORDER',
    ],
    ['fill exceeding the order size', (t) => t.onFeed(feedFill('V1', fill('t2', 100, 4))), 'DG_E_OMS_OVERFILL'],
    ['negative size', (t) => t.onFeed(feedFill('V1', fill('t2', 100, -1))), 'DG_E_OMS_BAD_EVENT'],
    ['fractional lots', (t) => t.onFeed(feedFill('V1', fill('t2', 100, 1.5))), 'DG_E_OMS_BAD_EVENT'],
    [
      'float fee',
      (t) => t.onFeed(feedFill('V1', { ...fill('t2', 100, 1), fee: 0.1 as unknown as bigint })),
      'DG_E_OMS_BAD_EVENT',
    ],
    ['empty trade id', (t) => t.onFeed(feedFill('V1', fill('', 100, 1))), 'DG_E_OMS_BAD_EVENT'],
    ['done-filled with filled < size', (t) => t.onFeed(done('V1', 'filled')), 'DG_E_OMS_CONTRADICTION'],
    [
      'unknown feed kind',
      (t) => t.onFeed({ kind: 'weird', venueOrderId: 'V1' } as unknown as FeedEvent),
      'DG_E_OMS_BAD_EVENT',
    ],
    ['reject after fills', (t) => t.onReject('mm-1--1', 'x'), 'DG_E_ILLEGAL_TRANSITION'],
    ['feed clientId disagrees with the link', (t) => t.onFeed(accepted('V1', 'mm-2--2')), 'DG_E_OMS_VENUE_ID_CONFLICT'],
    [
      'query: venue reports less filled than known',
      (t) =>
        t.onQueryResult({
          clientId: 'mm-1--1',
          found: true,
          venueOrderId: 'V1',
          status: 'open',
          filledSize: 1,
          filledNotional: 100n,
          asOf: T0,
        }),
      'DG_E_OMS_CONTRADICTION',
    ],
    [
      'query: filled but short of the size',
      (t) =>
        t.onQueryResult({
          clientId: 'mm-1--1',
          found: true,
          venueOrderId: 'V1',
          status: 'filled',
          filledSize: 4,
          filledNotional: 400n,
          asOf: T0,
        }),
      'DG_E_OMS_CONTRADICTION',
    ],
    [
      'query: notional disagrees with sizes',
      (t) =>
        t.onQueryResult({
          clientId: 'mm-1--1',
          found: true,
          venueOrderId: 'V1',
          status: 'open',
          filledSize: 2,
          filledNotional: 201n,
          asOf: T0,
        }),
      'DG_E_OMS_CONTRADICTION',
    ],
    [
      'query: other venue order id',
      (t) =>
        t.onQueryResult({
          clientId: 'mm-1--1',
          found: true,
          venueOrderId: 'V2',
          status: 'open',
          filledSize: 2,
          filledNotional: 200n,
          asOf: T0,
        }),
      'DG_E_OMS_VENUE_ID_CONFLICT',
    ],
    [
      'query: malformed status',
      (t) =>
        t.onQueryResult({
          clientId: 'mm-1--1',
          found: true,
          venueOrderId: 'V1',
          status: 'zzz' as 'open',
          filledSize: 2,
          filledNotional: 200n,
          asOf: T0,
        }),
      'DG_E_OMS_BAD_EVENT',
    ],
    [
      'query: listed fills overfill',
      (t) =>
        t.onQueryResult({
          clientId: 'mm-1--1',
          found: true,
          venueOrderId: 'V1',
          status: 'open',
          filledSize: 6,
          filledNotional: 600n,
          fills: [fill('t1', 100, 2), fill('t5', 100, 4)],
          asOf: T0,
        }),
      'DG_E_OMS_OVERFILL',
    ],
    ['cancel ack without a cancel request', (t) => t.onCancelAck('mm-1--1'), 'DG_E_ILLEGAL_TRANSITION'],
    ['ack with an empty venue id', (t) => t.onAck('mm-1--1', ''), 'DG_E_OMS_BAD_EVENT'],
    ['timeout for an order never submitted', (t) => t.onTimeout('nope'), 'DG_E_OMS_UNKNOWN_ORDER'],
  ];
  for (const [name, act, code] of cases) {
    it(name, () => {
      const { tracker } = setup();
      const before = tracker.get('mm-1--1');
      const fillsBefore = tracker.fills('mm-1--1');
      const r = act(tracker);
      expect(r.ok).toBe(false);
      expect(r.errors.map((e) => e.code)).toEqual([code]);
      expect(tracker.errors.count(code as never)).toBe(1);
      expect(tracker.get('mm-1--1')).toEqual(before);
      expect(tracker.fills('mm-1--1')).toEqual(fillsBefore);
    });
  }
  it('bad submit fields', () => {
    const { tracker } = makeTracker();
    const base = { clientId: 'mm-1--1', strategy: 'mm', instrument: 0, side: 0 as const, price: 1, size: 1 };
    expect(tracker.submit({ ...base, size: 0 }).errors[0]!.code).toBe('DG_E_OMS_BAD_EVENT');
    expect(tracker.submit({ ...base, price: -3 }).errors[0]!.code).toBe('DG_E_OMS_BAD_EVENT');
    expect(tracker.submit({ ...base, side: 2 as 0 }).errors[0]!.code).toBe('DG_E_OMS_BAD_EVENT');
    expect(tracker.submit({ ...base, clientId: 'has space' }).errors[0]!.code).toBe('DG_E_OMS_BAD_CLIENT_ID');
    expect(tracker.errors.count()).toBe(4);
    expect(tracker.stats().orders).toBe(0);
  });
});

describe('per-strategy indexes', () => {
  it('keeps open and closed orders per strategy, closed list capped', () => {
    const { tracker } = makeTracker({ closedCap: 2 });
    const ids: string[] = [];
    for (let i = 1; i <= 5; i++) {
      const id = `a-1--${i}`;
      ids.push(id);
      tracker.submit({ clientId: id, strategy: 'a', instrument: 0, side: 0, price: 1, size: 1 });
      tracker.onAck(id, `V${i}`);
    }
    tracker.submit({ clientId: 'b-1--1', strategy: 'b', instrument: 0, side: 1, price: 1, size: 1 });
    expect(tracker.openOrders('a').map((o) => o.clientId)).toEqual(ids);
    expect(tracker.openCount('b')).toBe(1);
    for (const i of [2, 4, 1]) tracker.onFeed(done(`V${i}`, 'canceled'));
    expect(tracker.openOrders('a').map((o) => o.clientId)).toEqual(['a-1--3', 'a-1--5']);
    expect(tracker.closedOrders('a').map((o) => o.clientId)).toEqual(['a-1--4', 'a-1--1']);
    // a-1--2 was pushed out of the capped closed list and forgotten
    expect(tracker.get('a-1--2')).toBeUndefined();
    expect(tracker.stats().forgotten).toBe(1);
    expect(tracker.closedOrders('b')).toEqual([]);
    expect(tracker.strategies().sort()).toEqual(['a', 'b']);
    // handle reuse: the next order gets the freed dense handle
    tracker.submit({ clientId: 'a-1--6', strategy: 'a', instrument: 0, side: 0, price: 1, size: 1 });
    expect(tracker.handleOf('a-1--6')).toBe(1);
  });
});

describe('pending feed buffer bounds', () => {
  it('expires and evicts events for venue ids that never link', () => {
    const { tracker, clock } = makeTracker({ buffer: { maxIds: 3, maxPerId: 2, ttlMs: 1000 } });
    for (let i = 0; i < 5; i++) tracker.onFeed(accepted(`X${i}`));
    expect(tracker.stats().pending).toMatchObject({ waitingIds: 3, evicted: 2 });
    tracker.onFeed(feedFill('X4', fill('a', 1, 1)));
    tracker.onFeed(feedFill('X4', fill('b', 1, 1)));
    expect(tracker.stats().pending.dropped).toBe(1);
    clock.advance(5000);
    tracker.onFeed(accepted('Y'));
    expect(tracker.stats().pending).toMatchObject({ waitingIds: 1, expired: 4 });
  });
});

describe('orders without a fixed size (market by funds)', () => {
  it('accepts any number of fills and done-filled at any filled size', () => {
    const { tracker } = makeTracker();
    tracker.submit({ clientId: 'mm-1--1', strategy: 'mm', instrument: 0, side: 0 });
    tracker.onAck('mm-1--1', 'V1');
    const fs: VenueFill[] = [fill('t1', 10, 3), fill('t2', 11, 4)];
    for (const f of fs) tracker.onFeed(feedFill('V1', f));
    expect(tracker.get('mm-1--1')!.state).toBe('partially-filled');
    tracker.onFeed(done('V1', 'filled'));
    expect(tracker.get('mm-1--1')).toMatchObject({ state: 'filled', filledSize: 7, filledNotional: 74n });
  });
});

describe('bounds and error accounting', () => {
  it('an order without a size keeps at most maxFillsPerOrder trade ids and records', () => {
    const { tracker } = makeTracker({ maxFillsPerOrder: 5 });
    tracker.submit({ clientId: 'mm-1--1', strategy: 'mm', instrument: 0, side: 0 });
    tracker.onAck('mm-1--1', 'V1');
    for (let i = 0; i < 12; i++) tracker.onFeed(feedFill('V1', fill(`t${i}`, 10, 1)));
    expect(tracker.fills('mm-1--1').map((f) => f.tradeId)).toEqual(['t7', 't8', 't9', 't10', 't11']);
    expect(tracker.get('mm-1--1')!.filledSize).toBe(12); // totals keep every fill
    tracker.onFeed(feedFill('V1', fill('t11', 10, 1))); // recent ids still deduped
    expect(tracker.get('mm-1--1')!.filledSize).toBe(12);
  });

  it('errors from held events replayed on link are returned and counted once', () => {
    const { tracker } = makeTracker();
    tracker.submit({ clientId: 'mm-1--1', strategy: 'mm', instrument: 0, side: 0, price: 1, size: 2 });
    tracker.onFeed(feedFill('V1', fill('t1', 1, 2)));
    tracker.onFeed(feedFill('V1', fill('t2', 1, 1))); // overfills once t1 is applied
    const r = tracker.onAck('mm-1--1', 'V1');
    expect(r.ok).toBe(false);
    expect(r.errors.map((e) => e.code)).toEqual(['DG_E_OMS_OVERFILL']);
    expect(states(r.outputs)).toEqual(['open', 'filled']);
    expect(tracker.errors.count()).toBe(1);
    expect(tracker.errors.toJSON()).toEqual({ DG_E_OMS_OVERFILL: 1 });
  });
});
