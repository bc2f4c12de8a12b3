/**
 * Seeded randomized test: one venue truth per case, delivered in a random interleaving — feed
 * before or after the REST reply, messages duplicated, feed fills lost (then a REST reconciliation
 * with a trade list or with totals only), REST timeouts, disconnects, cancels racing fills — and
 * the tracker must end in the truth every time.
 */
import { describe, expect, it } from 'vitest';
import type { ErrorCode } from '../../src/core/errors.js';
import type { FeedEvent, QueryResult, VenueFill } from '../../src/oms/order-io.js';
import { isTerminal } from '../../src/oms/order-states.js';
import { seededRandom } from '../../src/core/seeded-random.js';
import { makeTracker } from './helpers.js';

type Outcome = 'filled' | 'canceled' | 'open' | 'expired' | 'rejected' | 'lost';

interface Truth {
  outcome: Outcome;
  size: number;
  fills: VenueFill[];
  cancelByUs: boolean;
}

type Msg =
  | { t: 'ack' }
  | { t: 'reject' }
  | { t: 'timeout' }
  | { t: 'feed'; ev: FeedEvent }
  | { t: 'cancel' }
  | { t: 'cancel-reply' }
  | { t: 'reconcile'; list: boolean }
  | { t: 'disconnect' };

const T0 = 1_700_000_000_000;
const CID = 'mm-1--1';
const VID = 'V1';

function makeTruth(rnd: () => number): Truth {
  const outcomes: Outcome[] = ['filled', 'filled', 'canceled', 'canceled', 'open', 'expired', 'rejected', 'lost'];
  const outcome = outcomes[Math.floor(rnd() * outcomes.length)]!;
  const size = 1 + Math.floor(rnd() * 12);
  let total = 0;
  if (outcome === 'filled') total = size;
  else if (outcome === 'canceled' || outcome === 'open' || outcome === 'expired') total = Math.floor(rnd() * size); // < size
  const fills: VenueFill[] = [];
  let left = total;
  let i = 0;
  while (left > 0) {
    const q = 1 + Math.floor(rnd() * left);
    left -= q;
    i++;
    fills.push({
      tradeId: `t${i}`,
      price: 90 + Math.floor(rnd() * 21),
      size: q,
      fee: BigInt(Math.floor(rnd() * 7) - 1),
      feeCurrency: rnd() < 0.8 ? 'USDT' : 'KCS',
      liquidity: rnd() < 0.5 ? 'maker' : 'taker',
      ts: T0 + 10 * i,
    });
  }
  const cancelByUs = (outcome === 'canceled' || outcome === 'filled') && rnd() < 0.6;
  return { outcome, size, fills, cancelByUs };
}

function landed(t: Truth): boolean {
  return t.outcome !== 'rejected' && t.outcome !== 'lost';
}

function truthQuery(t: Truth, list: boolean): QueryResult {
  if (!landed(t)) return { clientId: CID, found: false };
  const fees = new Map<string, bigint>();
  for (const f of t.fills) fees.set(f.feeCurrency, (fees.get(f.feeCurrency) ?? 0n) + f.fee);
  return {
    clientId: CID,
    found: true,
    venueOrderId: VID,
    status:
      t.outcome === 'filled'
        ? 'filled'
        : t.outcome === 'canceled'
          ? 'canceled'
          : t.outcome === 'expired'
            ? 'expired'
            : 'open',
    filledSize: t.fills.reduce((s, f) => s + f.size, 0),
    filledNotional: t.fills.reduce((s, f) => s + BigInt(f.price) * BigInt(f.size), 0n),
    fees: [...fees].map(([currency, amount]) => ({ currency, amount })),
    fills: list ? t.fills : undefined,
    asOf: T0 + 10_000,
  };
}

/** Random delivery schedule of one truth. Returns the messages and whether feed fills were lost. */
function schedule(t: Truth, rnd: () => number): { msgs: Msg[]; lost: boolean } {
  // Feed, in venue order.
  const feed: FeedEvent[] = [];
  let lost = false;
  if (landed(t)) {
    const withCid = rnd() < 0.5;
    feed.push(
      withCid
        ? { kind: 'accepted', venueOrderId: VID, clientId: CID, ts: T0 + 1 }
        : { kind: 'accepted', venueOrderId: VID, ts: T0 + 1 },
    );
    for (const f of t.fills) {
      if (rnd() < 0.15) {
        lost = true;
        continue;
      }
      feed.push({ kind: 'fill', venueOrderId: VID, fill: f });
    }
    if (t.outcome !== 'open') {
      feed.push({
        kind: 'done',
        venueOrderId: VID,
        reason: t.outcome === 'filled' ? 'filled' : t.outcome === 'expired' ? 'expired' : 'canceled',
        ts: T0 + 9_000,
      });
    }
  }
  const msgs: Msg[] = feed.map((ev) => ({ t: 'feed', ev }));
  const insertAt = (m: Msg, lo: number, hi = msgs.length): number => {
    const at = lo + Math.floor(rnd() * (hi - lo + 1));
    msgs.splice(at, 0, m);
    return at;
  };
  // Duplicates: a copy of some feed messages somewhere later.
  for (let i = msgs.length - 1; i >= 0; i--) if (rnd() < 0.2) insertAt(msgs[i]!, i + 1);
  // The REST place reply anywhere.
  const reply: Msg =
    t.outcome === 'lost'
      ? { t: 'timeout' }
      : t.outcome === 'rejected'
        ? rnd() < 0.5
          ? { t: 'reject' }
          : { t: 'timeout' }
        : rnd() < 0.3
          ? { t: 'timeout' }
          : { t: 'ack' };
  insertAt(reply, 0);
  // Our cancel, before the feed's done; its REST reply somewhere after it.
  if (t.cancelByUs) {
    const doneAt = msgs.findIndex((m) => m.t === 'feed' && m.ev.kind === 'done');
    const at = insertAt({ t: 'cancel' }, 0, doneAt < 0 ? msgs.length : doneAt);
    insertAt({ t: 'cancel-reply' }, at + 1);
  }
  // REST reconciliation: certain when the feed lost fills, sometimes otherwise.
  if (landed(t) && (lost || rnd() < 0.3)) insertAt({ t: 'reconcile', list: rnd() < 0.5 }, 0);
  if (rnd() < 0.15) insertAt({ t: 'disconnect' }, 0);
  return { msgs, lost };
}

interface Coverage {
  [k: string]: number;
}

function runCase(seed: number, cov: Coverage): void {
  const bump = (k: string, n = 1): void => {
    cov[k] = (cov[k] ?? 0) + n;
  };
  const rnd = seededRandom(seed);
  const truth = makeTruth(rnd);
  const { msgs, lost } = schedule(truth, rnd);
  const { tracker, clock } = makeTracker({ notFoundGraceMs: 5_000 });
  const errors: ErrorCode[] = [];
  const note = (r: { errors: readonly { code: ErrorCode }[] }): void => {
    for (const e of r.errors) errors.push(e.code);
  };
  note(tracker.submit({ clientId: CID, strategy: 'mm', instrument: 0, side: 0, price: 110, size: truth.size }));
  let cancelSent = false;
  for (const m of msgs) {
    clock.advance(1);
    switch (m.t) {
      case 'ack':
        note(tracker.onAck(CID, VID));
        break;
      case 'reject':
        note(tracker.onReject(CID, 'insufficient balance'));
        break;
      case 'timeout':
        note(tracker.onTimeout(CID));
        break;
      case 'feed':
        note(tracker.onFeed(m.ev));
        break;
      case 'cancel':
        // The kernel only cancels what it believes is live.
        if (!isTerminal(tracker.get(CID)!.state)) {
          note(tracker.requestCancel(CID));
          cancelSent = true;
        }
        break;
      case 'cancel-reply':
        if (cancelSent)
          note(
            truth.outcome === 'canceled' ? tracker.onCancelAck(CID) : tracker.onCancelReject(CID, 'order already done'),
          );
        break;
      case 'reconcile':
        note(tracker.onQueryResult(truthQuery(truth, m.list)));
        break;
      case 'disconnect':
        note(tracker.onDisconnect());
        break;
    }
    const o = tracker.get(CID)!;
    const truthTotal = truth.fills.reduce((s, f) => s + f.size, 0);
    if (o.filledSize > truthTotal) throw new Error(`seed ${seed}: filled ${o.filledSize} > truth ${truthTotal}`);
  }
  if (tracker.get(CID)!.state === 'unknown') bump('unknown at end of delivery');
  // The kernel's resolution loop: ask the venue by client id about every unknown order.
  for (let round = 0; round < 3 && tracker.get(CID)!.state === 'unknown'; round++) {
    expect(tracker.needsQuery()).toEqual([CID]);
    if (!landed(truth)) clock.advance(10_000); // past the venue's grace window
    note(tracker.onQueryResult(truthQuery(truth, rnd() < 0.5)));
    clock.advance(10_000);
  }

  const o = tracker.get(CID)!;
  const total = truth.fills.reduce((s, f) => s + f.size, 0);
  const want =
    truth.outcome === 'lost' || truth.outcome === 'rejected'
      ? 'rejected'
      : truth.outcome === 'open'
        ? total === 0
          ? 'open'
          : 'partially-filled'
        : truth.outcome;
  const fees = new Map<string, bigint>();
  for (const f of truth.fills) fees.set(f.feeCurrency, (fees.get(f.feeCurrency) ?? 0n) + f.fee);
  const ctx = {
    seed,
    truth: truth.outcome,
    msgs: msgs.map((m) => (m.t === 'feed' ? `${m.ev.kind}` : m.t)).join(','),
    errors,
  };
  expect({ ...ctx, state: o.state }).toEqual({ ...ctx, state: want });
  expect({ ...ctx, filled: o.filledSize, notional: o.filledNotional }).toEqual({
    ...ctx,
    filled: total,
    notional: truth.fills.reduce((s, f) => s + BigInt(f.price) * BigInt(f.size), 0n),
  });
  const nonZero = (m: Iterable<[string, bigint]>): Map<string, bigint> => new Map([...m].filter(([, a]) => a !== 0n));
  expect({ ...ctx, fees: nonZero(o.fees.map((f) => [f.currency, f.amount])) }).toEqual({ ...ctx, fees: nonZero(fees) });
  // Each venue trade recorded at most once; records that count sum to the truth.
  const recs = tracker.fills(CID);
  const real = recs.filter((r) => !r.synthetic).map((r) => r.tradeId);
  expect(new Set(real).size).toBe(real.length);
  expect(recs.filter((r) => !r.covered).reduce((s, r) => s + r.size, 0)).toBe(total);
  expect(tracker.needsQuery()).toEqual([]);
  // Only a feed done-filled while lost fills were still missing may be refused (and counted).
  for (const code of errors) expect({ seed, code, lost }).toEqual({ seed, code: 'DG_E_OMS_CONTRADICTION', lost: true });
  expect(tracker.errors.count()).toBe(errors.length);
  const st = tracker.stats();
  bump(`outcome ${truth.outcome}`);
  bump('duplicate fills', st.duplicateFills);
  bump('catch-up fills', st.catchUpFills);
  bump('covered fills', st.coveredFills);
  bump('feed events held before link', st.pending.buffered);
  bump('cases with refused done-filled', errors.length > 0 ? 1 : 0);
  bump('cancel races lost to a fill', truth.cancelByUs && truth.outcome === 'filled' ? 1 : 0);
  bump('rest fills', recs.filter((r) => r.source === 'rest').length);
}

describe('OrderTracker under random delivery of the same venue truth', () => {
  it('ends in the truth for 3000 seeded cases', () => {
    const cov: Coverage = {};
    for (let seed = 1; seed <= 3000; seed++) runCase(seed, cov);
    // Every race and reconciliation path was exercised many times.
    for (const k of [
      'outcome filled',
      'outcome canceled',
      'outcome open',
      'outcome expired',
      'outcome rejected',
      'outcome lost',
      'duplicate fills',
      'catch-up fills',
      'covered fills',
      'feed events held before link',
      'cases with refused done-filled',
      'cancel races lost to a fill',
      'rest fills',
      'unknown at end of delivery',
    ]) {
      expect({ k, n: (cov[k] ?? 0) >= 25 }).toEqual({ k, n: true });
    }
  });
});
