/**
 * Binary layout of the shared-memory balance file (S4.1, S4.5), version 1. Little-endian
 * throughout; the table is documented in docs/ledger.md and mirrored by
 * clients/python/deskgate_shm.py (keep the two in step).
 *
 *   header (64 bytes, written once at creation except `seq`)
 *     0   8  magic "DGSHMBAL"
 *     8   u16 version (1)          10  u16 header size (64)
 *     12  u16 slot count S          14  u16 max currencies C
 *     16  u32 row size R            20  u32 body capacity B
 *     24  u64 seq — seqlock: even = stable, odd = being written
 *     32  32  exchange / gateway name, ASCII, NUL-padded
 *   body (at 64, B = 16 + 16·S + C·R bytes)
 *     0   i64 published-at (ms since epoch)
 *     8   u32 currency count n (≤ C)
 *     12  u32 CRC-32 (zlib) of body[0,12) ++ body[16, 16 + 16·S + n·R)
 *     16  S × 16 bytes slot names, ASCII, NUL-padded ("total", "main", strategies, "" unused)
 *     16 + 16·S  n rows of R = 24 + 48·S bytes:
 *         0  16 currency code, ASCII, NUL-padded     16  u8 scale (decimals of the minor unit)
 *         17 7  zero                                 24  S cells of 48 bytes:
 *            total, free, frozen — each int128 = u64 low word then i64 high word, minor units
 */
import { crc32 } from 'node:zlib';

export const SHM_MAGIC = 'DGSHMBAL';
export const SHM_VERSION = 1;
export const HEADER_SIZE = 64;
export const SEQ_OFFSET = 24;
export const NAME_OFFSET = 32;
export const NAME_BYTES = 32;
export const BODY_FIXED = 16;
export const SLOT_NAME_BYTES = 16;
export const CODE_BYTES = 16;
export const ROW_FIXED = 24;
export const CELL_BYTES = 48;

export interface BalanceCell {
  readonly total: bigint;
  readonly free: bigint;
  readonly frozen: bigint;
}

export interface BalanceRow {
  readonly currency: string;
  readonly scale: number;
  /** One cell per slot, slot 0 first. */
  readonly cells: readonly BalanceCell[];
}

/** What the writer publishes: rows of currencies × slots. */
export interface BalanceTable {
  readonly slotNames: readonly string[];
  readonly rows: readonly BalanceRow[];
}

/** What a reader gets: a consistent table plus its publication facts. */
export interface ShmSnapshot extends BalanceTable {
  readonly exchange: string;
  /** Seqlock value the snapshot was read under (even). */
  readonly seq: bigint;
  readonly publishedAt: number;
}

export interface ShmGeometry {
  readonly slotCount: number;
  readonly maxCurrencies: number;
  readonly exchange: string;
}

export interface ShmLayout extends ShmGeometry {
  readonly rowSize: number;
  readonly bodyCapacity: number;
  readonly fileSize: number;
}

export function layoutOf(g: ShmGeometry): ShmLayout {
  if (!Number.isInteger(g.slotCount) || g.slotCount < 2 || g.slotCount > 256)
    throw new RangeError(`slotCount ${g.slotCount}`);
  if (!Number.isInteger(g.maxCurrencies) || g.maxCurrencies < 1 || g.maxCurrencies > 4096) {
    throw new RangeError(`maxCurrencies ${g.maxCurrencies}`);
  }
  if (!/^[\x20-\x7e]{0,32}$/.test(g.exchange))
    throw new RangeError('exchange name: up to 32 printable ASCII characters');
  const rowSize = ROW_FIXED + CELL_BYTES * g.slotCount;
  const bodyCapacity = BODY_FIXED + SLOT_NAME_BYTES * g.slotCount + g.maxCurrencies * rowSize;
  return { ...g, rowSize, bodyCapacity, fileSize: HEADER_SIZE + bodyCapacity };
}

export function encodeHeader(l: ShmLayout): Buffer {
  const b = Buffer.alloc(HEADER_SIZE);
  b.write(SHM_MAGIC, 0, 'latin1');
  b.writeUInt16LE(SHM_VERSION, 8);
  b.writeUInt16LE(HEADER_SIZE, 10);
  b.writeUInt16LE(l.slotCount, 12);
  b.writeUInt16LE(l.maxCurrencies, 14);
  b.writeUInt32LE(l.rowSize, 16);
  b.writeUInt32LE(l.bodyCapacity, 20);
  b.writeBigUInt64LE(0n, SEQ_OFFSET);
  b.write(l.exchange, NAME_OFFSET, NAME_BYTES, 'latin1');
  return b;
}

/** Parse and validate a header; a string says what is wrong. */
export function parseHeader(b: Buffer): ShmLayout | string {
  if (b.length < HEADER_SIZE) return `header is ${b.length} bytes`;
  if (b.toString('latin1', 0, 8) !== SHM_MAGIC) return 'bad magic';
  const version = b.readUInt16LE(8);
  if (version !== SHM_VERSION) return `version ${version} (this reader knows ${SHM_VERSION})`;
  if (b.readUInt16LE(10) !== HEADER_SIZE) return 'bad header size';
  let l: ShmLayout;
  try {
    l = layoutOf({
      slotCount: b.readUInt16LE(12),
      maxCurrencies: b.readUInt16LE(14),
      exchange: readAscii(b, NAME_OFFSET, NAME_BYTES),
    });
  } catch (e) {
    return (e as Error).message;
  }
  if (b.readUInt32LE(16) !== l.rowSize || b.readUInt32LE(20) !== l.bodyCapacity)
    return 'row size or body capacity disagrees with the geometry';
  return l;
}

function readAscii(b: Buffer, off: number, len: number): string {
  const end = b.indexOf(0, off);
  return b.toString('latin1', off, end < 0 || end > off + len ? off + len : end);
}

export function writeI128(b: Buffer, v: bigint, off: number): void {
  b.writeBigUInt64LE(BigInt.asUintN(64, v), off);
  b.writeBigInt64LE(BigInt.asIntN(64, v >> 64n), off + 8);
}

export function readI128(b: Buffer, off: number): bigint {
  return (b.readBigInt64LE(off + 8) << 64n) + b.readBigUInt64LE(off);
}

function bodyUsed(l: ShmLayout, count: number): number {
  return BODY_FIXED + SLOT_NAME_BYTES * l.slotCount + count * l.rowSize;
}

export function bodyChecksum(body: Buffer, used: number): number {
  return crc32(body.subarray(BODY_FIXED, used), crc32(body.subarray(0, 12)));
}

/**
 * Encode a table into `body` (≥ bodyCapacity bytes); returns the number of bytes used.
 * Throws RangeError when the table does not fit the geometry (the writer maps it to an error code).
 */
export function encodeBody(l: ShmLayout, t: BalanceTable, publishedAt: number, body: Buffer): number {
  if (t.rows.length > l.maxCurrencies)
    throw new RangeError(`${t.rows.length} currencies > capacity ${l.maxCurrencies}`);
  if (t.slotNames.length > l.slotCount) throw new RangeError(`${t.slotNames.length} slots > ${l.slotCount}`);
  const used = bodyUsed(l, t.rows.length);
  body.fill(0, 0, used);
  body.writeBigInt64LE(BigInt(Math.trunc(publishedAt)), 0);
  body.writeUInt32LE(t.rows.length, 8);
  for (let s = 0; s < t.slotNames.length; s++)
    body.write(t.slotNames[s], BODY_FIXED + s * SLOT_NAME_BYTES, SLOT_NAME_BYTES, 'latin1');
  let off = BODY_FIXED + SLOT_NAME_BYTES * l.slotCount;
  for (const row of t.rows) {
    if (row.cells.length !== l.slotCount)
      throw new RangeError(`${row.currency}: ${row.cells.length} cells, layout has ${l.slotCount} slots`);
    body.write(row.currency, off, CODE_BYTES, 'latin1');
    body.writeUInt8(row.scale, off + CODE_BYTES);
    let c = off + ROW_FIXED;
    for (const cell of row.cells) {
      writeI128(body, cell.total, c);
      writeI128(body, cell.free, c + 16);
      writeI128(body, cell.frozen, c + 32);
      c += CELL_BYTES;
    }
    off += l.rowSize;
  }
  body.writeUInt32LE(bodyChecksum(body, used), 12);
  return used;
}

/** Decode a body copy. Returns a string reason when it is not self-consistent (torn or corrupt). */
export function decodeBody(
  l: ShmLayout,
  body: Buffer,
  verifyChecksum: boolean,
): Omit<ShmSnapshot, 'seq' | 'exchange'> | string {
  const count = body.readUInt32LE(8);
  if (count > l.maxCurrencies) return `currency count ${count} > capacity`;
  const used = bodyUsed(l, count);
  if (verifyChecksum && body.readUInt32LE(12) !== bodyChecksum(body, used)) return 'checksum mismatch';
  const slotNames: string[] = [];
  for (let s = 0; s < l.slotCount; s++)
    slotNames.push(readAscii(body, BODY_FIXED + s * SLOT_NAME_BYTES, SLOT_NAME_BYTES));
  const rows: BalanceRow[] = [];
  let off = BODY_FIXED + SLOT_NAME_BYTES * l.slotCount;
  for (let i = 0; i < count; i++) {
    const cells: BalanceCell[] = [];
    let c = off + ROW_FIXED;
    for (let s = 0; s < l.slotCount; s++) {
      cells.push({ total: readI128(body, c), free: readI128(body, c + 16), frozen: readI128(body, c + 32) });
      c += CELL_BYTES;
    }
    rows.push({ currency: readAscii(body, off, CODE_BYTES), scale: body.readUInt8(off + CODE_BYTES), cells });
    off += l.rowSize;
  }
  return { publishedAt: Number(body.readBigInt64LE(0)), slotNames, rows };
}
