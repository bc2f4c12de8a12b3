/**
 * Streaming RFC 4180 CSV reader: quoted fields (with "" escapes and embedded newlines), CRLF or
 * LF, an optional UTF-8 BOM. Feed chunks with `push`, then call `end`.
 */
export class CsvReader {
  private field = '';
  private record: string[] = [];
  private inQuotes = false;
  private quotePending = false;
  private started = false;
  private out: string[][] = [];

  push(chunk: string): string[][] {
    let s = chunk;
    if (!this.started) {
      this.started = true;
      if (s.charCodeAt(0) === 0xfeff) s = s.slice(1);
    }
    const n = s.length;
    for (let i = 0; i < n; i++) {
      const c = s[i];
      if (this.inQuotes) {
        if (this.quotePending) {
          this.quotePending = false;
          if (c === '"') {
            this.field += '"';
            continue;
          }
          this.inQuotes = false;
          // fall through: c is handled as an unquoted character below
        } else if (c === '"') {
          this.quotePending = true;
          continue;
        } else {
          this.field += c;
          continue;
        }
      }
      if (c === ',') {
        this.record.push(this.field);
        this.field = '';
      } else if (c === '\n') {
        this.endRecord();
      } else if (c === '\r') {
        // CR of CRLF (or a bare CR) ends nothing by itself; LF does.
      } else if (c === '"' && this.field === '') {
        this.inQuotes = true;
      } else {
        this.field += c;
      }
    }
    const out = this.out;
    this.out = [];
    return out;
  }

  end(): string[][] {
    if (this.quotePending) {
      this.quotePending = false;
      this.inQuotes = false;
    }
    if (this.field !== '' || this.record.length > 0) this.endRecord();
    const out = this.out;
    this.out = [];
    return out;
  }

  private endRecord(): void {
    this.record.push(this.field);
    this.field = '';
    const rec = this.record;
    this.record = [];
    if (rec.length === 1 && rec[0] === '') return; // blank line
    this.out.push(rec);
  }
}

/** Quote a CSV field when needed. Cells starting with = + - @ are prefixed with ' (formula injection). */
export function csvField(v: string | number | bigint): string {
  let s = String(v);
  if (typeof v === 'string' && /^[=+@]/.test(s)) s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(fields: ReadonlyArray<string | number | bigint>): string {
  return fields.map(csvField).join(',') + '\n';
}
