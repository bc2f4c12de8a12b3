/**
 * The algo service's own journal (src/store/journal.ts, a SQLite WAL file beside the kernel's:
 * `<dataDir>/<gateway>-algos.db`). The kernel journals every child order as a strategy command; this
 * file holds what the kernel does not know: the parents.
 *
 *   evt start     {id, strategy, symbol, request, spec, createdAt,   before the first child
 *                  clientAlgoId?}                                    (journal key algo-start:<clientAlgoId>)
 *   evt child     {id, clientId, tag, type, price?, size, at}        each child the kernel accepted
 *   evt state     {id, runner}                                       runner snapshot: each round, each status change
 *   evt control   {id, action, reason}                               operator pause / resume / cancel
 *   evt tape      {id, arrivalMid?, mids[], trades[]}                market samples for the TCA (new ones only)
 *   snapshot algos {version, nextId, parents[]}                      compaction (older entries deleted)
 *
 * Parent numbers are allocated from `nextId`, journaled with the start, so a number is never
 * handed out twice, across restarts too.
 *
 * Versions (the snapshot's `version`; plain entries carry none and are read by either):
 *   1  no client keys.
 *   2  a start may carry the client's idempotency key `clientAlgoId` (and the request's endAt,
 *      durationMs and seed, so a repeated start can be compared). A version-1 file reads as parents
 *      without keys; its next compaction writes version 2. A snapshot newer than this build knows is
 *      refused (DG_E_JOURNAL_SCHEMA) rather than misread.
 */
import { dgError } from '../../core/errors.js';
import type { Journal } from '../../store/journal.js';
import type { JournalEntry } from '../../store/journal-entry.js';
import type { RunnerSnapshot } from '../runner.js';
import type { ChildTag, ParentSpec } from '../types.js';
import { applyDelta, type TapeData, type TapeDelta } from './market-tape.js';

export const ALGO_STORE_VERSION = 2;

/** A start request as accepted (decimal strings, the edge's view), kept for the status view. */
export interface StoredRequest {
  readonly strategy: string;
  readonly symbol: string;
  readonly side: 'buy' | 'sell';
  readonly size: string;
  readonly mode: string;
  readonly params: Record<string, unknown>;
  /** As given (absent in version-1 records and when not given): compared when a start is repeated. */
  readonly endAt?: number;
  readonly durationMs?: number;
  readonly seed?: number;
}

export interface StoredChild {
  readonly clientId: string;
  readonly tag: ChildTag;
  readonly type: 'limit' | 'market';
  readonly price?: number;
  readonly size: number;
  readonly at: number;
}

export interface ParentRecord {
  readonly id: number;
  readonly strategy: string;
  /** Unified symbol. */
  readonly symbol: string;
  readonly request: StoredRequest;
  readonly spec: ParentSpec;
  readonly createdAt: number;
  /** The client's idempotency key of the start, if it gave one (version 2). */
  readonly clientAlgoId?: string;
  /** Latest runner snapshot (undefined until the first round). */
  runner: RunnerSnapshot | undefined;
  /** Every child the kernel accepted for this parent, by client id. */
  readonly children: Map<string, StoredChild>;
  /** Market samples for the TCA. */
  tape: TapeData | undefined;
}

/** The journalled start of a parent: the record's fixed part. */
type StartEntry = Pick<ParentRecord, 'id' | 'strategy' | 'symbol' | 'request' | 'spec' | 'createdAt' | 'clientAlgoId'>;

interface CompactState {
  readonly version: number;
  readonly nextId: number;
  readonly parents: readonly (StartEntry & {
    runner: RunnerSnapshot | undefined;
    children: StoredChild[];
    tape?: TapeData;
  })[];
}

/** Entries appended between compactions. */
const COMPACT_EVERY = 2000;

export class AlgoStore {
  readonly parents = new Map<number, ParentRecord>();
  /** clientAlgoId → parent number (the first parent journaled with it). */
  private readonly keys = new Map<string, number>();
  private next = 1;
  private sinceCompact = 0;

  constructor(private readonly journal: Journal) {}

  get file(): string {
    return this.journal.file;
  }

  /** Rebuild the parents from the journal (latest compaction + the entries after it). */
  load(): { entries: number } {
    const rec = this.journal.recover({ onCorrupt: 'stop' });
    let entries = 0;
    if (rec.snapshot) {
      const state = rec.snapshot.payload as CompactState;
      if (typeof state?.version === 'number' && state.version > ALGO_STORE_VERSION)
        throw dgError(
          'DG_E_JOURNAL_SCHEMA',
          `algo journal snapshot is version ${state.version}, this build reads up to ${ALGO_STORE_VERSION}`,
        );
      this.applyCompact(state);
    }
    for (const e of rec.entries) {
      entries++;
      this.apply(e);
    }
    this.sinceCompact = entries;
    return { entries };
  }

  /** The parent started with this client key, if any. */
  byKey(clientAlgoId: string): ParentRecord | undefined {
    const id = this.keys.get(clientAlgoId);
    return id === undefined ? undefined : this.parents.get(id);
  }

  /** The next parent number (not yet taken). */
  peekId(): number {
    return this.next;
  }

  /** Never hand out a number at or below `n` (e.g. one already used in a child client id). */
  reserveAbove(n: number): void {
    if (n >= this.next) this.next = n + 1;
  }

  /**
   * Journal a new parent. With a client key the entry carries the journal idempotency key
   * `algo-start:<key>`, so the file itself refuses a second start with that key
   * (DG_E_JOURNAL_DUPLICATE_KEY), compactions included.
   */
  start(e: Omit<StartEntry, 'id'>): ParentRecord {
    const entry: StartEntry = { id: this.next, ...e };
    this.append('start', entry, e.clientAlgoId === undefined ? undefined : `algo-start:${e.clientAlgoId}`);
    return this.parents.get(entry.id) as ParentRecord;
  }

  child(id: number, c: StoredChild): void {
    this.append('child', { id, ...c });
  }

  state(id: number, runner: RunnerSnapshot): void {
    this.append('state', { id, runner });
  }

  control(id: number, action: 'pause' | 'resume' | 'cancel', reason: string): void {
    this.append('control', { id, action, reason });
  }

  tape(id: number, delta: TapeDelta): void {
    this.append('tape', { id, ...delta });
  }

  private append(type: string, payload: unknown, key?: string): void {
    const seq = this.journal.append({ kind: 'evt', type, payload, ...(key !== undefined ? { key } : {}) });
    this.apply({ seq, ts: 0, kind: 'evt', type, key: key ?? null, payload });
    if (++this.sinceCompact >= COMPACT_EVERY) this.compact();
  }

  /** Write the whole state as one snapshot entry and delete what came before it. */
  compact(): void {
    const state: CompactState = {
      version: ALGO_STORE_VERSION,
      nextId: this.next,
      parents: [...this.parents.values()].map((p) => ({
        id: p.id,
        strategy: p.strategy,
        symbol: p.symbol,
        request: p.request,
        spec: p.spec,
        createdAt: p.createdAt,
        ...(p.clientAlgoId !== undefined ? { clientAlgoId: p.clientAlgoId } : {}),
        runner: p.runner,
        children: [...p.children.values()],
        ...(p.tape ? { tape: p.tape } : {}),
      })),
    };
    const seq = this.journal.snapshot('algos', state);
    this.journal.truncate(seq);
    this.sinceCompact = 0;
  }

  private applyCompact(s: CompactState): void {
    this.parents.clear();
    this.keys.clear();
    this.next = s.nextId;
    for (const p of s.parents) {
      this.parents.set(p.id, {
        id: p.id,
        strategy: p.strategy,
        symbol: p.symbol,
        request: p.request,
        spec: p.spec,
        createdAt: p.createdAt,
        ...(p.clientAlgoId !== undefined ? { clientAlgoId: p.clientAlgoId } : {}),
        runner: p.runner,
        children: new Map(p.children.map((c) => [c.clientId, c])),
        tape: p.tape,
      });
      this.index(p.id, p.clientAlgoId);
    }
  }

  private index(id: number, clientAlgoId: string | undefined): void {
    if (clientAlgoId !== undefined && !this.keys.has(clientAlgoId)) this.keys.set(clientAlgoId, id);
  }

  private apply(e: JournalEntry): void {
    if (e.kind !== 'evt') return;
    const p = e.payload as { id?: unknown } | null;
    const id = typeof p?.id === 'number' ? p.id : undefined;
    if (id === undefined) return;
    switch (e.type) {
      case 'start': {
        const s = e.payload as StartEntry;
        this.parents.set(id, {
          id,
          strategy: s.strategy,
          symbol: s.symbol,
          request: s.request,
          spec: s.spec,
          createdAt: s.createdAt,
          ...(typeof s.clientAlgoId === 'string' ? { clientAlgoId: s.clientAlgoId } : {}),
          runner: undefined,
          children: new Map(),
          tape: undefined,
        });
        this.index(id, typeof s.clientAlgoId === 'string' ? s.clientAlgoId : undefined);
        if (id >= this.next) this.next = id + 1;
        return;
      }
      case 'child': {
        const c = e.payload as StoredChild & { id: number };
        const { id: _id, ...child } = c;
        this.parents.get(id)?.children.set(c.clientId, child);
        return;
      }
      case 'state': {
        const rec = this.parents.get(id);
        if (rec) rec.runner = (e.payload as { runner: RunnerSnapshot }).runner;
        return;
      }
      case 'tape': {
        const rec = this.parents.get(id);
        if (rec) rec.tape = applyDelta(rec.tape, e.payload as TapeDelta);
        return;
      }
      default:
        return; // control entries are an audit trail; the state entry after them carries the effect
    }
  }
}
