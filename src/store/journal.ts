/**
 * Crash-safe append-only journal on SQLite (better-sqlite3, WAL mode).
 *
 * Guarantee: once `append()` / `appendBatch()` has returned, the entries survive a kill -9 of the
 * process (`durability: 'process'`, the default: WAL + synchronous=NORMAL — a commit is written to
 * the WAL file before it returns, so it sits in the OS page cache, which a process crash does not
 * lose). `durability: 'power'` sets synchronous=FULL: the WAL is fsynced on every commit, so the
 * entries also survive power loss or an OS crash, at the cost of one fsync per append.
 *
 * Torn writes: SQLite checksums every WAL frame and ignores a torn tail on recovery, so a commit
 * that was cut short simply never happened. On top of that every row carries a CRC-32 of its fields;
 * replay stops (or skips, or throws — `onCorrupt`) at a row that fails it and reports the seq, after
 * yielding everything before it.
 *
 * Single writer: one process owns a journal; readers in other processes may open it read-only.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { systemClock, type Clock } from '../core/clock.js';
import { dgError, ErrorCounter, isDeskgateError, type DeskgateError } from '../core/errors.js';
import {
  encodeInput,
  entryChecksum,
  JOURNAL_KINDS,
  type AppendResult,
  type EncodedInput,
  type JournalEntry,
  type JournalInput,
  type JournalKind,
} from './journal-entry.js';
import { JOURNAL_DDL, JOURNAL_SCHEMA_VERSION } from './journal-schema.js';

export type JournalDurability = 'process' | 'power';
export type CorruptPolicy = 'stop' | 'skip' | 'throw';

export interface JournalOptions {
  /** SQLite file path, or ':memory:' (tests only — nothing is durable). */
  readonly file: string;
  readonly clock?: Clock;
  /** 'process' (default): survives kill -9. 'power': also survives power loss (fsync per commit). */
  readonly durability?: JournalDurability;
  /** Open an existing journal without writing (another process's view). */
  readonly readonly?: boolean;
}

export interface ReplayOptions {
  /** What to do at a row whose checksum, payload or seq continuity is wrong. Default 'stop'. */
  readonly onCorrupt?: CorruptPolicy;
  /** Called for every problem found (also counted in `journal.errors`). */
  readonly onIssue?: (issue: ReplayIssue) => void;
  /** Rows fetched per page (the connection is free between pages). Default 512. */
  readonly pageSize?: number;
}

export interface ReplayIssue {
  readonly seq: number;
  readonly error: DeskgateError;
}

export interface Recovery {
  /** The latest snapshot entry, if any. */
  readonly snapshot: JournalEntry | undefined;
  /** Entries after the snapshot (or all entries if there is none), in order. */
  readonly entries: Iterable<JournalEntry>;
}

interface Row {
  seq: number;
  ts: number;
  kind: string;
  type: string;
  key: string | null;
  payload: string;
  crc: number;
}

export class Journal {
  readonly file: string;
  readonly durability: JournalDurability;
  readonly errors = new ErrorCounter();
  private db: Database.Database | undefined;
  private readonly clock: Clock;
  private readonly stmts: {
    nextSeq: Database.Statement<[], { next: number }>;
    insert: Database.Statement<[number, number, string, string, string | null, string, number]>;
    insertKey: Database.Statement<[string, string, number, number]>;
    findKey: Database.Statement<[string, string], { seq: number }>;
    page: Database.Statement<[number, number], Row>;
    latestSnapshot: Database.Statement<[], Row>;
    bounds: Database.Statement<[], { first: number | null; last: number | null; n: number }>;
  };
  private readonly appendOneTx: (e: EncodedInput, once: boolean) => AppendResult;
  private readonly appendManyTx: (es: readonly EncodedInput[]) => number[];

  constructor(opts: JournalOptions) {
    this.file = opts.file;
    this.clock = opts.clock ?? systemClock;
    this.durability = opts.durability ?? 'process';
    if (opts.file !== ':memory:' && !opts.readonly)
      mkdirSync(path.dirname(path.resolve(opts.file)), { recursive: true });
    let db: Database.Database | undefined;
    try {
      db = new Database(opts.file, { readonly: opts.readonly ?? false, fileMustExist: opts.readonly ?? false });
      db.pragma('busy_timeout = 5000');
      const version = db.pragma('user_version', { simple: true }) as number;
      if (version > JOURNAL_SCHEMA_VERSION) {
        throw dgError(
          'DG_E_JOURNAL_SCHEMA',
          `file has version ${version}, this build reads up to ${JOURNAL_SCHEMA_VERSION}`,
        );
      }
      if (!opts.readonly) {
        const mode = db.pragma('journal_mode = WAL', { simple: true });
        if (mode !== 'wal' && opts.file !== ':memory:')
          throw dgError('DG_E_STORE', `could not enable WAL (got ${String(mode)})`);
        db.pragma(`synchronous = ${this.durability === 'power' ? 'FULL' : 'NORMAL'}`);
        if (version < JOURNAL_SCHEMA_VERSION) {
          db.transaction(() => {
            for (const ddl of JOURNAL_DDL) db!.exec(ddl);
            db!.pragma(`user_version = ${JOURNAL_SCHEMA_VERSION}`);
          }).immediate();
        }
      } else if (version < JOURNAL_SCHEMA_VERSION) {
        throw dgError('DG_E_JOURNAL_SCHEMA', `file has version ${version}, not a journal`);
      }
      this.stmts = {
        nextSeq: db.prepare('SELECT COALESCE(MAX(seq), 0) + 1 AS next FROM journal'),
        insert: db.prepare('INSERT INTO journal (seq, ts, kind, type, key, payload, crc) VALUES (?, ?, ?, ?, ?, ?, ?)'),
        insertKey: db.prepare('INSERT INTO journal_keys (kind, key, seq, ts) VALUES (?, ?, ?, ?)'),
        findKey: db.prepare('SELECT seq FROM journal_keys WHERE kind = ? AND key = ?'),
        page: db.prepare(
          'SELECT seq, ts, kind, type, key, payload, crc FROM journal WHERE seq >= ? ORDER BY seq LIMIT ?',
        ),
        latestSnapshot: db.prepare(
          "SELECT seq, ts, kind, type, key, payload, crc FROM journal WHERE kind = 'snapshot' ORDER BY seq DESC LIMIT 1",
        ),
        bounds: db.prepare('SELECT MIN(seq) AS first, MAX(seq) AS last, COUNT(*) AS n FROM journal'),
      };
    } catch (e) {
      db?.close();
      throw toStoreError(e);
    }
    this.db = db;
    const insertOne = (e: EncodedInput, ts: number): number => {
      const seq = this.stmts.nextSeq.get()!.next;
      if (e.key !== null) this.stmts.insertKey.run(e.kind, e.key, seq, ts);
      this.stmts.insert.run(
        seq,
        ts,
        e.kind,
        e.type,
        e.key,
        e.payload,
        entryChecksum(seq, ts, e.kind, e.type, e.key, e.payload),
      );
      return seq;
    };
    const one = db.transaction((e: EncodedInput, once: boolean): AppendResult => {
      if (e.key !== null) {
        const prior = this.stmts.findKey.get(e.kind, e.key);
        if (prior) {
          if (once) return { seq: prior.seq, duplicate: true };
          throw dgError('DG_E_JOURNAL_DUPLICATE_KEY', `${e.kind}/${e.key} is seq ${prior.seq}`);
        }
      }
      return { seq: insertOne(e, this.clock.now()), duplicate: false };
    });
    const many = db.transaction((es: readonly EncodedInput[]): number[] => {
      const ts = this.clock.now();
      return es.map((e) => {
        if (e.key !== null) {
          const prior = this.stmts.findKey.get(e.kind, e.key);
          if (prior) throw dgError('DG_E_JOURNAL_DUPLICATE_KEY', `${e.kind}/${e.key} is seq ${prior.seq}`);
        }
        return insertOne(e, ts);
      });
    });
    // IMMEDIATE: take the write lock at BEGIN, so the seq read and the insert cannot interleave with another writer.
    this.appendOneTx = (e, once) => one.immediate(e, once);
    this.appendManyTx = (es) => many.immediate(es);
  }

  get schemaVersion(): number {
    return JOURNAL_SCHEMA_VERSION;
  }

  private ensureOpen(): void {
    if (!this.db) throw dgError('DG_E_JOURNAL_CLOSED');
  }

  /** Prepared statements, only while open. */
  private get live(): Journal['stmts'] {
    this.ensureOpen();
    return this.stmts;
  }

  private get conn(): Database.Database {
    if (!this.db) throw dgError('DG_E_JOURNAL_CLOSED');
    return this.db;
  }

  /** Append one entry; returns its seq once it is durable. A repeated idempotency key throws DG_E_JOURNAL_DUPLICATE_KEY. */
  append(input: JournalInput): number {
    const e = encodeInput(input);
    this.ensureOpen();
    return wrap(() => this.appendOneTx(e, false).seq);
  }

  /** Append unless `key` was already journaled for this kind; then return the original seq with `duplicate: true`. */
  appendOnce(input: JournalInput & { readonly key: string }): AppendResult {
    const e = encodeInput(input);
    this.ensureOpen();
    return wrap(() => this.appendOneTx(e, true));
  }

  /** Append several entries in one transaction: all or none. Returns their seqs in order. */
  appendBatch(inputs: readonly JournalInput[]): number[] {
    const es = inputs.map(encodeInput);
    this.ensureOpen();
    if (es.length === 0) return [];
    return wrap(() => this.appendManyTx(es));
  }

  /** Seq of the entry that journaled (kind, key), if any — also after the entry itself was truncated. */
  lookupKey(kind: JournalKind, key: string): number | undefined {
    return this.live.findKey.get(kind, key)?.seq;
  }

  /** Write a state snapshot entry; replay can start from the latest one (`recover()`). */
  snapshot(type: string, state: unknown): number {
    return this.append({ kind: 'snapshot', type, payload: state });
  }

  latestSnapshot(): JournalEntry | undefined {
    const row = this.live.latestSnapshot.get();
    if (!row) return undefined;
    const d = decodeRow(row);
    if (isDeskgateError(d)) throw d;
    return d;
  }

  /** Latest snapshot plus the entries after it. */
  recover(opts: ReplayOptions = {}): Recovery {
    const snapshot = this.latestSnapshot();
    return { snapshot, entries: { [Symbol.iterator]: () => this.replay(snapshot ? snapshot.seq + 1 : 0, opts) } };
  }

  /**
   * Entries with seq ≥ fromSeq, in order, read in pages (the journal may be appended to between
   * pages; entries appended during the replay are included).
   */
  *replay(fromSeq = 0, opts: ReplayOptions = {}): Generator<JournalEntry, void, undefined> {
    const policy = opts.onCorrupt ?? 'stop';
    const pageSize = Math.max(1, Math.min(opts.pageSize ?? 512, 100_000));
    let next = fromSeq;
    let expect: number | undefined;
    for (;;) {
      const rows = this.live.page.all(next, pageSize);
      for (const row of rows) {
        next = row.seq + 1;
        let problem: DeskgateError | undefined;
        let entry: JournalEntry | undefined;
        if (expect !== undefined && row.seq !== expect) {
          problem = dgError('DG_E_JOURNAL_CORRUPT', `seq gap: expected ${expect}, found ${row.seq}`);
        } else {
          const d = decodeRow(row);
          if (isDeskgateError(d)) problem = d;
          else entry = d;
        }
        expect = row.seq + 1;
        if (problem) {
          this.errors.record(problem);
          opts.onIssue?.({ seq: row.seq, error: problem });
          if (policy === 'throw') throw problem;
          if (policy === 'stop') return;
          if (!entry) continue;
        }
        if (entry) yield entry;
      }
      if (rows.length < pageSize) return;
    }
  }

  /** First and last seq present and the number of entries. */
  stats(): { first: number | undefined; last: number | undefined; count: number } {
    const b = this.live.bounds.get()!;
    return { first: b.first ?? undefined, last: b.last ?? undefined, count: b.n };
  }

  lastSeq(): number {
    return this.stats().last ?? 0;
  }

  /**
   * Delete entries with seq < beforeSeq. Only a prefix up to the latest snapshot may go (the
   * snapshot itself stays, so replay from it still works and seqs keep counting up). Idempotency
   * keys are kept. Returns the number of entries deleted.
   */
  truncate(beforeSeq?: number): number {
    const snap = this.latestSnapshot();
    const limit = beforeSeq ?? snap?.seq ?? 0;
    if (!snap || limit > snap.seq) {
      throw dgError(
        'DG_E_JOURNAL_TRUNCATE',
        snap ? `latest snapshot is seq ${snap.seq}, asked ${limit}` : 'no snapshot',
      );
    }
    return wrap(() => this.conn.prepare('DELETE FROM journal WHERE seq < ?').run(limit).changes);
  }

  /** SQLite's own structural check ('ok' when healthy) plus a checksum pass over every row. */
  verify(): { sqlite: string; badRows: number[] } {
    const sqlite = String(this.conn.pragma('quick_check', { simple: true }));
    const badRows: number[] = [];
    for (const _ of this.replay(0, { onCorrupt: 'skip', onIssue: (i) => badRows.push(i.seq) })) {
      // checksums are verified inside replay
    }
    return { sqlite, badRows };
  }

  /** Copy the WAL into the main file (e.g. before a backup). */
  checkpoint(): void {
    this.conn.pragma('wal_checkpoint(TRUNCATE)');
  }

  close(): void {
    this.db?.close();
    this.db = undefined;
  }
}

function decodeRow(row: Row): JournalEntry | DeskgateError {
  if (entryChecksum(row.seq, row.ts, row.kind, row.type, row.key, row.payload) !== row.crc) {
    return dgError('DG_E_JOURNAL_CORRUPT', `checksum mismatch at seq ${row.seq}`);
  }
  if (!(JOURNAL_KINDS as readonly string[]).includes(row.kind)) {
    return dgError('DG_E_JOURNAL_CORRUPT', `unknown kind at seq ${row.seq}`);
  }
  let payload: unknown;
  try {
    payload = JSON.parse(row.payload);
  } catch {
    return dgError('DG_E_JOURNAL_CORRUPT', `payload is not JSON at seq ${row.seq}`);
  }
  return { seq: row.seq, ts: row.ts, kind: row.kind as JournalKind, type: row.type, key: row.key, payload };
}

function wrap<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw toStoreError(e);
  }
}

function toStoreError(e: unknown): DeskgateError {
  if (isDeskgateError(e)) return e;
  const code = (e as { code?: unknown }).code;
  const msg = e instanceof Error ? e.message : String(e);
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT' || /not a database|malformed/i.test(msg)) {
    return dgError('DG_E_JOURNAL_CORRUPT', msg);
  }
  return dgError('DG_E_STORE', typeof code === 'string' ? code : 'sqlite error');
}
