/**
 * Continuity rules of sequenced feeds, one small policy object per rule. BookSync (book-sync.ts)
 * is the one state machine; a policy only answers "given the sequence the book is at, what do I
 * do with this message?" and "can this snapshot be bridged to the buffered stream?".
 *
 * Every message is reduced to a SeqRange: `first`/`last` sequence it covers (a single sequence
 * sets both: KuCoin L3 `sequence`, Coinbase `sequence`) and, where the venue links messages,
 * `prev` = the sequence of the message before it (OKX `prevSeqId`, Binance futures `pu`).
 */

export interface SeqRange {
  readonly first: number;
  readonly last: number;
  readonly prev?: number;
}

/** apply: next in line; drop: old or duplicate; gap: something between is missing. */
export type Verdict = 'apply' | 'drop' | 'gap';

export interface SeqPolicy {
  readonly name: string;
  /** False for feeds without sequence numbers (Coinbase level2, Bitfinex books): all apply. */
  readonly sequenced: boolean;
  /**
   * True when the venue sends the snapshot inside the stream (OKX books, Coinbase level2,
   * Bitfinex): messages before it cannot be bridged and are dropped, not buffered; a resync
   * means "resubscribe". False when the snapshot comes from REST and the stream is buffered.
   */
  readonly snapshotInBand: boolean;
  /**
   * Decide a message. `cur` is the sequence the book is at (the snapshot's, then the last
   * applied message's); `bridging` is true for the first message after a snapshot.
   */
  verdict(cur: number, m: SeqRange, bridging: boolean): Verdict;
  /** The sequence the book is at after applying m. */
  after(cur: number, m: SeqRange): number;
  /** True when a snapshot at `snapSeq` is older than the earliest buffered message (refetch). */
  isStale(snapSeq: number, firstBuffered: SeqRange): boolean;
}

/**
 * Contiguous ranges: KuCoin L3 (`sequence`), KuCoin L2 (`sequenceStart`..`sequenceEnd`),
 * Coinbase full (`sequence`), Binance spot diff depth (`U`..`u` against `lastUpdateId`).
 *   last ≤ cur ⇒ drop (old or duplicate; includes everything ≤ the snapshot);
 *   first ≤ cur + 1 ≤ last ⇒ apply (for single sequences: seq = cur + 1 exactly);
 *   first > cur + 1 ⇒ gap.
 * Binance spot: "first event U ≤ lastUpdateId+1 ≤ u, then U = previous u + 1" is this rule. An
 * overlapping range in the live phase (first ≤ cur < last) is applied: L2 levels carry absolute
 * sizes applied in sequence order, so re-setting an already-applied level is idempotent.
 * Stale snapshot: snapSeq < first buffered `first` − 1 (the snapshot ends before the buffer
 * starts; KuCoin's "snapshot.sequence < first buffered sequence ⇒ fetch again" refetches one
 * case earlier, snapSeq = first − 1, which in fact bridges exactly).
 */
export const rangePolicy: SeqPolicy = {
  name: 'range',
  sequenced: true,
  snapshotInBand: false,
  verdict(cur, m) {
    if (m.last <= cur) return 'drop';
    if (m.first <= cur + 1) return 'apply';
    return 'gap';
  },
  after(_cur, m) {
    return m.last;
  },
  isStale(snapSeq, first) {
    return snapSeq < first.first - 1;
  },
};

/**
 * Linked messages: each names the previous one (`prev`). OKX books (`prevSeqId`/`seqId`, snapshot
 * in band with prevSeqId −1) and Binance futures (`pu`, REST snapshot).
 *   prev = cur ⇒ apply (OKX heartbeats have seqId = prevSeqId = cur and apply as empty updates;
 *   after a venue-side reset seqId < prevSeqId and the book follows the new seqId);
 *   last ≤ cur and prev < cur ⇒ drop (old or duplicate);
 *   otherwise ⇒ gap.
 * The first message after a REST snapshot (Binance futures) bridges by range: U ≤ lastUpdateId+1
 * and u ≥ lastUpdateId. A message without `prev` (OKX's 2022 format has no seqId) carries no
 * continuity information: it applies, and the venue checksum is the only guard.
 */
export function linkedPolicy(opts: { name: string; snapshotInBand: boolean }): SeqPolicy {
  return {
    name: opts.name,
    sequenced: true,
    snapshotInBand: opts.snapshotInBand,
    verdict(cur, m, bridging) {
      if (m.prev === undefined) return 'apply';
      if (m.prev === cur) return 'apply';
      if (bridging && !opts.snapshotInBand) {
        if (m.last < cur) return 'drop';
        if (m.first <= cur + 1) return 'apply';
        return 'gap';
      }
      if (m.last <= cur && m.prev < cur) return 'drop';
      return 'gap';
    },
    after(cur, m) {
      return m.prev === undefined ? cur : m.last;
    },
    isStale(snapSeq, first) {
      if (first.prev === undefined) return false;
      return snapSeq < first.first - 1 && snapSeq < first.prev;
    },
  };
}

/** No sequence numbers (Coinbase level2, Bitfinex books): the in-band snapshot starts the book. */
export const unsequencedPolicy: SeqPolicy = {
  name: 'unsequenced',
  sequenced: false,
  snapshotInBand: true,
  verdict() {
    return 'apply';
  },
  after(cur) {
    return cur;
  },
  isStale() {
    return false;
  },
};

/** The policy of each feed deskgate decodes. */
export const POLICIES = {
  /** KuCoin `/spotMarket/level3`, `/contractMarket/level3v2`: one `sequence` per message. */
  kucoinL3: rangePolicy,
  /** KuCoin `/market/level2`: sequenceStart..sequenceEnd against the REST snapshot `sequence`. */
  kucoinL2: rangePolicy,
  /** Coinbase Exchange `full`: per-product `sequence` against the level-3 REST `sequence`. */
  coinbaseFull: rangePolicy,
  /** Binance spot diff depth: U..u against REST `lastUpdateId`. */
  binanceSpot: rangePolicy,
  /** Binance USDⓈ-M futures diff depth: `pu` links to the previous `u`. */
  binanceFutures: linkedPolicy({ name: 'linked-rest', snapshotInBand: false }),
  /** OKX `books`: seqId/prevSeqId when present, snapshot in band; CRC32 checksum always. */
  okxBooks: linkedPolicy({ name: 'linked-inband', snapshotInBand: true }),
  /** Coinbase `level2` (2021 format): no sequence; the `snapshot` message starts the book. */
  coinbaseLevel2: unsequencedPolicy,
  /**
   * Bitfinex raw books (R0): the first channel message is the snapshot; the OB_CHECKSUM frames
   * are verified by BookSync.onChecksum (a mismatch resyncs = resubscribe).
   */
  bitfinexRaw: unsequencedPolicy,
} as const satisfies Record<string, SeqPolicy>;
