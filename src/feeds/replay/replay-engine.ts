/**
 * The replay engine: capture records in, per-symbol books kept by BookSync, a report out.
 * Deterministic: no I/O and no wall clock (a ManualClock follows the capture's timestamps).
 *
 * Two passes over the capture: `scan()` every record (prices/sizes per symbol → grids), then
 * `start()`, then `feed()` every record in order and `finish()`. REST snapshot records (a
 * `.http.` file) are handed to `addSnapshots()` before feeding; each is delivered to its
 * symbol's BookSync at its own timestamp, interleaved with the stream, which is what the sync
 * procedure does live (the snapshot applies to whatever the stream has buffered by then).
 */
import { ManualClock } from '../../core/clock.js';
import { fromUnits } from '../../core/decimal.js';
import { DeskgateError, ErrorCounter, dgError } from '../../core/errors.js';
import type { L2Snapshot, L2Update, L3Event, L3Snapshot, Side } from '../../core/events.js';
import type { Instrument } from '../../core/instrument.js';
import { L2Book } from '../../book/l2-book.js';
import { L3Book } from '../../book/l3-book.js';
import type { BookSync, SyncCounters, SyncState } from '../book-sync.js';
import type { FeedDecoder, FeedEvent } from '../feed-event.js';
import { createL2Sync, createL3Sync } from '../sync-targets.js';
import { parseFrame, type Json } from '../wire-fields.js';
import type { CaptureRecord } from './capture-reader.js';
import { CaptureGrid } from './capture-grid.js';
import { VENUES, type ReplayVenueName, type VenueWiring } from './replay-venues.js';

export interface ReplayOptions {
  readonly venue: ReplayVenueName;
  /** Only this native symbol (e.g. "BTC-USDT"). */
  readonly symbol?: string;
  /** BookSync buffer bound. */
  readonly maxBuffer?: number;
}

export interface SymbolReport {
  readonly symbol: string;
  readonly unified: string;
  readonly tickSize: string;
  readonly lotSize: string;
  readonly state: SyncState;
  readonly applied: number;
  readonly dropped: number;
  readonly gaps: number;
  readonly resyncs: number;
  readonly checksumOk: number;
  readonly checksumFailed: number;
  readonly staleSnapshots: number;
  readonly snapshotsApplied: number;
  readonly snapshotsRequested: number;
  readonly bufferHighWater: number;
  readonly trades: number;
  readonly everCrossed: boolean;
  readonly crossedMessages: number;
  readonly errors: Record<string, number>;
  /** Final top 5 levels, best first, exact decimal strings [price, size]. */
  readonly bids: Array<[string, string]>;
  readonly asks: Array<[string, string]>;
}

export interface ReplayReport {
  readonly venue: string;
  readonly records: number;
  readonly framesReceived: number;
  readonly snapshotRecords: number;
  readonly badLines: number;
  /** Decoder errors by code (all symbols). */
  readonly decodeErrors: Record<string, number>;
  /** Errors not tied to a symbol's book (bad lines, snapshots for unknown symbols). */
  readonly otherErrors: Record<string, number>;
  readonly symbols: SymbolReport[];
}

type Tracked =
  | { kind: 'l2'; native: string; inst: Instrument; book: L2Book; sync: BookSync<L2Update, L2Snapshot>; stats: Stats }
  | { kind: 'l3'; native: string; inst: Instrument; book: L3Book; sync: BookSync<L3Event, L3Snapshot>; stats: Stats };

interface Stats {
  trades: number;
  everCrossed: boolean;
  crossedMessages: number;
}

interface PendingSnapshot {
  readonly ts: number;
  readonly symbol: string;
  readonly body: string;
}

export class ReplayEngine {
  readonly wiring: VenueWiring;
  private readonly grid: CaptureGrid;
  private readonly clock = new ManualClock(0);
  private readonly tracked = new Map<string, Tracked>();
  private readonly other = new ErrorCounter();
  private decoder: FeedDecoder | undefined;
  private snapshots: PendingSnapshot[] = [];
  private nextSnapshot = 0;
  private readonly scanChannels = new Map<number, string>();
  private records = 0;
  private frames = 0;
  private snapshotRecords = 0;
  private badLines = 0;

  constructor(private readonly opts: ReplayOptions) {
    this.wiring = VENUES[opts.venue];
    this.grid = new CaptureGrid(this.wiring.venue);
  }

  /** Pass 1: collect every price/size string per symbol (stream and snapshots). */
  scan(rec: CaptureRecord): void {
    if (rec.kind === 'recv') {
      let msg: Json;
      try {
        msg = parseFrame(rec.frame);
      } catch {
        return;
      }
      this.wiring.scan(msg, this.grid.sink, this.scanChannels);
    } else if (rec.kind === 'http') {
      const symbol = this.wiring.snapshotSymbol?.(rec.url);
      if (!symbol) return;
      try {
        this.wiring.scanSnapshot?.(parseFrame(rec.body), symbol, this.grid.sink);
      } catch {
        // refused again (and counted) when delivered
      }
    }
  }

  /** Build the instruments and the decoder. */
  start(): void {
    this.grid.build();
    this.decoder = this.wiring.decoder((native) => this.grid.get(native));
  }

  /** Queue REST snapshot records (any order; delivered by timestamp). */
  addSnapshots(recs: Iterable<CaptureRecord>): void {
    for (const r of recs) {
      if (r.kind !== 'http') continue;
      const symbol = this.wiring.snapshotSymbol?.(r.url);
      if (!symbol) {
        this.other.record(dgError('DG_E_BAD_FRAME', `snapshot url ${r.url.slice(0, 80)}`));
        continue;
      }
      this.snapshots.push({ ts: r.ts, symbol, body: r.body });
    }
    this.snapshots.sort((a, b) => a.ts - b.ts);
  }

  /** Pass 2: one record, in capture order. */
  feed(rec: CaptureRecord): void {
    const decoder = this.decoder;
    if (!decoder) throw dgError('DG_E_INTERNAL', 'ReplayEngine.start() not called');
    this.records++;
    if (rec.kind === 'bad') {
      this.badLines++;
      this.other.record(dgError('DG_E_BAD_FRAME', `line ${rec.line}`));
      return;
    }
    if (rec.kind === 'connect' || rec.kind === 'sent') return;
    this.advance(rec.ts);
    if (rec.kind === 'http') {
      this.snapshotRecords++;
      this.deliverSnapshot({ ts: rec.ts, symbol: this.wiring.snapshotSymbol?.(rec.url) ?? '', body: rec.body });
      return;
    }
    this.frames++;
    for (const ev of decoder.decode(rec.frame, rec.ts)) this.route(ev);
  }

  finish(): ReplayReport {
    while (this.nextSnapshot < this.snapshots.length) {
      const s = this.snapshots[this.nextSnapshot++];
      this.snapshotRecords++;
      this.deliverSnapshot(s);
    }
    const symbols: SymbolReport[] = [];
    for (const t of [...this.tracked.values()].sort((a, b) => a.native.localeCompare(b.native)))
      symbols.push(this.report(t));
    return {
      venue: this.opts.venue,
      records: this.records,
      framesReceived: this.frames,
      snapshotRecords: this.snapshotRecords,
      badLines: this.badLines,
      decodeErrors: this.decoder?.errors.toJSON() ?? {},
      otherErrors: this.other.toJSON(),
      symbols,
    };
  }

  /** Current book state of one symbol (tests). */
  book(native: string): L2Book | L3Book | undefined {
    return this.tracked.get(native)?.book;
  }

  sync(native: string): BookSync<L2Update, L2Snapshot> | BookSync<L3Event, L3Snapshot> | undefined {
    return this.tracked.get(native)?.sync;
  }

  // ----- internals ---------------------------------------------------------------------------

  private advance(ts: number): void {
    if (ts > this.clock.now()) this.clock.set(ts);
    while (this.nextSnapshot < this.snapshots.length && this.snapshots[this.nextSnapshot].ts <= ts) {
      const s = this.snapshots[this.nextSnapshot++];
      this.snapshotRecords++;
      this.deliverSnapshot(s);
    }
  }

  private deliverSnapshot(s: PendingSnapshot): void {
    if (this.opts.symbol !== undefined && s.symbol !== this.opts.symbol) return;
    const t = this.track(s.symbol);
    if (!t) {
      this.other.record(dgError('DG_E_UNKNOWN_INSTRUMENT', `snapshot for ${s.symbol.slice(0, 32)}`));
      return;
    }
    const decode = this.wiring.decodeSnapshot;
    if (!decode) return;
    let snap: L2Snapshot | L3Snapshot;
    try {
      snap = decode(s.body, t.inst, s.ts);
    } catch (e) {
      t.sync.snapshotFailed(e instanceof DeskgateError ? e : dgError('DG_E_BAD_MESSAGE'));
      return;
    }
    // The wiring pairs an L2 book with an L2 snapshot decoder and an L3 book with an L3 one.
    if (t.kind === 'l2') t.sync.onSnapshot(snap as L2Snapshot);
    else t.sync.onSnapshot(snap as L3Snapshot);
    this.checkCrossed(t);
  }

  private route(ev: FeedEvent): void {
    if (ev.kind === 'control') {
      // A checksum sent as a message of its own (Bitfinex `cs`): over the book after all before it.
      const cs = this.wiring.controlChecksum?.(ev);
      if (cs === undefined || ev.symbol === undefined) return;
      if (this.opts.symbol !== undefined && ev.symbol !== this.opts.symbol) return;
      this.track(ev.symbol)?.sync.onChecksum(cs);
      return;
    }
    if (ev.kind === 'invalid') {
      if (ev.symbol === undefined) return; // counted by the decoder
      if (this.opts.symbol !== undefined && ev.symbol !== this.opts.symbol) return;
      const t = this.track(ev.symbol);
      if (t) t.sync.onInvalid(ev.error);
      return;
    }
    if (this.opts.symbol !== undefined && ev.symbol !== this.opts.symbol) return;
    const t = this.track(ev.symbol);
    if (!t) return;
    switch (ev.kind) {
      case 'trade':
        t.stats.trades++;
        return;
      case 'l2':
        if (t.kind === 'l2') t.sync.onMessage(ev.update);
        break;
      case 'l2-snapshot':
        if (t.kind === 'l2') t.sync.onSnapshot(ev.snapshot);
        break;
      case 'l3':
        if (t.kind === 'l3') t.sync.onMessage(ev.event);
        break;
      case 'l3-snapshot':
        if (t.kind === 'l3') t.sync.onSnapshot(ev.snapshot);
        break;
    }
    this.checkCrossed(t);
  }

  private checkCrossed(t: Tracked): void {
    if (t.sync.live && t.book.isCrossed()) {
      t.stats.everCrossed = true;
      t.stats.crossedMessages++;
    }
  }

  private track(native: string): Tracked | undefined {
    const have = this.tracked.get(native);
    if (have) return have;
    const inst = this.grid.get(native);
    if (!inst) return undefined;
    const stats: Stats = { trades: 0, everCrossed: false, crossedMessages: 0 };
    const common = {
      policy: this.wiring.policy,
      clock: this.clock,
      ...(this.opts.maxBuffer ? { maxBuffer: this.opts.maxBuffer } : {}),
    };
    let t: Tracked;
    if (this.wiring.book === 'l2') {
      const book = new L2Book();
      const checksum = this.wiring.checksum?.(this.decoder as FeedDecoder, native, inst);
      const sync = createL2Sync(book, { ...common, ...(checksum ? { checksum } : {}) });
      t = { kind: 'l2', native, inst, book, sync, stats };
    } else {
      const book = new L3Book();
      const checksum = this.wiring.l3Checksum?.(inst);
      const sync = createL3Sync(book, { ...common, ...this.wiring.l3Options, ...(checksum ? { checksum } : {}) });
      t = { kind: 'l3', native, inst, book, sync, stats };
    }
    this.tracked.set(native, t);
    return t;
  }

  private report(t: Tracked): SymbolReport {
    const c: SyncCounters = t.sync.counters;
    const top = (side: Side): Array<[string, string]> =>
      t.book.levels(side, 5).map(([p, s]) => [fromUnits(p, t.inst.price), fromUnits(s, t.inst.size)]);
    return {
      symbol: t.native,
      unified: t.inst.symbol,
      tickSize: t.inst.tickSize,
      lotSize: t.inst.lotSize,
      state: t.sync.state,
      applied: c.applied,
      dropped: c.dropped,
      gaps: c.gaps,
      resyncs: c.resyncs,
      checksumOk: c.checksumOk,
      checksumFailed: c.checksumFailures,
      staleSnapshots: c.staleSnapshots,
      snapshotsApplied: c.snapshotsApplied,
      snapshotsRequested: c.snapshotsRequested,
      bufferHighWater: c.bufferHighWater,
      trades: t.stats.trades,
      everCrossed: t.stats.everCrossed,
      crossedMessages: t.stats.crossedMessages,
      errors: t.sync.errors.toJSON(),
      bids: top(0),
      asks: top(1),
    };
  }
}
