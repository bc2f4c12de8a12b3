/**
 * Property tests for level-2 streams through BookSync into the real L2Book:
 *  - range-sequenced updates (KuCoin sequenceStart..End, Binance U..u) with REST snapshots that
 *    arrive late or stale, over a network that drops, duplicates and reorders;
 *  - linked updates (OKX seqId/prevSeqId with jumps and no-change heartbeats), in-band snapshots
 *    and the production CRC32 checksum (okxChecksum), with corrupted updates injected.
 * Whenever the machine is live the book must equal a plain reference model at its sequence,
 * and every case must end live and equal after a clean tail. FUZZ_CASES scales the campaign.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { fromUnits } from '../../src/core/decimal.js';
import type { L2Level, L2Snapshot, L2Update, Side } from '../../src/core/events.js';
import { makeInstrument } from '../../src/core/instrument.js';
import { L2Book } from '../../src/book/l2-book.js';
import { crc32Signed } from '../../src/feeds/crc32.js';
import { KucoinL2Decoder } from '../../src/feeds/kucoin-l2.js';
import { okxChecksum } from '../../src/feeds/okx-books.js';
import { POLICIES } from '../../src/feeds/sync-policy.js';
import { createL2Sync } from '../../src/feeds/sync-targets.js';
import {
  fuzzCases,
  fuzzSeedBase,
  fuzzTimeoutMs,
  rng,
  simulate,
  type Perturbation,
  type Truth,
} from './fuzz-support.js';

type Levels = Array<[number, number]>;

/** Reference: two plain maps, sorted on demand. */
class RefL2 {
  readonly sides: [Map<number, number>, Map<number, number>] = [new Map(), new Map()];
  apply(levels: readonly L2Level[]): void {
    for (const l of levels) {
      if (l.size === 0) this.sides[l.side].delete(l.price);
      else this.sides[l.side].set(l.price, l.size);
    }
  }
  sorted(side: Side): Levels {
    return [...this.sides[side].entries()].sort((a, b) => (side === 0 ? b[0] - a[0] : a[0] - b[0]));
  }
}

const INST = makeInstrument(0, { venue: 'okx', native: 'BTC-USDT', tickSize: '0.1', lotSize: '0.001' });

/** The OKX checksum computed straight from the reference (independent of the book). */
function refChecksum(bids: Levels, asks: Levels): number {
  const parts: string[] = [];
  for (let i = 0; i < 25; i++) {
    if (i < bids.length) parts.push(`${fromUnits(bids[i][0], INST.price)}:${fromUnits(bids[i][1], INST.size)}`);
    if (i < asks.length) parts.push(`${fromUnits(asks[i][0], INST.price)}:${fromUnits(asks[i][1], INST.size)}`);
  }
  return crc32Signed(parts.join(':'));
}

function randomLevels(r: ReturnType<typeof rng>, ref: RefL2): L2Level[] {
  const out: L2Level[] = [];
  const k = r.int(0, 4);
  for (let i = 0; i < k; i++) {
    const side: Side = r.next() < 0.5 ? 0 : 1;
    const price = side === 0 ? r.int(980, 999) : r.int(1001, 1020);
    const size = r.next() < 0.3 ? 0 : r.int(1, 500);
    out.push({ side, price, size });
  }
  void ref;
  return out;
}

interface Built {
  truth: Truth<L2Update, L2Snapshot>;
}

function compare(book: L2Book, bids: Levels, asks: Levels): string | undefined {
  const gb = book.levels(0, 1000);
  const ga = book.levels(1, 1000);
  const eq = (g: Levels, w: Levels): boolean =>
    g.length === w.length && g.every((x, i) => x[0] === w[i][0] && x[1] === w[i][1]);
  if (!eq(gb, bids)) return `bids ${JSON.stringify(gb.slice(0, 4))} vs ${JSON.stringify(bids.slice(0, 4))}`;
  if (!eq(ga, asks)) return `asks ${JSON.stringify(ga.slice(0, 4))} vs ${JSON.stringify(asks.slice(0, 4))}`;
  return undefined;
}

/** Range-sequenced truth (KuCoin L2 / Binance spot). */
function rangeTruth(seed: number, n: number, book: L2Book): Built {
  const r = rng(seed);
  const ref = new RefL2();
  const base = r.int(0, 1_000_000);
  const msgs: L2Update[] = [];
  const states: Array<[Levels, Levels]> = [[[], []]];
  const posBySeq = new Map<number, number>([[base, 0]]);
  let seq = base;
  for (let i = 0; i < n; i++) {
    const levels = randomLevels(r, ref);
    const first = seq + 1;
    seq += r.int(1, 3);
    ref.apply(levels);
    msgs.push({ type: 'l2', firstSeq: first, lastSeq: seq, levels, ts: i });
    states.push([ref.sorted(0), ref.sorted(1)]);
    posBySeq.set(seq, i + 1);
  }
  const seqAt = (pos: number): number => (pos === 0 ? base : msgs[pos - 1].lastSeq);
  return {
    truth: {
      msgs,
      snapshotAt: (pos) => ({ seq: seqAt(pos), ts: 0, bids: states[pos][0], asks: states[pos][1] }),
      posOfSeq: (s) => posBySeq.get(s),
      bookEquals: (pos) => compare(book, states[pos][0], states[pos][1]),
    },
  };
}

/** Linked truth with checksums (OKX books with seqId/prevSeqId). */
function linkedTruth(seed: number, n: number, book: L2Book): Built {
  const r = rng(seed);
  const ref = new RefL2();
  // Start from a non-empty book so the in-band snapshot matters.
  ref.apply(randomLevels(r, ref).concat(randomLevels(r, ref)));
  const base = r.int(1, 1_000_000);
  const msgs: L2Update[] = [];
  const states: Array<[Levels, Levels]> = [[ref.sorted(0), ref.sorted(1)]];
  const posBySeq = new Map<number, number>([[base, 0]]);
  let seq = base;
  for (let i = 0; i < n; i++) {
    const heartbeat = r.next() < 0.1;
    const levels = heartbeat ? [] : randomLevels(r, ref);
    const prev = seq;
    if (!heartbeat) seq += r.int(1, 5);
    ref.apply(levels);
    const bids = ref.sorted(0);
    const asks = ref.sorted(1);
    msgs.push({
      type: 'l2',
      firstSeq: seq,
      lastSeq: seq,
      prevSeq: prev,
      levels,
      checksum: refChecksum(bids, asks),
      ts: i,
    });
    states.push([bids, asks]);
    posBySeq.set(seq, i + 1);
  }
  const seqAt = (pos: number): number => (pos === 0 ? base : msgs[pos - 1].lastSeq);
  return {
    truth: {
      msgs,
      snapshotAt: (pos) => ({
        seq: seqAt(pos),
        ts: 0,
        bids: states[pos][0],
        asks: states[pos][1],
        checksum: refChecksum(states[pos][0], states[pos][1]),
      }),
      posOfSeq: (s) => posBySeq.get(s),
      bookEquals: (pos) => compare(book, states[pos][0], states[pos][1]),
      // Same sequence and checksum, different content: only the checksum can tell.
      corrupt: (m, pos) => {
        const [bids] = states[pos];
        const bogus: L2Level =
          bids.length > 0 ? { side: 0, price: bids[0][0], size: bids[0][1] + 1 } : { side: 0, price: 990, size: 7 };
        return { ...m, levels: [...m.levels, bogus] };
      },
    },
  };
}

/**
 * The same truth, but each message is written as a KuCoin `trade.l2update` frame (one change
 * per sequence, price-"0" no-ops for sequences without a change, per-change sequences spread
 * over the range) and decoded back by the production decoder before reaching BookSync.
 */
function viaKucoinWire(t: Truth<L2Update, L2Snapshot>): Truth<L2Update, L2Snapshot> {
  const decoder = new KucoinL2Decoder((n) => (n === 'BTC-USDT' ? INST : undefined));
  const msgs = t.msgs.map((m) => {
    const bids: string[][] = [];
    const asks: string[][] = [];
    const span = m.lastSeq - m.firstSeq;
    m.levels.forEach((l, i) => {
      const row = [
        fromUnits(l.price, INST.price),
        fromUnits(l.size, INST.size),
        String(m.firstSeq + Math.min(i, span)),
      ];
      (l.side === 0 ? bids : asks).push(row);
    });
    for (let q = m.levels.length; q <= span; q++) asks.push(['0', '0', String(m.firstSeq + q)]);
    const frame = JSON.stringify({
      data: { sequenceStart: m.firstSeq, symbol: 'BTC-USDT', changes: { asks, bids }, sequenceEnd: m.lastSeq },
      subject: 'trade.l2update',
      topic: '/market/level2:BTC-USDT',
      type: 'message',
    });
    const out = decoder.decode(frame, m.ts);
    if (out.length !== 1 || out[0].kind !== 'l2')
      throw new Error(`decoder refused its own wire: ${JSON.stringify(out[0])}`);
    return out[0].update;
  });
  return { ...t, msgs };
}

describe('fuzz: level-2 range-sequenced streams (KuCoin L2, Binance spot)', () => {
  const cases = fuzzCases(1000);
  it(
    `${cases} seeded cases: a live book always equals the reference; every case recovers`,
    () => {
      const p: Perturbation = {
        drop: 0.03,
        dup: 0.03,
        reorder: 0.03,
        corrupt: 0,
        stale: 0.3,
        maxSnapshotDelay: 6,
        inBand: false,
      };
      let gaps = 0;
      let stale = 0;
      let dropped = 0;
      for (let c = 0; c < cases; c++) {
        const seed = fuzzSeedBase() + 100_000 + c;
        const r = rng(seed * 31);
        const book = new L2Book();
        const built = rangeTruth(seed, r.int(40, 150), book);
        // Every fourth case goes through the wire: KuCoin l2update text → KucoinL2Decoder.
        const truth = c % 4 === 0 ? viaKucoinWire(built.truth) : built.truth;
        const policy = c % 2 === 0 ? POLICIES.kucoinL2 : POLICIES.binanceSpot;
        const sync = createL2Sync(book, { policy, clock: new ManualClock(), maxBuffer: r.next() < 0.2 ? 8 : 10_000 });
        simulate(sync, truth, p, r, 12, `L2 range case seed=${seed}`);
        gaps += sync.counters.gaps;
        stale += sync.counters.staleSnapshots;
        dropped += sync.counters.dropped;
      }
      expect(gaps).toBeGreaterThan(cases / 2);
      expect(stale).toBeGreaterThan(10);
      expect(dropped).toBeGreaterThan(cases);
    },
    fuzzTimeoutMs(),
  );
});

describe('fuzz: OKX-style linked streams with in-band snapshots and CRC32 checksums', () => {
  const cases = fuzzCases(1000);
  it(
    `${cases} seeded cases: corruption is always caught by the checksum; gaps by the links`,
    () => {
      const p: Perturbation = {
        drop: 0.03,
        dup: 0.03,
        reorder: 0.02,
        corrupt: 0.02,
        stale: 0,
        maxSnapshotDelay: 4,
        inBand: true,
      };
      let failures = 0;
      let ok = 0;
      let gaps = 0;
      for (let c = 0; c < cases; c++) {
        const seed = fuzzSeedBase() + 200_000 + c;
        const r = rng(seed * 17);
        const book = new L2Book();
        const { truth } = linkedTruth(seed, r.int(40, 150), book);
        const sync = createL2Sync(book, {
          policy: POLICIES.okxBooks,
          clock: new ManualClock(),
          checksum: (b) => okxChecksum(b, INST),
        });
        sync.onSnapshot(truth.snapshotAt(0)); // the subscription's snapshot
        simulate(sync, truth, p, r, 12, `L2 linked case seed=${seed}`);
        failures += sync.counters.checksumFailures;
        ok += sync.counters.checksumOk;
        gaps += sync.counters.gaps;
      }
      expect(failures).toBeGreaterThan(cases / 2);
      expect(ok).toBeGreaterThan(cases * 20);
      expect(gaps).toBeGreaterThan(cases / 2);
    },
    fuzzTimeoutMs(),
  );
});
