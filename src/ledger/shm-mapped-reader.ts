/**
 * Zero-syscall reader of the shared-memory balances (S4.5): the file is mapped read-only through
 * the native addon (shm-native.ts) and read in place.
 *
 * - `readCell(currency, slot)` — one (currency, slot) under the seqlock alone: Atomics.load the
 *   seq (both 32-bit words), retry while it is 0 or odd; read the currency count, the row's code
 *   and scale and the cell's six 64-bit words with plain typed-array loads; Atomics.load the seq
 *   again and keep the reading only if it did not move. No copy of the table, no CRC, no decode of
 *   other rows. Why the seqlock alone suffices on x86-64 and what it does not prove on arm64:
 *   docs/ledger.md ("Single-cell reads"); on any architecture other than x64 readCell therefore
 *   takes a whole CRC-checked snapshot from the mapping unless `cellSeqlockOnly: true` is passed.
 * - `tryRead()` / `read()` — the whole table: copy the body out of the mapping between two seq
 *   loads and verify its CRC-32 (as the pread reader does), then decode.
 *
 * The writer replaces the file (new inode) when it is re-created; the reader stats the path every
 * `recheckEvery` reads (default 1024) or on `refresh()`, and remaps when the inode changed and the
 * new file's header is valid (capacity may have grown). Until then it serves the old mapping,
 * which stays a valid (stale) table.
 *
 * `openBalanceReader(path)` returns this reader when the addon is loadable and DESKGATE_NO_MMAP is
 * not set, otherwise the pread ShmBalanceReader after a one-line notice on stderr.
 */
import { statSync } from 'node:fs';
import { dgError } from '../core/errors.js';
import { fail, ok, type LedgerResult } from './result.js';
import { loadShmNative, type ShmMapping, type ShmNative } from './shm-native.js';
import { defaultShmPath } from './shm-path.js';
import {
  BODY_FIXED,
  CELL_BYTES,
  CODE_BYTES,
  decodeBody,
  HEADER_SIZE,
  parseHeader,
  ROW_FIXED,
  SEQ_OFFSET,
  SLOT_NAME_BYTES,
  type ShmLayout,
  type ShmSnapshot,
} from './shm-layout.js';
import { ShmBalanceReader, type ShmReadOptions, type SlotReading } from './shm-reader.js';

export interface MappedReadOptions extends ShmReadOptions {
  /** Stat the path for a replaced file every this many reads (default 1024; 0 = only on refresh()). */
  readonly recheckEvery?: number;
  /**
   * Single-cell reads rely on the seqlock alone (default: true on x64 only). When false, readCell
   * takes a CRC-checked snapshot from the mapping (still no system call, but a full copy).
   */
  readonly cellSeqlockOnly?: boolean;
}

/** What strategies need from either reader. */
export interface BalanceReader {
  readonly path: string;
  readonly layout: ShmLayout;
  /** 'mmap' (MappedShmReader) or 'pread' (ShmBalanceReader). */
  readonly kind: 'mmap' | 'pread';
  snapshots: number;
  retries: number;
  tryRead(): LedgerResult<ShmSnapshot>;
  read(): ShmSnapshot;
  tryReadCell(currency: string, slot?: number): LedgerResult<SlotReading | undefined>;
  readCell(currency: string, slot?: number): SlotReading | undefined;
  balance(currency: string, slot?: number): SlotReading | undefined;
  replaced(): boolean;
  close(): void;
}

const SEQ_LO = SEQ_OFFSET / 4; // Int32Array index of the seq's low word
const SEQ_HI = SEQ_LO + 1;
const COUNT_U32 = (HEADER_SIZE + 8) / 4; // body +8: currency count
const CODE_WORDS = CODE_BYTES / 4;
const pause = new Int32Array(new SharedArrayBuffer(4));

interface CodeKey {
  readonly code: string;
  readonly words: Uint32Array; // the 16-byte NUL-padded code as four little-endian u32
  row: number; // last row index it was found at (-1: unknown)
}

function codeKey(currency: string): CodeKey | undefined {
  const code = currency.toUpperCase();
  if (code.length === 0 || code.length > CODE_BYTES) return undefined;
  const b = Buffer.alloc(CODE_BYTES);
  if (b.write(code, 0, 'latin1') !== code.length) return undefined;
  return { code, words: new Uint32Array(b.buffer, b.byteOffset, CODE_WORDS), row: -1 };
}

interface Views {
  readonly mapping: ShmMapping;
  readonly layout: ShmLayout;
  readonly u8: Uint8Array;
  readonly i32: Int32Array;
  readonly u32: Uint32Array;
  readonly lo: BigUint64Array;
  readonly hi: BigInt64Array;
  readonly rowsAt: number; // absolute byte offset of row 0
}

function viewsOf(path: string, mapping: ShmMapping): Views | string {
  const u8 = new Uint8Array(mapping.buffer);
  if (mapping.size < HEADER_SIZE) return 'file shorter than the header';
  const layout = parseHeader(Buffer.from(mapping.buffer, 0, HEADER_SIZE));
  if (typeof layout === 'string') return `${path}: ${layout}`;
  if (mapping.size < layout.fileSize) return `${path}: shorter than its layout`;
  const words = Math.floor(mapping.size / 8);
  return {
    mapping,
    layout,
    u8,
    i32: new Int32Array(mapping.buffer, 0, words * 2),
    u32: new Uint32Array(mapping.buffer, 0, words * 2),
    lo: new BigUint64Array(mapping.buffer, 0, words),
    hi: new BigInt64Array(mapping.buffer, 0, words),
    rowsAt: HEADER_SIZE + BODY_FIXED + SLOT_NAME_BYTES * layout.slotCount,
  };
}

export class MappedShmReader implements BalanceReader {
  readonly kind = 'mmap' as const;
  private v: Views | undefined;
  private body: Buffer;
  private readonly keys = new Map<string, CodeKey>();
  private sinceCheck = 0;
  private readonly maxAttempts: number;
  private readonly verifyChecksum: boolean;
  private readonly recheckEvery: number;
  private readonly cellSeqlockOnly: boolean;
  /** Consistent whole-table snapshots returned. */
  snapshots = 0;
  /** Single-cell readings returned. */
  cellReads = 0;
  /** Attempts thrown away (seq 0, odd or moved; checksum mismatch). */
  retries = 0;
  /** Times the reader followed a replaced file. */
  remaps = 0;

  private constructor(
    readonly path: string,
    private readonly native: ShmNative,
    views: Views,
    opts: MappedReadOptions,
  ) {
    this.v = views;
    this.maxAttempts = opts.maxAttempts ?? 10_000;
    this.verifyChecksum = opts.verifyChecksum ?? true;
    this.recheckEvery = opts.recheckEvery ?? 1024;
    this.cellSeqlockOnly = opts.cellSeqlockOnly ?? process.arch === 'x64';
    this.body = Buffer.alloc(views.layout.bodyCapacity);
  }

  /** Map and validate the file. Throws DG_E_LEDGER_SHM_MAP (addon missing, open/mmap failed) or _LAYOUT. */
  static open(path: string, opts: MappedReadOptions = {}): MappedShmReader {
    const loaded = loadShmNative();
    if (!loaded.ok) throw dgError('DG_E_LEDGER_SHM_MAP', loaded.reason);
    const views = MappedShmReader.mapValid(loaded.native, path);
    return new MappedShmReader(path, loaded.native, views, opts);
  }

  static openExchange(name: string, opts: MappedReadOptions = {}): MappedShmReader {
    return MappedShmReader.open(defaultShmPath(name), opts);
  }

  private static mapValid(native: ShmNative, path: string): Views {
    let mapping: ShmMapping;
    try {
      mapping = native.map(path);
    } catch (e) {
      throw dgError('DG_E_LEDGER_SHM_MAP', (e as Error).message);
    }
    const views = viewsOf(path, mapping);
    if (typeof views === 'string') {
      native.unmap(mapping.buffer);
      throw dgError('DG_E_LEDGER_SHM_LAYOUT', views);
    }
    return views;
  }

  get layout(): ShmLayout {
    return this.views().layout;
  }

  private views(): Views {
    if (this.v === undefined) throw dgError('DG_E_LEDGER_SHM_LAYOUT', 'reader is closed');
    return this.v;
  }

  /** Single-cell read; undefined for an unknown currency or slot. */
  tryReadCell(currency: string, slot = 0): LedgerResult<SlotReading | undefined> {
    if (this.recheckEvery > 0 && ++this.sinceCheck >= this.recheckEvery) this.refresh();
    const v = this.v;
    if (v === undefined) return fail('DG_E_LEDGER_SHM_LAYOUT', 'reader is closed');
    let key = this.keys.get(currency);
    if (key === undefined) {
      key = codeKey(currency);
      if (key === undefined) return ok(undefined);
      this.keys.set(currency, key);
    }
    if (!Number.isInteger(slot) || slot < 0 || slot >= v.layout.slotCount) return ok(undefined);
    if (!this.cellSeqlockOnly) {
      const snap = this.tryRead();
      if (!snap.ok) return snap;
      const row = snap.value.rows.find((r) => r.currency === key.code);
      this.cellReads++;
      return ok(row ? { currency: key.code, slot, scale: row.scale, ...row.cells[slot] } : undefined);
    }
    const { i32, u32, u8, lo, hi, rowsAt } = v;
    const rowSize = v.layout.rowSize;
    const max = v.layout.maxCurrencies;
    const w = key.words;
    let why = 'never stable';
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      if (attempt > 1) {
        this.retries++;
        if (attempt % 64 === 0) Atomics.wait(pause, 0, 0, 1); // let a descheduled writer finish
      }
      const s1lo = Atomics.load(i32, SEQ_LO);
      const s1hi = Atomics.load(i32, SEQ_HI);
      if ((s1lo | s1hi) === 0) {
        why = 'nothing published yet';
        continue;
      }
      if ((s1lo & 1) === 1) {
        why = 'write in progress';
        continue;
      }
      // --- plain loads, validated by the second seq load ---
      let count = u32[COUNT_U32];
      if (count > max) count = max; // torn garbage is discarded below; stay inside the table
      let row = key.row;
      if (row < 0 || row >= count || !codeAt(u32, rowsAt + row * rowSize, w)) {
        row = -1;
        for (let r = 0; r < count; r++)
          if (codeAt(u32, rowsAt + r * rowSize, w)) {
            row = r;
            break;
          }
      }
      let scale = 0;
      let t = 0n;
      let f = 0n;
      let z = 0n;
      if (row >= 0) {
        const at = rowsAt + row * rowSize;
        scale = u8[at + CODE_BYTES];
        const q = (at + ROW_FIXED + slot * CELL_BYTES) / 8;
        // a high word of 0 (the common case) is tested on 32-bit views: no BigInt for it
        t = (i32[2 * q + 2] | i32[2 * q + 3]) === 0 ? lo[q] : i128(lo[q], hi[q + 1]);
        f = (i32[2 * q + 6] | i32[2 * q + 7]) === 0 ? lo[q + 2] : i128(lo[q + 2], hi[q + 3]);
        z = (i32[2 * q + 10] | i32[2 * q + 11]) === 0 ? lo[q + 4] : i128(lo[q + 4], hi[q + 5]);
      }
      // --- end of plain loads ---
      if (Atomics.load(i32, SEQ_LO) !== s1lo || Atomics.load(i32, SEQ_HI) !== s1hi) {
        why = 'seq moved during the read';
        continue;
      }
      key.row = row;
      this.cellReads++;
      return ok(row < 0 ? undefined : { currency: key.code, slot, scale, total: t, free: f, frozen: z });
    }
    return fail('DG_E_LEDGER_SHM_BUSY', `${this.path}: ${why}`);
  }

  /** Like tryReadCell, but throws the error. */
  readCell(currency: string, slot = 0): SlotReading | undefined {
    const r = this.tryReadCell(currency, slot);
    if (!r.ok) throw r.error;
    return r.value;
  }

  /** Balance of (currency, slot); slot 0 = account total. Same as readCell. */
  balance(currency: string, slot = 0): SlotReading | undefined {
    return this.readCell(currency, slot);
  }

  /** A consistent whole-table snapshot (seqlock + CRC-32 unless disabled), or DG_E_LEDGER_SHM_BUSY. */
  tryRead(): LedgerResult<ShmSnapshot> {
    if (this.recheckEvery > 0 && ++this.sinceCheck >= this.recheckEvery) this.refresh();
    const v = this.v;
    if (v === undefined) return fail('DG_E_LEDGER_SHM_LAYOUT', 'reader is closed');
    const { i32, u8 } = v;
    const cap = v.layout.bodyCapacity;
    const body = this.body;
    let why = 'never stable';
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      if (attempt > 1) {
        this.retries++;
        if (attempt % 64 === 0) Atomics.wait(pause, 0, 0, 1);
      }
      const s1lo = Atomics.load(i32, SEQ_LO);
      const s1hi = Atomics.load(i32, SEQ_HI);
      if ((s1lo | s1hi) === 0) {
        why = 'nothing published yet';
        continue;
      }
      if ((s1lo & 1) === 1) {
        why = 'write in progress';
        continue;
      }
      body.set(u8.subarray(HEADER_SIZE, HEADER_SIZE + cap));
      if (Atomics.load(i32, SEQ_LO) !== s1lo || Atomics.load(i32, SEQ_HI) !== s1hi) {
        why = 'seq moved during the copy';
        continue;
      }
      const decoded = decodeBody(v.layout, body, this.verifyChecksum);
      if (typeof decoded === 'string') {
        why = decoded;
        continue;
      }
      this.snapshots++;
      const seq = (BigInt(s1hi >>> 0) << 32n) | BigInt(s1lo >>> 0);
      return ok({ ...decoded, seq, exchange: v.layout.exchange });
    }
    return fail('DG_E_LEDGER_SHM_BUSY', `${this.path}: ${why}`);
  }

  read(): ShmSnapshot {
    const r = this.tryRead();
    if (!r.ok) throw r.error;
    return r.value;
  }

  /** True when the path now names another file than the one mapped (or none). */
  replaced(): boolean {
    const v = this.v;
    if (v === undefined) return false;
    const st = statSync(this.path, { throwIfNoEntry: false });
    return st === undefined || st.ino !== v.mapping.ino || st.dev !== v.mapping.dev;
  }

  /**
   * Follow a replaced file: map the new one and switch to it when its header is valid. Returns true
   * when it remapped. A missing or invalid new file keeps the old mapping (tried again later).
   */
  refresh(): boolean {
    this.sinceCheck = 0;
    const old = this.v;
    if (old === undefined) return false;
    const st = statSync(this.path, { throwIfNoEntry: false });
    if (st === undefined || (st.ino === old.mapping.ino && st.dev === old.mapping.dev)) return false;
    let next: Views;
    try {
      next = MappedShmReader.mapValid(this.native, this.path);
    } catch {
      return false;
    }
    this.v = next;
    this.keys.clear();
    if (this.body.length < next.layout.bodyCapacity) this.body = Buffer.alloc(next.layout.bodyCapacity);
    this.native.unmap(old.mapping.buffer);
    this.remaps++;
    return true;
  }

  /** Unmap now (views become empty); further reads fail with DG_E_LEDGER_SHM_LAYOUT "reader is closed". */
  close(): void {
    const v = this.v;
    this.v = undefined;
    if (v !== undefined) this.native.unmap(v.mapping.buffer);
  }
}

function codeAt(u32: Uint32Array, byteOffset: number, w: Uint32Array): boolean {
  const i = byteOffset >>> 2;
  return u32[i] === w[0] && u32[i + 1] === w[1] && u32[i + 2] === w[2] && u32[i + 3] === w[3];
}

function i128(low: bigint, high: bigint): bigint {
  return (high << 64n) + low;
}

let noticed = false;

/**
 * The fastest reader available: MappedShmReader when the addon loads (and DESKGATE_NO_MMAP is not
 * set), otherwise ShmBalanceReader (pread) after a one-line notice on stderr (once per process).
 */
export function openBalanceReader(path: string, opts: MappedReadOptions = {}): BalanceReader {
  const loaded = loadShmNative();
  if (loaded.ok) return MappedShmReader.open(path, opts);
  if (!noticed) {
    noticed = true;
    process.stderr.write(`deskgate: shared-memory balances via pread, not mmap (${loaded.reason})\n`);
  }
  return ShmBalanceReader.open(path, opts);
}

/** openBalanceReader for the file a gateway named `name` publishes to (defaultShmPath). */
export function openBalanceReaderForExchange(name: string, opts: MappedReadOptions = {}): BalanceReader {
  return openBalanceReader(defaultShmPath(name), opts);
}
