import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ErrorCode } from '../../src/core/errors.js';
import {
  ORDER_EVENTS,
  ORDER_STATES,
  TRANSITIONS,
  isTerminal,
  legalTransitions,
  renderTransitionTable,
  transition,
  type OrderEvent,
  type OrderState,
} from '../../src/oms/order-states.js';
import type { OmsResult } from '../../src/oms/order-io.js';
import type { OrderTracker } from '../../src/oms/order-tracker.js';
import { accepted, done, feedFill, fill, makeTracker } from './helpers.js';

const CID = 'mm-1--1';
const VID = 'v1';

/** Drive a fresh tracker's order into `state` through the public API. */
function driveTo(state: OrderState, sized: boolean): { tracker: OrderTracker; advance: (ms: number) => void } {
  const { tracker, clock } = makeTracker();
  const must = (r: OmsResult): void => {
    expect(r.errors).toEqual([]);
  };
  must(
    tracker.submit({ clientId: CID, strategy: 'mm', instrument: 0, side: 0, price: 100, size: sized ? 10 : undefined }),
  );
  const open = (): void => must(tracker.onAck(CID, VID));
  switch (state) {
    case 'pending-new':
      break;
    case 'open':
      open();
      break;
    case 'partially-filled':
      open();
      must(tracker.onFeed(feedFill(VID, fill('t0', 100, 2))));
      break;
    case 'pending-cancel':
      open();
      must(tracker.requestCancel(CID));
      break;
    case 'unknown':
      must(tracker.onTimeout(CID));
      break;
    case 'filled':
      open();
      must(tracker.onFeed(feedFill(VID, fill('t0', 100, 10))));
      if (!sized) must(tracker.onFeed(done(VID, 'filled')));
      break;
    case 'canceled':
      open();
      must(tracker.onFeed(done(VID, 'canceled')));
      break;
    case 'rejected':
      must(tracker.onReject(CID, 'insufficient balance'));
      break;
    case 'expired':
      open();
      must(tracker.onFeed(done(VID, 'expired')));
      break;
  }
  expect(tracker.get(CID)?.state).toBe(state);
  return { tracker, advance: (ms) => clock.advance(ms) };
}

/** Apply one table event through the public API, the way an adapter would deliver it. */
function apply(tracker: OrderTracker, event: OrderEvent, advance: (ms: number) => void): OmsResult {
  const o = tracker.get(CID)!;
  const found = (status: 'open' | 'filled' | 'canceled' | 'expired' | 'rejected', filledSize: number) =>
    tracker.onQueryResult({
      clientId: CID,
      found: true,
      venueOrderId: VID,
      status,
      filledSize,
      filledNotional: o.filledNotional + BigInt(100 * (filledSize - o.filledSize)),
      asOf: 1_700_000_000_000,
    });
  switch (event) {
    case 'ack':
      return tracker.onAck(CID, VID);
    case 'reject':
      return tracker.onReject(CID, 'venue says no');
    case 'accepted':
      return tracker.onFeed(accepted(VID, CID));
    case 'fill':
      return tracker.onFeed(feedFill(VID, fill('tx', 100, 1), CID));
    case 'fill-complete':
      return tracker.onFeed(feedFill(VID, fill('tx', 100, Math.max(1, 10 - o.filledSize)), CID));
    case 'cancel-request':
      return tracker.requestCancel(CID);
    case 'cancel-ack':
      return tracker.onCancelAck(CID);
    case 'cancel-reject':
      return tracker.onCancelReject(CID, 'order not found');
    case 'done-filled':
      return tracker.onFeed({ ...done(VID, 'filled'), clientId: CID });
    case 'done-canceled':
      return tracker.onFeed({ ...done(VID, 'canceled'), clientId: CID });
    case 'done-expired':
      return tracker.onFeed({ ...done(VID, 'expired'), clientId: CID });
    case 'timeout':
      return tracker.onTimeout(CID);
    case 'disconnect':
      return tracker.onDisconnect();
    case 'query-open':
      return found('open', 0);
    case 'query-partial':
      return found('open', o.filledSize + 1);
    case 'query-filled':
      return found('filled', 10);
    case 'query-canceled':
      return found('canceled', o.filledSize);
    case 'query-expired':
      return found('expired', o.filledSize);
    case 'query-rejected':
      return found('rejected', 0);
    case 'query-not-found':
      advance(60_000);
      return tracker.onQueryResult({ clientId: CID, found: false });
  }
}

describe('order state table', () => {
  it('is total over states and uses only known states', () => {
    for (const s of ORDER_STATES) {
      expect(TRANSITIONS[s]).toBeDefined();
      for (const [e, n] of Object.entries(TRANSITIONS[s])) {
        expect(ORDER_EVENTS).toContain(e);
        expect(ORDER_STATES).toContain(n);
      }
    }
    // terminal states never lead back to a live state
    for (const t of legalTransitions()) if (isTerminal(t.state)) expect(t.next).toBe(t.state);
  });

  it('pure transition() follows the table and errors on every missing pair', () => {
    let legal = 0;
    let illegal = 0;
    for (const s of ORDER_STATES) {
      for (const e of ORDER_EVENTS) {
        const r = transition(s, e);
        const want = TRANSITIONS[s][e];
        if (want === undefined) {
          illegal++;
          expect(r.ok).toBe(false);
          if (!r.ok) expect(r.error.code).toBe('DG_E_ILLEGAL_TRANSITION');
        } else {
          legal++;
          expect(r).toEqual({ ok: true, next: want });
        }
      }
    }
    expect(legal).toBe(legalTransitions().length);
    expect(legal + illegal).toBe(ORDER_STATES.length * ORDER_EVENTS.length);
  });

  // Every (state, event) pair through the real tracker API: legal ones land where the table says,
  // illegal ones change nothing, return an error and are counted.
  for (const state of ORDER_STATES) {
    it(`tracker follows the table from ${state}`, () => {
      for (const event of ORDER_EVENTS) {
        const sized = event !== 'done-filled';
        const { tracker, advance } = driveTo(state, sized);
        const before = tracker.get(CID)!;
        const errorsBefore = tracker.errors.count();
        const r = apply(tracker, event, advance);
        const want = TRANSITIONS[state][event];
        const after = tracker.get(CID)!;
        if (want !== undefined) {
          expect({ state, event, errors: r.errors.map((e) => e.code) }).toEqual({ state, event, errors: [] });
          expect({ state, event, next: after.state }).toEqual({ state, event, next: want });
        } else {
          expect({ state, event, ok: r.ok }).toEqual({ state, event, ok: false });
          const allowed: ErrorCode[] = ['DG_E_ILLEGAL_TRANSITION', 'DG_E_OMS_CONTRADICTION', 'DG_E_OMS_OVERFILL'];
          expect(allowed).toContain(r.errors[0]!.code);
          expect(tracker.errors.count()).toBe(errorsBefore + 1);
          expect(after).toEqual(before);
        }
      }
    });
  }

  it('rejects a sample of illegal events with DG_E_ILLEGAL_TRANSITION and counts them', () => {
    const cases: Array<[OrderState, OrderEvent]> = [
      ['filled', 'cancel-request'],
      ['canceled', 'cancel-request'],
      ['rejected', 'ack'],
      ['filled', 'done-canceled'],
      ['canceled', 'done-filled'],
      ['open', 'reject'],
      ['open', 'cancel-ack'],
      ['expired', 'done-canceled'],
    ];
    for (const [state, event] of cases) {
      const { tracker, advance } = driveTo(state, true);
      const before = tracker.get(CID);
      const r = apply(tracker, event, advance);
      expect(r.ok).toBe(false);
      expect(r.errors[0]!.code).toBe('DG_E_ILLEGAL_TRANSITION');
      expect(tracker.errors.count('DG_E_ILLEGAL_TRANSITION')).toBe(1);
      expect(tracker.get(CID)).toEqual(before);
    }
  });

  it('docs/oms.md prints exactly the table in the code', () => {
    const doc = readFileSync(new URL('../../docs/oms.md', import.meta.url), 'utf8');
    const m = /<!-- oms-table:begin -->\n([\s\S]*?)\n<!-- oms-table:end -->/.exec(doc);
    expect(m, 'table markers in docs/oms.md').not.toBeNull();
    expect(m![1]).toBe(renderTransitionTable());
  });
});
