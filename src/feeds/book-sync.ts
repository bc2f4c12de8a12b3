/**
 * BookSync: the one sequenced-feed state machine (S3.4). It keeps a book in step with a venue
 * feed: buffer the stream, load a snapshot, drop what the snapshot already holds, apply only
 * the next message in line, and re-synchronise on any gap, checksum mismatch, buffer overflow
 * or book error. Venue differences live in a small SeqPolicy (sync-policy.ts); the book lives
 * behind a SyncTarget (sync-targets.ts wraps L2Book and L3Book).
 *
 * Pure and synchronous: no timers, sockets or promises. Snapshots are an explicit output and
 * input: when the machine needs one it sets `snapshotWanted` and calls `onNeedSnapshot` (after
 * its own state is consistent, so a caller may answer re-entrantly); the caller fetches (REST,
 * or a resubscribe for in-band venues) and hands the result to `onSnapshot()`. The async edge
 * (snapshot-fetcher.ts) wires an injected `fetch(): Promise<S>` to this. Time comes from an
 * injected Clock and is used only for state timestamps and the optional snapshot timeout.
 *
 *   idle ──msg──▶ buffering (REST venues: buffer, request snapshot)
 *   idle ──msg──▶ awaiting-snapshot (in-band venues: drop until the snapshot message)
 *   buffering / awaiting-snapshot / resyncing ──snapshot──▶ live (stale ⇒ refetch, stay)
 *   live ──gap | checksum | overflow | book error | invalid (unsequenced)──▶ resyncing
 *   resyncing ──snapshot──▶ live
 */
import type { Clock } from '../core/clock.js';
import { DeskgateError, ErrorCounter, dgError, type ErrorCode } from '../core/errors.js';
import type { SeqPolicy, SeqRange } from './sync-policy.js';

export type SyncState = 'idle' | 'buffering' | 'awaiting-snapshot' | 'live' | 'resyncing';

/** What BookSync drives: a book plus how to read sequences and checksums off messages. */
export interface SyncTarget<M, S> {
  /** Empty the book (on resync: a book known to be wrong is never shown). */
  clear(): void;
  /** Replace the book with the snapshot. Throws DeskgateError on bad input (book unchanged). */
  load(s: S): void;
  /** Apply one message. Throws DeskgateError on input the book rejects. */
  apply(m: M): void;
  range(m: M): SeqRange;
  snapshotSeq(s: S): number;
  /** Checksum the venue attached to a message/snapshot, if any. */
  expectedChecksum?(m: M): number | undefined;
  snapshotChecksum?(s: S): number | undefined;
  /** The venue's checksum computed over the current book. */
  checksum?(): number;
}

export type ResyncReason = 'gap' | 'checksum' | 'overflow' | 'book-error' | 'invalid' | 'manual';

export interface SyncCounters {
  /** Messages applied to the book. */
  applied: number;
  /** Messages dropped: old/duplicate, already in the snapshot, or before an in-band snapshot. */
  dropped: number;
  /** Sequence gaps detected. */
  gaps: number;
  /** Re-synchronisations started (gap, checksum, overflow, book error, invalid input, manual). */
  resyncs: number;
  checksumOk: number;
  checksumFailures: number;
  /** Snapshots older than the buffered stream (refetched). */
  staleSnapshots: number;
  bufferOverflows: number;
  snapshotsRequested: number;
  snapshotsApplied: number;
  /** Snapshots that arrived when none was wanted (e.g. a late REST reply while live). */
  snapshotsIgnored: number;
  /** Messages currently buffered and the most ever buffered at once. */
  buffered: number;
  bufferHighWater: number;
}

export interface BookSyncOptions<M, S> {
  readonly policy: SeqPolicy;
  readonly target: SyncTarget<M, S>;
  readonly clock: Clock;
  /** Most messages buffered while waiting for a snapshot; more ⇒ resync. Default 10 000. */
  readonly maxBuffer?: number;
  /** Re-request a snapshot not received within this many ms (checked on input). Default: never. */
  readonly snapshotTimeoutMs?: number;
  /** Called when a snapshot is needed (REST fetch, or resubscribe for in-band venues). */
  readonly onNeedSnapshot?: (reason: string) => void;
  /** Called on every state change. */
  readonly onState?: (state: SyncState, reason: string) => void;
  /** Shared error counter (e.g. one per venue); a private one otherwise. */
  readonly errors?: ErrorCounter;
}

export interface SyncStatus {
  readonly state: SyncState;
  readonly seq: number;
  readonly stateSince: number;
  readonly counters: Readonly<SyncCounters>;
  readonly errors: Record<string, number>;
}

export class BookSync<M, S> {
  readonly policy: SeqPolicy;
  readonly errors: ErrorCounter;
  readonly counters: SyncCounters = {
    applied: 0,
    dropped: 0,
    gaps: 0,
    resyncs: 0,
    checksumOk: 0,
    checksumFailures: 0,
    staleSnapshots: 0,
    bufferOverflows: 0,
    snapshotsRequested: 0,
    snapshotsApplied: 0,
    snapshotsIgnored: 0,
    buffered: 0,
    bufferHighWater: 0,
  };

  private readonly target: SyncTarget<M, S>;
  private readonly clock: Clock;
  private readonly maxBuffer: number;
  private readonly snapshotTimeoutMs: number | undefined;
  private readonly onNeedSnapshot: ((reason: string) => void) | undefined;
  private readonly onState: ((state: SyncState, reason: string) => void) | undefined;

  private st: SyncState = 'idle';
  private since: number;
  private cur = 0;
  private bridging = false;
  private gen = 0;
  /** Buffered messages live in buf[head..]; head avoids O(n) shifts while draining. */
  private buf: M[] = [];
  private head = 0;
  private wanted = false;
  private requestedAt = 0;
  private pendingNeed: string | undefined;

  constructor(opts: BookSyncOptions<M, S>) {
    this.policy = opts.policy;
    this.target = opts.target;
    this.clock = opts.clock;
    this.maxBuffer = opts.maxBuffer ?? 10_000;
    if (!(Number.isSafeInteger(this.maxBuffer) && this.maxBuffer > 0)) {
      throw dgError('DG_E_BAD_INPUT', `maxBuffer ${String(opts.maxBuffer)}`);
    }
    this.snapshotTimeoutMs = opts.snapshotTimeoutMs;
    this.onNeedSnapshot = opts.onNeedSnapshot;
    this.onState = opts.onState;
    this.errors = opts.errors ?? new ErrorCounter();
    this.since = this.clock.now();
  }

  get state(): SyncState {
    return this.st;
  }

  /** Sequence the book is at (snapshot's, then last applied); 0 before any snapshot. */
  get seq(): number {
    return this.cur;
  }

  /** True while a snapshot has been requested and not yet received. */
  get snapshotWanted(): boolean {
    return this.wanted;
  }

  get live(): boolean {
    return this.st === 'live';
  }

  status(): SyncStatus {
    return {
      state: this.st,
      seq: this.cur,
      stateSince: this.since,
      counters: { ...this.counters },
      errors: this.errors.toJSON(),
    };
  }

  /** Feed one decoded stream message. Never throws on venue input; problems are counted. */
  onMessage(m: M): void {
    this.checkTimeout();
    switch (this.st) {
      case 'live':
        this.handleLive(m);
        break;
      case 'idle':
        if (this.policy.snapshotInBand) {
          // A stream without its snapshot (joined mid-stream, snapshot lost): ask for a
          // resubscribe; an adapter that has just subscribed may ignore the request.
          this.setState('awaiting-snapshot', 'first message');
          this.counters.dropped++;
          this.request('initial');
        } else {
          this.setState('buffering', 'first message');
          this.push(m);
          this.request('initial');
        }
        break;
      case 'awaiting-snapshot':
      case 'buffering':
      case 'resyncing':
        if (this.policy.snapshotInBand) this.counters.dropped++;
        else this.push(m);
        if (!this.wanted) this.request('retry'); // the last request failed or was answered stale
        break;
    }
    this.flush();
  }

  /**
   * Incremented by reset(). An async fetcher notes it when it starts a fetch and passes it back
   * with the reply, so a reply fetched for a previous connection is ignored.
   */
  get epoch(): number {
    return this.gen;
  }

  /** Hand in a snapshot (REST reply, or the in-band snapshot message). */
  onSnapshot(s: S, epoch?: number): void {
    this.checkTimeout();
    if (epoch !== undefined && epoch !== this.gen) {
      // Fetched for a connection that reset() has since thrown away.
      this.counters.snapshotsIgnored++;
      this.flush();
      return;
    }
    if (this.st === 'live' && !this.policy.snapshotInBand) {
      // A late reply to an earlier request: the book is already in sync.
      this.counters.snapshotsIgnored++;
      this.flush();
      return;
    }
    let snapSeq: number;
    try {
      snapSeq = this.target.snapshotSeq(s);
    } catch (e) {
      this.fail(e, 'book-error');
      this.flush();
      return;
    }
    if (this.size() > 0 && this.policy.isStale(snapSeq, this.target.range(this.buf[this.head]))) {
      this.counters.staleSnapshots++;
      this.errors.record(
        dgError(
          'DG_E_STALE_SNAPSHOT',
          `snapshot ${snapSeq} < buffered ${this.target.range(this.buf[this.head]).first}`,
        ),
      );
      this.wanted = false;
      this.request('stale snapshot');
      this.flush();
      return;
    }
    try {
      this.target.load(s);
    } catch (e) {
      this.target.clear();
      this.fail(e, 'book-error');
      this.flush();
      return;
    }
    this.counters.snapshotsApplied++;
    this.wanted = false;
    this.cur = snapSeq;
    this.bridging = true;
    const expected = this.target.snapshotChecksum?.(s);
    if (expected !== undefined && !this.verifyChecksum(expected)) {
      this.flush();
      return;
    }
    this.setState('live', 'snapshot');
    this.drain();
    this.flush();
  }

  /** The snapshot fetch failed: counted; a new request is made on the next message or poll(). */
  snapshotFailed(e: unknown, code: ErrorCode = 'DG_E_SNAPSHOT_FETCH'): void {
    this.errors.record(e instanceof DeskgateError ? e : dgError(code, e instanceof Error ? e.message : undefined));
    this.wanted = false;
  }

  /**
   * A frame for this book could not be decoded. Sequenced feeds find the hole themselves (the
   * next message is a gap); an unsequenced feed cannot, so its book is resynchronised now.
   */
  onInvalid(e: DeskgateError): void {
    this.errors.record(e);
    if (!this.policy.sequenced && this.st === 'live') {
      this.resync('invalid', 'invalid input on an unsequenced feed');
    }
    this.flush();
  }

  /**
   * A checksum the venue sends as a message of its own (Bitfinex `[chanId,"cs",n]`), over the book
   * after every message before it. Verified only while live (before a snapshot there is nothing to
   * check); a mismatch is counted (DG_E_CHECKSUM) and resyncs, exactly like an attached checksum.
   */
  onChecksum(expected: number): void {
    this.checkTimeout();
    if (this.st === 'live') this.verifyChecksum(expected);
    this.flush();
  }

  /** Force a resync (operator command, reconnect). */
  resync(reason: ResyncReason = 'manual', detail: string = reason): void {
    this.startResync(reason, detail);
    this.flush();
  }

  /** Re-check the snapshot timeout (callers with a timer of their own may call this). */
  poll(): void {
    this.checkTimeout();
    if ((this.st === 'buffering' || this.st === 'resyncing') && !this.wanted) this.request('retry');
    this.flush();
  }

  /** Back to idle with an empty book and buffer (e.g. after a disconnect). */
  reset(): void {
    this.target.clear();
    this.buf = [];
    this.head = 0;
    this.counters.buffered = 0;
    this.cur = 0;
    this.bridging = false;
    this.wanted = false;
    this.pendingNeed = undefined;
    this.gen++;
    this.setState('idle', 'reset');
  }

  // ----- internals ---------------------------------------------------------------------------

  private handleLive(m: M): void {
    let r: SeqRange;
    try {
      r = this.target.range(m);
    } catch (e) {
      this.fail(e, 'book-error');
      return;
    }
    const v = this.policy.verdict(this.cur, r, this.bridging);
    if (v === 'drop') {
      this.counters.dropped++;
      return;
    }
    if (v === 'gap') {
      this.gap(r, m);
      return;
    }
    this.applyOne(m, r);
  }

  /** Apply one in-line message; returns false when it sent the machine into resync. */
  private applyOne(m: M, r: SeqRange): boolean {
    try {
      this.target.apply(m);
    } catch (e) {
      this.fail(e, 'book-error');
      return false;
    }
    this.counters.applied++;
    this.cur = this.policy.after(this.cur, r);
    this.bridging = false;
    const expected = this.target.expectedChecksum?.(m);
    if (expected !== undefined) return this.verifyChecksum(expected);
    return true;
  }

  private verifyChecksum(expected: number): boolean {
    if (!this.target.checksum) return true;
    const got = this.target.checksum();
    if (got === expected) {
      this.counters.checksumOk++;
      return true;
    }
    this.counters.checksumFailures++;
    this.errors.record(dgError('DG_E_CHECKSUM', `expected ${expected}, computed ${got} at seq ${this.cur}`));
    this.startResync('checksum', 'checksum mismatch');
    return false;
  }

  private gap(r: SeqRange, m: M): void {
    this.counters.gaps++;
    const detail =
      r.prev !== undefined ? `at ${this.cur}, next links to ${r.prev}` : `at ${this.cur}, next starts ${r.first}`;
    this.errors.record(dgError('DG_E_SEQUENCE_GAP', detail));
    this.startResync('gap', 'sequence gap');
    // The message after the hole is the first of the new stream.
    if (!this.policy.snapshotInBand) this.push(m);
  }

  private fail(e: unknown, reason: ResyncReason): void {
    this.errors.record(
      e instanceof DeskgateError ? e : dgError('DG_E_INTERNAL', e instanceof Error ? e.message : undefined),
    );
    this.startResync(reason, reason);
  }

  private startResync(reason: ResyncReason, detail: string): void {
    this.counters.resyncs++;
    this.target.clear();
    this.bridging = false;
    this.setState('resyncing', detail);
    this.wanted = false;
    this.request(reason);
  }

  /** After a snapshot: drop what it holds, apply the rest in order; a hole ⇒ resync. */
  private drain(): void {
    while (this.head < this.buf.length && this.st === 'live') {
      const m = this.buf[this.head];
      this.buf[this.head] = undefined as unknown as M;
      this.head++;
      this.counters.buffered--;
      const r = this.target.range(m);
      const v = this.policy.verdict(this.cur, r, this.bridging);
      if (v === 'drop') this.counters.dropped++;
      else if (v === 'apply') this.applyOne(m, r);
      else {
        // Keep the rest (from the message after the hole) as the new buffer.
        this.head--;
        this.buf[this.head] = m;
        this.counters.buffered++;
        this.counters.gaps++;
        this.errors.record(dgError('DG_E_SEQUENCE_GAP', `at ${this.cur}, next starts ${r.first}`));
        this.startResync('gap', 'sequence gap in buffer');
      }
    }
    this.compact();
  }

  private push(m: M): void {
    if (this.size() >= this.maxBuffer) {
      this.counters.bufferOverflows++;
      this.errors.record(dgError('DG_E_BUFFER_OVERFLOW', `${this.maxBuffer} messages`));
      this.buf = [];
      this.head = 0;
      this.counters.buffered = 0;
      if (this.st === 'live') this.startResync('overflow', 'buffer overflow');
      else {
        this.counters.resyncs++;
        this.setState('resyncing', 'buffer overflow');
        this.wanted = false;
        this.request('buffer overflow');
      }
    }
    this.buf.push(m);
    this.counters.buffered++;
    if (this.counters.buffered > this.counters.bufferHighWater) this.counters.bufferHighWater = this.counters.buffered;
  }

  private size(): number {
    return this.buf.length - this.head;
  }

  private compact(): void {
    if (this.head === 0) return;
    if (this.head >= this.buf.length) {
      this.buf = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.buf.length) {
      this.buf = this.buf.slice(this.head);
      this.head = 0;
    }
  }

  private request(reason: string): void {
    if (this.wanted) return;
    this.wanted = true;
    this.requestedAt = this.clock.now();
    this.counters.snapshotsRequested++;
    this.pendingNeed = reason;
  }

  private checkTimeout(): void {
    if (!this.wanted || this.snapshotTimeoutMs === undefined) return;
    if (this.clock.now() - this.requestedAt >= this.snapshotTimeoutMs) {
      this.errors.record(dgError('DG_E_SNAPSHOT_TIMEOUT', `${this.snapshotTimeoutMs} ms`));
      this.wanted = false;
      this.request('snapshot timeout');
    }
  }

  private setState(s: SyncState, reason: string): void {
    if (s === this.st) return;
    this.st = s;
    this.since = this.clock.now();
    this.onState?.(s, reason);
  }

  /** Emit a pending snapshot request last, when the machine's state is consistent. */
  private flush(): void {
    const reason = this.pendingNeed;
    if (reason === undefined) return;
    this.pendingNeed = undefined;
    this.onNeedSnapshot?.(reason);
  }
}
