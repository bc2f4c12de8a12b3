/**
 * File importers (S2.1): CSV (header row names the fields), JSON (an array of objects, or
 * {"locks"|"hedges"|"rows": [...]}) and NDJSON / JSON Lines. Files are streamed; progress is
 * reported by bytes read.
 */
import { createReadStream, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { OtcStore } from '../store/otc-store.js';
import { CsvReader } from './csv.js';
import { ImportSink, type ImportProgress, type ImportReport, type OrderKind } from './importer.js';
import type { RawRow, ValidateOptions } from './validate.js';

export type FileFormat = 'csv' | 'json' | 'ndjson';

export function formatOf(file: string): FileFormat {
  const f = file.toLowerCase();
  if (f.endsWith('.ndjson') || f.endsWith('.jsonl')) return 'ndjson';
  if (f.endsWith('.json')) return 'json';
  return 'csv';
}

export async function importFile(
  store: OtcStore,
  file: string,
  kind: OrderKind,
  opts: ValidateOptions & { format?: FileFormat; progress?: ImportProgress } = {},
): Promise<ImportReport> {
  const sink = new ImportSink(store, kind, opts);
  const size = statSync(file).size;
  const format = opts.format ?? formatOf(file);
  let bytes = 0;
  let lastReport = 0;
  const tick = (rows: number): void => {
    if (opts.progress && (bytes - lastReport > size / 50 || bytes === size)) {
      lastReport = bytes;
      opts.progress(rows, size > 0 ? bytes / size : 1);
    }
  };

  if (format === 'csv') {
    const reader = new CsvReader();
    let header: string[] | undefined;
    let rowNo = 0;
    const handle = async (records: string[][]): Promise<void> => {
      for (const rec of records) {
        if (!header) {
          header = rec.map((h) => h.trim());
          continue;
        }
        rowNo++;
        const row: RawRow = {};
        header.forEach((h, i) => {
          if (i < rec.length) row[h] = rec[i];
        });
        await sink.add(row, rowNo);
      }
    };
    const stream = createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 });
    for await (const chunk of stream) {
      bytes += Buffer.byteLength(chunk as string, 'utf8');
      await handle(reader.push(chunk as string));
      tick(rowNo);
    }
    await handle(reader.end());
  } else if (format === 'ndjson') {
    const stream = createReadStream(file, { encoding: 'utf8' });
    const lines = createInterface({ input: stream, crlfDelay: Infinity });
    let rowNo = 0;
    for await (const line of lines) {
      bytes += Buffer.byteLength(line, 'utf8') + 1;
      if (line.trim() === '') continue;
      rowNo++;
      let obj: unknown;
      try {
        obj = JSON.parse(line);
      } catch {
        sink.report.rows++;
        sink.report.rejected.push({
          row: rowNo,
          errors: [{ field: '(row)', code: 'DG_E_MALFORMED_JSON', message: 'line is not valid JSON' }],
        });
        continue;
      }
      await addObject(sink, obj, rowNo);
      if (rowNo % 10_000 === 0) tick(rowNo);
    }
  } else {
    const { readFile } = await import('node:fs/promises');
    let doc: unknown;
    try {
      doc = JSON.parse(await readFile(file, 'utf8'));
    } catch {
      sink.report.rejected.push({
        row: 0,
        errors: [{ field: '(file)', code: 'DG_E_MALFORMED_JSON', message: 'file is not valid JSON' }],
      });
      return sink.finish();
    }
    bytes = size;
    const rows = Array.isArray(doc) ? doc : pickArray(doc, kind);
    if (!rows) {
      sink.report.rejected.push({
        row: 0,
        errors: [{ field: '(file)', code: 'DG_E_BAD_INPUT', message: 'expected an array of objects' }],
      });
      return sink.finish();
    }
    for (let i = 0; i < rows.length; i++) await addObject(sink, rows[i], i + 1);
  }
  bytes = size;
  const report = await sink.finish();
  tick(report.rows);
  return report;
}

function pickArray(doc: unknown, kind: OrderKind): unknown[] | undefined {
  if (doc === null || typeof doc !== 'object') return undefined;
  const o = doc as Record<string, unknown>;
  for (const k of [kind === 'lock' ? 'locks' : 'hedges', 'rows', 'data'])
    if (Array.isArray(o[k])) return o[k] as unknown[];
  return undefined;
}

async function addObject(sink: ImportSink, obj: unknown, rowNo: number): Promise<void> {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
    sink.report.rows++;
    sink.report.rejected.push({
      row: rowNo,
      errors: [{ field: '(row)', code: 'DG_E_BAD_INPUT', message: 'row is not an object' }],
    });
    return;
  }
  await sink.add(obj as RawRow, rowNo);
}
