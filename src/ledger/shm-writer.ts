/**
 * The gateway's side of the shared-memory balances (S4.1): the only writer of a file under
 * /dev/shm laid out as in shm-layout.ts. Node has no mmap, so the writer pwrites fixed offsets of
 * one open fd; on Linux /dev/shm is tmpfs and every process that maps or preads the file sees the
 * same page-cache pages, which is what makes it shared memory.
 *
 * Seqlock publish: pwrite seq+1 (odd) → pwrite the body (one call, with its CRC-32) → pwrite
 * seq+2 (even). A reader copies seq, body, seq and keeps the copy only if both seqs are equal and
 * even (and the CRC matches): see docs/ledger.md for the memory-ordering argument.
 */
import { closeSync, fsyncSync, openSync, renameSync, writeSync } from 'node:fs';
import type { Clock } from '../core/clock.js';
import { fail, ok, type LedgerResult } from './result.js';
import {
  encodeBody,
  encodeHeader,
  HEADER_SIZE,
  layoutOf,
  SEQ_OFFSET,
  type BalanceTable,
  type ShmGeometry,
  type ShmLayout,
} from './shm-layout.js';
import type { SubAccounts } from './sub-accounts.js';

export { defaultShmPath } from './shm-path.js';

function writeAll(fd: number, buf: Buffer, len: number, pos: number): void {
  let done = 0;
  while (done < len) done += writeSync(fd, buf, done, len - done, pos + done);
}

export class ShmBalanceWriter {
  readonly layout: ShmLayout;
  private readonly body: Buffer;
  private readonly seqBuf = Buffer.alloc(8);
  private seqValue = 0n;
  private fd: number | undefined;

  private constructor(
    readonly path: string,
    layout: ShmLayout,
    fd: number,
  ) {
    this.layout = layout;
    this.fd = fd;
    this.body = Buffer.alloc(layout.bodyCapacity);
  }

  /**
   * Create (or replace) the file: it is built complete under a temporary name and renamed into
   * place, so a reader never maps a short file; readers holding the old file keep a valid (stale)
   * copy and see the new one when they reopen.
   */
  static create(path: string, geometry: ShmGeometry): ShmBalanceWriter {
    const layout = layoutOf(geometry);
    const tmp = `${path}.tmp-${process.pid}`;
    const fd = openSync(tmp, 'w+', 0o644);
    try {
      writeAll(fd, encodeHeader(layout), HEADER_SIZE, 0);
      const zeros = Buffer.alloc(layout.bodyCapacity);
      writeAll(fd, zeros, zeros.length, HEADER_SIZE);
      fsyncSync(fd);
      renameSync(tmp, path);
    } catch (e) {
      closeSync(fd);
      throw e;
    }
    return new ShmBalanceWriter(path, layout, fd);
  }

  /** Current seqlock value (even between publishes). */
  get seq(): bigint {
    return this.seqValue;
  }

  /** Publish one table under the seqlock. Errors (table too large for the file) are values. */
  publish(table: BalanceTable, publishedAt: number): LedgerResult<bigint> {
    const fd = this.fd;
    if (fd === undefined) return fail('DG_E_LEDGER_SHM_LAYOUT', 'writer is closed');
    let used: number;
    try {
      used = encodeBody(this.layout, table, publishedAt, this.body);
    } catch (e) {
      if (e instanceof RangeError) return fail('DG_E_LEDGER_SHM_FULL', e.message);
      throw e;
    }
    this.writeSeq(fd, this.seqValue + 1n);
    writeAll(fd, this.body, used, HEADER_SIZE);
    this.writeSeq(fd, this.seqValue + 1n);
    return ok(this.seqValue);
  }

  private writeSeq(fd: number, v: bigint): void {
    this.seqBuf.writeBigUInt64LE(v, 0);
    writeAll(fd, this.seqBuf, 8, SEQ_OFFSET);
    this.seqValue = v;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/**
 * Glue for the kernel: republish the sub-accounts when they changed since the last publish.
 * Call it after each batch of ledger events (one event-loop turn), not per event.
 */
export class BalancePublisher {
  private lastVersion = -1;
  publishes = 0;

  constructor(
    private readonly ledger: SubAccounts,
    private readonly writer: ShmBalanceWriter,
    private readonly clock: Clock,
  ) {}

  publishIfChanged(): LedgerResult<boolean> {
    if (this.ledger.version === this.lastVersion) return ok(false);
    const r = this.writer.publish(this.ledger.table(), this.clock.now());
    if (!r.ok) return r;
    this.lastVersion = this.ledger.version;
    this.publishes++;
    return ok(true);
  }
}
