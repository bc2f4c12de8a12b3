/**
 * Import pipeline shared by every source (CSV, JSON, NDJSON, PostgreSQL): validate each raw row,
 * reject duplicates within the batch, write good rows to the store in chunks and report every
 * rejected row with its row number, field and error code. A bad row never stops the import.
 */
import type { OtcStore } from '../store/otc-store.js';
import type { HedgeOrder, LockOrder } from './types.js';
import { validateHedge, validateLock, type RawRow, type RejectedRow, type ValidateOptions } from './validate.js';

export type OrderKind = 'lock' | 'hedge';

export interface ImportReport {
  readonly kind: OrderKind;
  rows: number;
  inserted: number;
  unchanged: number;
  rejected: RejectedRow[];
}

export interface ImportProgress {
  (rows: number, fraction: number | undefined): void;
}

const CHUNK = 5000;

/** Consumes raw rows (with their 1-based row numbers) and writes valid ones to the store. */
export class ImportSink {
  readonly report: ImportReport;
  private readonly seen = new Set<string>();
  private buffer: Array<LockOrder | HedgeOrder> = [];
  private bufferRows: number[] = [];

  constructor(
    private readonly store: OtcStore,
    readonly kind: OrderKind,
    private readonly opts: ValidateOptions = {},
  ) {
    this.report = { kind, rows: 0, inserted: 0, unchanged: 0, rejected: [] };
  }

  async add(row: RawRow, rowNumber: number): Promise<void> {
    this.report.rows++;
    const v = this.kind === 'lock' ? validateLock(row, this.opts) : validateHedge(row, this.opts);
    if (!v.ok) {
      this.report.rejected.push({ row: rowNumber, id: v.id, errors: v.errors });
      return;
    }
    if (this.seen.has(v.value.id)) {
      this.report.rejected.push({
        row: rowNumber,
        id: v.value.id,
        errors: [{ field: 'id', code: 'DG_E_DUPLICATE_ID', message: `id ${v.value.id} repeated in this import` }],
      });
      return;
    }
    this.seen.add(v.value.id);
    this.buffer.push(v.value);
    this.bufferRows.push(rowNumber);
    if (this.buffer.length >= CHUNK) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.buffer.length === 0) return;
    const batch = this.buffer;
    const rows = this.bufferRows;
    this.buffer = [];
    this.bufferRows = [];
    const res =
      this.kind === 'lock'
        ? await this.store.putLocks(batch as LockOrder[])
        : await this.store.putHedges(batch as HedgeOrder[]);
    this.report.inserted += res.inserted;
    this.report.unchanged += res.unchanged;
    if (res.conflicts.length) {
      const conflict = new Set(res.conflicts);
      batch.forEach((o, i) => {
        if (conflict.has(o.id)) {
          this.report.rejected.push({
            row: rows[i],
            id: o.id,
            errors: [
              { field: 'id', code: 'DG_E_DUPLICATE_ID', message: `id ${o.id} already stored with different values` },
            ],
          });
        }
      });
    }
  }

  async finish(): Promise<ImportReport> {
    await this.flush();
    this.report.rejected.sort((a, b) => a.row - b.row);
    return this.report;
  }
}
