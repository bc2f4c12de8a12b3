import * as zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { makeInstrument } from '../../src/core/instrument.js';
import { L3Book } from '../../src/book/l3-book.js';
import {
  bitfinexAmountText,
  bitfinexChecksumOf,
  bitfinexChecksumText,
  bitfinexPriceText,
  bitfinexRawChecksum,
} from '../../src/feeds/bitfinex-checksum.js';
import { BitfinexRawDecoder } from '../../src/feeds/bitfinex-raw.js';
import { crc32Signed } from '../../src/feeds/crc32.js';
import type { FeedEvent } from '../../src/feeds/feed-event.js';
import { POLICIES } from '../../src/feeds/sync-policy.js';
import { createL3Sync } from '../../src/feeds/sync-targets.js';
import { sizeLots, priceTicks } from '../../src/feeds/wire-fields.js';
import { seededRandom } from '../../src/core/seeded-random.js';

const SYM = 'tBTCUSD';
const btc = makeInstrument(0, { venue: 'bitfinex', native: SYM, tickSize: '0.1', lotSize: '1e-8' });

/** CRC32 as a signed int: zlib's when this Node has it (independent of crc32.ts), else crc32.ts. */
const zcrc = (zlib as unknown as { crc32?: (s: string) => number }).crc32;
const crc = (s: string): number => (zcrc ? zcrc(s) | 0 : crc32Signed(s));

describe('Bitfinex checksum text: numbers written as JavaScript writes them', () => {
  // [JSON number text on the wire, lot size of the instrument]
  const cases: Array<[string, string]> = [
    ['1e-7', '1e-8'],
    ['0.0000001', '1e-8'], // same double, written "1e-7" by JS
    ['0.000001', '1e-8'], // the last value JS writes without an exponent
    ['0.00000123', '1e-8'],
    ['1.50', '1e-8'], // trailing zero: JS writes "1.5"
    ['30000.0', '1e-8'],
    ['7294.7', '0.1'],
    ['1.54340371', '1e-8'],
    ['12345678.12345678', '1e-8'],
    ['987654321000000000000', '1000000'], // < 1e21: plain digits
    ['1e21', '1000000'], // ≥ 1e21: "1e+21"
    ['2e21', '100000000'], // ("1.5e+21" is refused by toUnits' fast path on integer grids: see report)
    ['3', '1'],
  ];
  for (const [wire, lot] of cases) {
    it(`${wire} on lot ${lot}`, () => {
      const inst = makeInstrument(0, { venue: 'bitfinex', native: SYM, tickSize: '0.1', lotSize: lot });
      const v = JSON.parse(wire) as number;
      // What the decoder does: the number's JS text → lots, exactly.
      const lots = sizeLots(String(v), inst);
      expect(bitfinexAmountText(lots, 0, inst)).toBe(String(v));
      expect(bitfinexAmountText(lots, 1, inst)).toBe(String(-v));
      expect(JSON.stringify([bitfinexAmountText(lots, 1, inst)])).toBe(
        JSON.stringify([String(JSON.parse(`-${wire}`))]),
      );
    });
  }

  it('literal forms', () => {
    const lots = (t: string): number => sizeLots(t, btc);
    expect(bitfinexAmountText(lots('0.0000001'), 0, btc)).toBe('1e-7');
    expect(bitfinexAmountText(lots('0.0000001'), 1, btc)).toBe('-1e-7');
    expect(bitfinexAmountText(lots('0.000001'), 1, btc)).toBe('-0.000001');
    expect(bitfinexAmountText(lots('1.50'), 0, btc)).toBe('1.5');
    expect(bitfinexAmountText(lots('30000.00'), 1, btc)).toBe('-30000');
    const big = makeInstrument(0, { venue: 'bitfinex', native: SYM, tickSize: '1', lotSize: '1000000' });
    expect(bitfinexAmountText(sizeLots('1000000000000000000000', big), 0, big)).toBe('1e+21');
    expect(bitfinexPriceText(priceTicks('30000.0', btc), btc)).toBe('30000');
    expect(bitfinexPriceText(priceTicks('0.1', btc), btc)).toBe('0.1');
  });

  it('interleaves bid/ask per index, skips a side that ran out, stops at 25 per side', () => {
    expect(
      bitfinexChecksumText(
        [
          ['1', '2'],
          ['3', '4'],
        ],
        [['5', '-6']],
      ),
    ).toBe('1:2:5:-6:3:4');
    expect(bitfinexChecksumText([], [])).toBe('');
    const many = Array.from({ length: 30 }, (_, i): [string, string] => [String(i), '1']);
    const parts = bitfinexChecksumText(many, []).split(':');
    expect(parts).toHaveLength(50);
    expect(parts[48]).toBe('24');
  });
});

// ----- a reference raw book written from the wire texts ------------------------------------------

interface RefOrder {
  id: string;
  px: number; // only for ordering
  amt: string; // the wire text (negative for asks)
  arrival: number;
}

/** Bitfinex raw book as the venue sees it: the texts are the JSON number texts of the frames. */
class RefBook {
  readonly orders = new Map<string, RefOrder>();
  private n = 0;

  upsert(id: string, pxText: string, amtText: string): void {
    const px = Number(pxText);
    if (px === 0) {
      this.orders.delete(id);
      return;
    }
    const prev = this.orders.get(id);
    // Same price and no larger size keeps priority (L3Book's rule); anything else goes to the back.
    const keep = prev && prev.px === px && Math.abs(Number(amtText)) <= Math.abs(Number(prev.amt));
    this.orders.set(id, { id, px, amt: amtText, arrival: keep && prev ? prev.arrival : this.n++ });
  }

  side(bid: boolean): RefOrder[] {
    return [...this.orders.values()]
      .filter((o) => o.amt.startsWith('-') !== bid)
      .sort((a, b) => (bid ? b.px - a.px : a.px - b.px) || a.arrival - b.arrival);
  }

  /** The documented string rule, on the wire texts. */
  checksum(): number {
    const bids = this.side(true).slice(0, 25);
    const asks = this.side(false).slice(0, 25);
    const parts: string[] = [];
    for (let i = 0; i < 25; i++) {
      if (bids[i]) parts.push(bids[i].id, bids[i].amt);
      if (asks[i]) parts.push(asks[i].id, asks[i].amt);
    }
    return crc(parts.join(':'));
  }

  /** Keep only the top n per side (a resubscribe snapshot of length n), FIFO order renewed. */
  snapshotEntries(n: number): Array<[string, string, string]> {
    const keep = [...this.side(true).slice(0, n), ...this.side(false).slice(0, n)];
    this.orders.clear();
    const out: Array<[string, string, string]> = [];
    for (const o of keep) {
      out.push([o.id, String(o.px), o.amt]);
      this.upsert(o.id, String(o.px), o.amt);
    }
    return out;
  }
}

const AMOUNTS = ['1e-7', '0.5', '1.2345', '3', '0.00012', '0.000001', '2.5e-7', '17.00000001', '1000'];

/** Random book traffic: adds, size changes, price moves and deletes, as frame entries. */
function randomEntry(r: () => number, ref: RefBook, nextId: () => number): [string, string, string] {
  const ids = [...ref.orders.keys()];
  const roll = r();
  const amount = AMOUNTS[Math.floor(r() * AMOUNTS.length)];
  if (ids.length > 0 && roll < 0.25) {
    const id = ids[Math.floor(r() * ids.length)];
    return [id, '0', ref.orders.get(id)!.amt.startsWith('-') ? '-1' : '1'];
  }
  if (ids.length > 0 && roll < 0.45) {
    const o = ref.orders.get(ids[Math.floor(r() * ids.length)])!;
    const ask = o.amt.startsWith('-');
    const px =
      r() < 0.5
        ? String(o.px)
        : ask
          ? (111 + Math.floor(r() * 10) / 10).toFixed(1)
          : (109 + Math.floor(r() * 10) / 10).toFixed(1);
    return [o.id, String(Number(px)), ask ? `-${amount}` : amount];
  }
  const ask = r() < 0.5;
  const px = ask ? 111 + Math.floor(r() * 30) / 10 : 107 + Math.floor(r() * 30) / 10;
  return [String(nextId()), String(px), ask ? `-${amount}` : amount];
}

const frame = (chan: number, e: readonly [string, string, string]): string => `[${chan},[${e[0]},${e[1]},${e[2]}]]`;
const snapshotFrame = (chan: number, es: ReadonlyArray<readonly [string, string, string]>): string =>
  `[${chan},[${es.map((e) => `[${e[0]},${e[1]},${e[2]}]`).join(',')}]]`;
const subscribed = (chan: number): string =>
  `{"event":"subscribed","channel":"book","chanId":${chan},"symbol":"${SYM}","prec":"R0","freq":"F0","len":"25","pair":"BTCUSD"}`;

function harness() {
  const decoder = new BitfinexRawDecoder((n) => (n === SYM ? btc : undefined));
  const book = new L3Book();
  const needs: string[] = [];
  const sync = createL3Sync(book, {
    policy: POLICIES.bitfinexRaw,
    clock: new ManualClock(),
    upsertOpen: true,
    checksum: (b) => bitfinexRawChecksum(b, btc),
    onNeedSnapshot: (reason) => needs.push(reason),
  });
  const feed = (text: string): FeedEvent[] => {
    const out = decoder.decode(text, 0);
    for (const ev of out) {
      if (ev.kind === 'l3') sync.onMessage(ev.event);
      else if (ev.kind === 'l3-snapshot') sync.onSnapshot(ev.snapshot);
      else if (ev.kind === 'invalid' && ev.symbol !== undefined) sync.onInvalid(ev.error);
      else {
        const cs = bitfinexChecksumOf(ev);
        if (cs !== undefined) sync.onChecksum(cs);
      }
    }
    return out;
  };
  return { decoder, book, sync, needs, feed };
}

describe('Bitfinex raw book checksum through BookSync', () => {
  it('decodes "cs" frames into a checksum event; refuses a value that is not an int32', () => {
    const { decoder } = harness();
    decoder.decode(subscribed(5));
    const [ev] = decoder.decode('[5,"cs",-1234567890]');
    expect(ev).toMatchObject({ kind: 'control', what: 'checksum', symbol: SYM, checksum: -1234567890 });
    expect(bitfinexChecksumOf(ev)).toBe(-1234567890);
    expect(bitfinexChecksumOf({ kind: 'control', what: 'hb' })).toBeUndefined();
    for (const bad of ['[5,"cs",1.5]', '[5,"cs",2147483648]', '[5,"cs","12"]', '[5,"cs"]'])
      expect(decoder.decode(bad)[0]).toMatchObject({ kind: 'invalid', error: { code: 'DG_E_BAD_MESSAGE' } });
    // SEQ_ALL: the connection sequence follows the checksum.
    expect(decoder.decode('[5,"cs",7,1]')[0]).toMatchObject({ checksum: 7 });
    expect(decoder.decode('[5,"cs",7,2]')).toHaveLength(1);
    expect(decoder.resubscribeFrames(SYM).map((f) => JSON.parse(f) as unknown)).toEqual([
      { event: 'unsubscribe', chanId: 5 },
      { event: 'subscribe', channel: 'book', symbol: SYM, prec: 'R0', freq: 'F0', len: '25' },
    ]);
    expect(decoder.resubscribeFrames('tETHUSD')).toEqual([]);
  });

  it('a checksum before any snapshot is not verified', () => {
    const h = harness();
    h.feed(subscribed(5));
    h.feed('[5,"cs",12345]');
    expect(h.sync.counters).toMatchObject({ checksumOk: 0, checksumFailures: 0 });
    h.feed('[5,[]]');
    h.feed('[5,"cs",0]'); // empty book: CRC32 of "" = 0
    expect(h.sync.counters).toMatchObject({ checksumOk: 1, checksumFailures: 0 });
  });

  it('a random stream verifies; a corrupted level fails the next checksum, resyncs, and the new snapshot verifies again', () => {
    const r = seededRandom(20261122);
    const ref = new RefBook();
    let id = 1000;
    const nextId = (): number => id++;
    const h = harness();
    h.feed('{"event":"info","version":2}');
    h.feed(subscribed(10092));
    // Snapshot of 40 orders per side (more than the 25 the checksum covers).
    const snap: Array<[string, string, string]> = [];
    for (let i = 0; i < 80; i++) {
      const ask = i % 2 === 1;
      const px = ask ? 111 + Math.floor(r() * 30) / 10 : 107 + Math.floor(r() * 30) / 10;
      const amt = AMOUNTS[i % AMOUNTS.length];
      snap.push([String(nextId()), String(px), ask ? `-${amt}` : amt]);
    }
    h.feed(snapshotFrame(10092, snap));
    // The decoder orders a snapshot by price, stable within a price: so does the reference.
    for (const e of snap) ref.upsert(...e);
    expect(h.sync.state).toBe('live');
    h.feed(`[10092,"cs",${ref.checksum()}]`);
    let checks = 1;
    for (let i = 0; i < 400; i++) {
      const e = randomEntry(r, ref, nextId);
      ref.upsert(...e);
      h.feed(frame(10092, e));
      if (i % 3 === 0) {
        h.feed(`[10092,"cs",${ref.checksum()}]`);
        checks++;
      }
    }
    expect(h.sync.counters).toMatchObject({ checksumOk: checks, checksumFailures: 0, resyncs: 0 });
    expect(bitfinexRawChecksum(h.book, btc)).toBe(ref.checksum());

    // One level corrupted on the way: the best bid's amount arrives wrong; the venue's book (ref)
    // has the true value, so the next checksum it sends does not match deskgate's book.
    const best = ref.side(true)[0];
    h.feed(frame(10092, [best.id, String(best.px), best.amt === '3' ? '4' : '3']));
    expect(h.sync.live).toBe(true); // nothing to see yet
    h.feed(`[10092,"cs",${ref.checksum()}]`);
    expect(h.sync.state).toBe('resyncing');
    expect(h.sync.counters).toMatchObject({ checksumOk: checks, checksumFailures: 1, resyncs: 1 });
    expect(h.sync.errors.toJSON()).toEqual({ DG_E_CHECKSUM: 1 });
    expect(h.needs).toEqual(['checksum']);
    expect(h.book.orderCount).toBe(0); // a book known to be wrong is not shown
    expect(h.decoder.resubscribeFrames(SYM)[0]).toBe('{"event":"unsubscribe","chanId":10092}');

    // Until the new snapshot: updates and checksums of the old channel are dropped, not checked.
    for (let i = 0; i < 5; i++) {
      const e = randomEntry(r, ref, nextId);
      ref.upsert(...e);
      h.feed(frame(10092, e));
    }
    h.feed(`[10092,"cs",${ref.checksum()}]`);
    expect(h.sync.counters).toMatchObject({ checksumFailures: 1, resyncs: 1 });
    h.feed('{"event":"unsubscribed","status":"OK","chanId":10092}');
    h.feed(subscribed(10093));
    h.feed(snapshotFrame(10093, ref.snapshotEntries(25)));
    expect(h.sync.state).toBe('live');
    h.feed(`[10093,"cs",${ref.checksum()}]`);
    for (let i = 0; i < 150; i++) {
      const e = randomEntry(r, ref, nextId);
      ref.upsert(...e);
      h.feed(frame(10093, e));
      h.feed(`[10093,"cs",${ref.checksum()}]`);
    }
    expect(h.sync.counters).toMatchObject({ checksumOk: checks + 151, checksumFailures: 1, resyncs: 1 });
    expect(h.needs).toEqual(['checksum']);
    const ids = (bid: boolean): string[] => ref.side(bid).map((o) => o.id);
    expect(h.book.orders(0, 1000).map((o) => o.orderId)).toEqual(ids(true));
    expect(h.book.orders(1, 1000).map((o) => o.orderId)).toEqual(ids(false));
  });

  it('without the checksum option the book is not checked (OKX-style opt-in)', () => {
    const book = new L3Book();
    const sync = createL3Sync(book, { policy: POLICIES.bitfinexRaw, clock: new ManualClock(), upsertOpen: true });
    sync.onSnapshot({ seq: 0, ts: 0, bids: [], asks: [] });
    sync.onChecksum(42);
    expect(sync.counters).toMatchObject({ checksumOk: 0, checksumFailures: 0 });
    expect(sync.live).toBe(true);
  });
});
