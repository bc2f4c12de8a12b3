/**
 * Reader of the shared-memory balances (S4.5) for TypeScript processes, with pread: the fallback
 * when the mmap addon (shm-mapped-reader.ts, chosen by openBalanceReader) is not available.
 * Snapshot: pread the seq; if odd, retry; pread the body; pread the seq again; keep the copy only
 * if it did not change (and the body's CRC-32 matches, unless disabled). Single cell (readCell):
 * pread seq, pread the body up to the end of the currency's row, pread seq (seqlock only, see
 * docs/ledger.md); the row index comes from a CRC-checked snapshot and is re-checked every read.
 * Never blocks the writer.
 */
import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { formatScaled } from '../core/decimal.js';
import { dgError } from '../core/errors.js';
import { fail, ok, type LedgerResult } from './result.js';
import { defaultShmPath } from './shm-path.js';
import {
  BODY_FIXED,
  CELL_BYTES,
  CODE_BYTES,
  decodeBody,
  HEADER_SIZE,
  readI128,
  ROW_FIXED,
  SLOT_NAME_BYTES,
  parseHeader,
  SEQ_OFFSET,
  type BalanceCell,
  type ShmLayout,
  type ShmSnapshot,
} from './shm-layout.js';

export interface ShmReadOptions {
  /** Attempts before giving up with DG_E_LEDGER_SHM_BUSY (default 10 000). */
  readonly maxAttempts?: number;
  /** Check the body CRC-32 as well as the seqlock (default true). */
  readonly verifyChecksum?: boolean;
}

export interface SlotReading extends BalanceCell {
  readonly currency: string;
  readonly slot: number;
  readonly scale: number;
}

/** Decimal strings of a reading, e.g. { total: "12.5", free: "10", frozen: "2.5" }. */
export function formatReading(r: SlotReading): { total: string; free: string; frozen: string } {
  return {
    total: formatScaled(r.total, r.scale),
    free: formatScaled(r.free, r.scale),
    frozen: formatScaled(r.frozen, r.scale),
  };
}

const pause = new Int32Array(new SharedArrayBuffer(4));

export class ShmBalanceReader {
  readonly kind = 'pread' as const;
  readonly layout: ShmLayout;
  private readonly rowIndex = new Map<string, number>();
  private readonly body: Buffer;
  private readonly seqBuf = Buffer.alloc(8);
  private fd: number | undefined;
  private readonly ino: number;
  /** Consistent snapshots returned. */
  snapshots = 0;
  /** Copies thrown away (seq odd or moved, or checksum mismatch). */
  retries = 0;

  private constructor(
    readonly path: string,
    fd: number,
    layout: ShmLayout,
    private readonly opts: Required<ShmReadOptions>,
  ) {
    this.fd = fd;
    this.layout = layout;
    this.body = Buffer.alloc(layout.bodyCapacity);
    this.ino = fstatSync(fd).ino;
  }

  /** Open and validate the file; throws DG_E_LEDGER_SHM_LAYOUT on a bad header. */
  static open(path: string, opts: ShmReadOptions = {}): ShmBalanceReader {
    const fd = openSync(path, 'r');
    const head = Buffer.alloc(HEADER_SIZE);
    const n = readSync(fd, head, 0, HEADER_SIZE, 0);
    const layout = n === HEADER_SIZE ? parseHeader(head) : 'file shorter than the header';
    if (typeof layout === 'string') {
      closeSync(fd);
      throw dgError('DG_E_LEDGER_SHM_LAYOUT', `${path}: ${layout}`);
    }
    if (fstatSync(fd).size < layout.fileSize) {
      closeSync(fd);
      throw dgError('DG_E_LEDGER_SHM_LAYOUT', `${path}: shorter than its layout`);
    }
    return new ShmBalanceReader(path, fd, layout, {
      maxAttempts: opts.maxAttempts ?? 10_000,
      verifyChecksum: opts.verifyChecksum ?? true,
    });
  }

  /** Open the file a gateway named `name` publishes to (defaultShmPath), S4.5's (exchange, …) lookup. */
  static openExchange(name: string, opts: ShmReadOptions = {}): ShmBalanceReader {
    return ShmBalanceReader.open(defaultShmPath(name), opts);
  }

  private readSeq(fd: number): bigint {
    readSync(fd, this.seqBuf, 0, 8, SEQ_OFFSET);
    return this.seqBuf.readBigUInt64LE(0);
  }

  /** A consistent snapshot, or DG_E_LEDGER_SHM_BUSY after maxAttempts torn copies. */
  tryRead(): LedgerResult<ShmSnapshot> {
    const fd = this.fd;
    if (fd === undefined) return fail('DG_E_LEDGER_SHM_LAYOUT', 'reader is closed');
    let why = 'never stable';
    for (let attempt = 1; attempt <= this.opts.maxAttempts; attempt++) {
      if (attempt > 1) {
        this.retries++;
        // Let a descheduled writer finish: yield the CPU briefly every 64 failed attempts.
        if (attempt % 64 === 0) Atomics.wait(pause, 0, 0, 1);
      }
      const s1 = this.readSeq(fd);
      if (s1 === 0n) {
        why = 'nothing published yet';
        continue;
      }
      if ((s1 & 1n) === 1n) {
        why = 'write in progress';
        continue;
      }
      readSync(fd, this.body, 0, this.layout.bodyCapacity, HEADER_SIZE);
      const s2 = this.readSeq(fd);
      if (s2 !== s1) {
        why = 'seq moved during the copy';
        continue;
      }
      const decoded = decodeBody(this.layout, this.body, this.opts.verifyChecksum);
      if (typeof decoded === 'string') {
        why = decoded;
        continue;
      }
      this.snapshots++;
      return ok({ ...decoded, seq: s1, exchange: this.layout.exchange });
    }
    return fail('DG_E_LEDGER_SHM_BUSY', `${this.path}: ${why}`);
  }

  /** Like tryRead, but throws the error. */
  read(): ShmSnapshot {
    const r = this.tryRead();
    if (!r.ok) throw r.error;
    return r.value;
  }

  /**
   * One (currency, slot) under the seqlock with three preads (no CRC, no decode of other rows);
   * undefined for an unknown currency or slot.
   */
  tryReadCell(currency: string, slot = 0): LedgerResult<SlotReading | undefined> {
    const fd = this.fd;
    if (fd === undefined) return fail('DG_E_LEDGER_SHM_LAYOUT', 'reader is closed');
    const code = currency.toUpperCase();
    const l = this.layout;
    if (!Number.isInteger(slot) || slot < 0 || slot >= l.slotCount) return ok(undefined);
    let row = this.rowIndex.get(code);
    for (let round = 0; round < 2; round++) {
      if (row === undefined) {
        const snap = this.tryRead();
        if (!snap.ok) return snap;
        const i = snap.value.rows.findIndex((r) => r.currency === code);
        if (i < 0) return ok(undefined);
        this.rowIndex.set(code, i);
        const cell = snap.value.rows[i];
        return ok({ currency: code, slot, scale: cell.scale, ...cell.cells[slot] });
      }
      const rowAt = BODY_FIXED + SLOT_NAME_BYTES * l.slotCount + row * l.rowSize;
      const len = rowAt + ROW_FIXED + (slot + 1) * CELL_BYTES;
      for (let attempt = 1; ; attempt++) {
        if (attempt > this.opts.maxAttempts) return fail('DG_E_LEDGER_SHM_BUSY', `${this.path}: never stable`);
        if (attempt > 1) {
          this.retries++;
          if (attempt % 64 === 0) Atomics.wait(pause, 0, 0, 1);
        }
        const s1 = this.readSeq(fd);
        if (s1 === 0n || (s1 & 1n) === 1n) continue;
        readSync(fd, this.body, 0, len, HEADER_SIZE);
        if (this.readSeq(fd) !== s1) continue;
        break;
      }
      const b = this.body;
      const end = b.indexOf(0, rowAt);
      const found = b.toString('latin1', rowAt, end < 0 || end > rowAt + CODE_BYTES ? rowAt + CODE_BYTES : end);
      if (b.readUInt32LE(8) <= row || found !== code) {
        this.rowIndex.delete(code); // the table changed shape: look the row up again
        row = undefined;
        continue;
      }
      const c = rowAt + ROW_FIXED + slot * CELL_BYTES;
      return ok({
        currency: code,
        slot,
        scale: b.readUInt8(rowAt + CODE_BYTES),
        total: readI128(b, c),
        free: readI128(b, c + 16),
        frozen: readI128(b, c + 32),
      });
    }
    return fail('DG_E_LEDGER_SHM_BUSY', `${this.path}: table kept changing shape`);
  }

  /** Like tryReadCell, but throws the error. */
  readCell(currency: string, slot = 0): SlotReading | undefined {
    const r = this.tryReadCell(currency, slot);
    if (!r.ok) throw r.error;
    return r.value;
  }

  /** Balance of (currency, slot) from a fresh snapshot; slot 0 = account total. */
  balance(currency: string, slot = 0): SlotReading | undefined {
    return readingOf(this.read(), currency, slot);
  }

  /** True when the writer replaced the file since this reader opened it (reopen to follow). */
  replaced(): boolean {
    try {
      return statSync(this.path).ino !== this.ino;
    } catch {
      return true;
    }
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** (currency, slot) of a snapshot; currency codes match case-insensitively. */
export function readingOf(snap: ShmSnapshot, currency: string, slot = 0): SlotReading | undefined {
  const code = currency.toUpperCase();
  const row = snap.rows.find((r) => r.currency === code);
  if (!row || !Number.isInteger(slot) || slot < 0 || slot >= row.cells.length) return undefined;
  return { currency: code, slot, scale: row.scale, ...row.cells[slot] };
}
