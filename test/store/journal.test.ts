import { copyFileSync, mkdtempSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { DeskgateError } from '../../src/core/errors.js';
import { Journal, type ReplayIssue } from '../../src/store/journal.js';
import type { JournalInput } from '../../src/store/journal-entry.js';

const dir = mkdtempSync(path.join(tmpdir(), 'dg-journal-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const fresh = (): string => path.join(dir, `j${n++}.sqlite`);

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof DeskgateError ? e.code : `not a DeskgateError: ${String(e)}`;
  }
  return undefined;
}

describe('journal basics', () => {
  it('appends and replays in order with clock time, kind, type and payload', () => {
    const clock = new ManualClock(1_700_000_000_000);
    const j = new Journal({ file: fresh(), clock });
    expect(j.durability).toBe('process');
    expect(j.schemaVersion).toBe(1);
    const inputs: JournalInput[] = [
      { kind: 'cmd', type: 'allocate', payload: { amount: '1.5' } },
      { kind: 'evt', type: 'fill', payload: [1, 2, 3] },
      { kind: 'err', type: 'reject', payload: { code: 'DG_E_X' } },
      { kind: 'cmd', type: 'noop', payload: null },
    ];
    const seqs = inputs.map((e) => {
      clock.advance(5);
      return j.append(e);
    });
    expect(seqs).toEqual([1, 2, 3, 4]);
    const all = [...j.replay()];
    expect(all.map((e) => [e.seq, e.ts, e.kind, e.type, e.payload])).toEqual(
      inputs.map((e, k) => [k + 1, 1_700_000_000_000 + 5 * (k + 1), e.kind, e.type, e.payload]),
    );
    expect([...j.replay(3)].map((e) => e.seq)).toEqual([3, 4]);
    expect(j.stats()).toEqual({ first: 1, last: 4, count: 4 });
    j.close();
    expect(code(() => j.append({ kind: 'cmd', type: 'x', payload: 1 }))).toBe('DG_E_JOURNAL_CLOSED');
  });

  it('pages through long journals and sees entries appended during replay', () => {
    const j = new Journal({ file: fresh() });
    j.appendBatch(Array.from({ length: 25 }, (_, i) => ({ kind: 'evt' as const, type: 't', payload: i })));
    const seen: number[] = [];
    for (const e of j.replay(0, { pageSize: 4 })) {
      seen.push(e.payload as number);
      if (e.seq === 10) j.append({ kind: 'evt', type: 't', payload: 25 });
    }
    expect(seen).toEqual(Array.from({ length: 26 }, (_, i) => i));
    j.close();
  });

  it('persists across reopen and keeps counting seq', () => {
    const file = fresh();
    const a = new Journal({ file, durability: 'power' });
    expect(a.append({ kind: 'cmd', type: 'a', payload: 1 })).toBe(1);
    a.close();
    const b = new Journal({ file });
    expect(b.append({ kind: 'cmd', type: 'b', payload: 2 })).toBe(2);
    expect([...b.replay()].map((e) => e.type)).toEqual(['a', 'b']);
    b.close();
    const ro = new Journal({ file, readonly: true });
    expect(ro.lastSeq()).toBe(2);
    ro.close();
  });

  it('rejects malformed entries with a stable code and writes nothing', () => {
    const j = new Journal({ file: fresh() });
    expect(code(() => j.append({ kind: 'bogus' as 'cmd', type: 'x', payload: 1 }))).toBe('DG_E_JOURNAL_BAD_ENTRY');
    expect(code(() => j.append({ kind: 'cmd', type: '', payload: 1 }))).toBe('DG_E_JOURNAL_BAD_ENTRY');
    expect(code(() => j.append({ kind: 'cmd', type: 'x', payload: 10n }))).toBe('DG_E_JOURNAL_BAD_ENTRY');
    expect(code(() => j.append({ kind: 'cmd', type: 'x', payload: () => 1 }))).toBe('DG_E_JOURNAL_BAD_ENTRY');
    // a batch with one bad entry: nothing written
    expect(
      code(() =>
        j.appendBatch([
          { kind: 'cmd', type: 'ok', payload: 1 },
          { kind: 'cmd', type: 'x'.repeat(500), payload: 1 },
        ]),
      ),
    ).toBe('DG_E_JOURNAL_BAD_ENTRY');
    expect(j.stats().count).toBe(0);
    j.close();
  });
});

describe('idempotency keys', () => {
  it('detects a re-delivered command durably, per kind, across truncation and reopen', () => {
    const file = fresh();
    const j = new Journal({ file });
    const s1 = j.append({ kind: 'cmd', type: 'place', key: 'req-1', payload: { n: 1 } });
    expect(code(() => j.append({ kind: 'cmd', type: 'place', key: 'req-1', payload: { n: 2 } }))).toBe(
      'DG_E_JOURNAL_DUPLICATE_KEY',
    );
    expect(j.appendOnce({ kind: 'cmd', type: 'place', key: 'req-1', payload: { n: 3 } })).toEqual({
      seq: s1,
      duplicate: true,
    });
    // same key, other kind: independent
    const s2 = j.append({ kind: 'evt', type: 'placed', key: 'req-1', payload: {} });
    expect(s2).toBe(s1 + 1);
    expect(j.lookupKey('cmd', 'req-1')).toBe(s1);
    expect(j.lookupKey('cmd', 'nope')).toBeUndefined();
    // a batch with a key already used rolls back entirely
    expect(
      code(() =>
        j.appendBatch([
          { kind: 'cmd', type: 'a', key: 'req-2', payload: 1 },
          { kind: 'cmd', type: 'b', key: 'req-1', payload: 1 },
        ]),
      ),
    ).toBe('DG_E_JOURNAL_DUPLICATE_KEY');
    // a batch repeating a key within itself too
    expect(
      code(() =>
        j.appendBatch([
          { kind: 'cmd', type: 'a', key: 'req-3', payload: 1 },
          { kind: 'cmd', type: 'b', key: 'req-3', payload: 1 },
        ]),
      ),
    ).toBe('DG_E_JOURNAL_DUPLICATE_KEY');
    expect(j.lookupKey('cmd', 'req-2')).toBeUndefined();
    expect(j.stats().count).toBe(2);
    j.snapshot('state', { x: 1 });
    expect(j.truncate()).toBe(2);
    j.close();
    const k = new Journal({ file });
    expect(k.appendOnce({ kind: 'cmd', type: 'place', key: 'req-1', payload: {} })).toEqual({
      seq: s1,
      duplicate: true,
    });
    k.close();
  });
});

describe('snapshots and truncation', () => {
  it('recovers from the latest snapshot and truncates only up to it', () => {
    const j = new Journal({ file: fresh() });
    for (let i = 0; i < 5; i++) j.append({ kind: 'cmd', type: 'inc', payload: 1 });
    const snap1 = j.snapshot('counter', { value: 5 });
    for (let i = 0; i < 3; i++) j.append({ kind: 'cmd', type: 'inc', payload: 1 });
    const snap2 = j.snapshot('counter', { value: 8 });
    j.append({ kind: 'cmd', type: 'inc', payload: 1 });
    j.append({ kind: 'cmd', type: 'inc', payload: 1 });

    const rec = j.recover();
    expect(rec.snapshot?.seq).toBe(snap2);
    let value = (rec.snapshot!.payload as { value: number }).value;
    for (const e of rec.entries) value += e.payload as number;
    expect(value).toBe(10);
    // full replay gives the same state
    let full = 0;
    for (const e of j.replay()) if (e.kind === 'cmd') full += e.payload as number;
    expect(full).toBe(10);

    expect(code(() => j.truncate(snap2 + 1))).toBe('DG_E_JOURNAL_TRUNCATE');
    expect(j.truncate(snap1)).toBe(5);
    expect(j.stats().first).toBe(snap1);
    expect(j.truncate()).toBe(snap2 - snap1);
    expect(j.stats()).toEqual({ first: snap2, last: snap2 + 2, count: 3 });
    expect(j.append({ kind: 'cmd', type: 'inc', payload: 1 })).toBe(snap2 + 3);
    j.close();
  });

  it('refuses to truncate without a snapshot', () => {
    const j = new Journal({ file: fresh() });
    j.append({ kind: 'cmd', type: 'x', payload: 1 });
    expect(code(() => j.truncate())).toBe('DG_E_JOURNAL_TRUNCATE');
    j.close();
  });
});

describe('corruption', () => {
  it('a damaged row stops replay after everything before it (or is skipped / thrown on request)', () => {
    const file = fresh();
    const j = new Journal({ file });
    for (let i = 1; i <= 6; i++) j.append({ kind: 'evt', type: 't', payload: { i } });
    j.close();
    const raw = new Database(file);
    raw.prepare('UPDATE journal SET payload = ? WHERE seq = 4').run('{"i":40}'); // bit rot: checksum no longer matches
    raw.prepare('UPDATE journal SET payload = ?, crc = 0 WHERE seq = 6').run('{"i":'); // torn JSON
    raw.close();

    const k = new Journal({ file });
    const issues: ReplayIssue[] = [];
    expect([...k.replay(0, { onIssue: (i) => issues.push(i) })].map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(issues.map((i) => [i.seq, i.error.code])).toEqual([[4, 'DG_E_JOURNAL_CORRUPT']]);
    expect([...k.replay(0, { onCorrupt: 'skip' })].map((e) => e.seq)).toEqual([1, 2, 3, 5]);
    expect(code(() => [...k.replay(0, { onCorrupt: 'throw' })])).toBe('DG_E_JOURNAL_CORRUPT');
    expect(k.verify()).toEqual({ sqlite: 'ok', badRows: [4, 6] });
    expect(k.errors.count('DG_E_JOURNAL_CORRUPT')).toBeGreaterThanOrEqual(4);
    k.close();
  });

  it('a seq gap in the middle is reported', () => {
    const file = fresh();
    const j = new Journal({ file });
    for (let i = 1; i <= 4; i++) j.append({ kind: 'evt', type: 't', payload: i });
    j.close();
    const raw = new Database(file);
    raw.prepare('DELETE FROM journal WHERE seq = 2').run();
    raw.close();
    const k = new Journal({ file });
    expect([...k.replay()].map((e) => e.seq)).toEqual([1]);
    expect([...k.replay(0, { onCorrupt: 'skip' })].map((e) => e.seq)).toEqual([1, 4]);
    k.close();
  });

  it('a torn WAL tail loses only the last, unfinished commit', () => {
    const file = fresh();
    const j = new Journal({ file });
    for (let i = 1; i <= 40; i++) j.append({ kind: 'evt', type: 't', payload: { i, pad: 'x'.repeat(200) } });
    // copy the database while the writer holds it open (commits sit in the WAL, not yet checkpointed)
    const copy = path.join(dir, `torn${n++}.sqlite`);
    copyFileSync(file, copy);
    copyFileSync(`${file}-wal`, `${copy}-wal`);
    j.close();
    const walSize = statSync(`${copy}-wal`).size;
    expect(walSize).toBeGreaterThan(4096);
    truncateSync(`${copy}-wal`, walSize - 300); // cut the last frame in half
    const k = new Journal({ file: copy });
    const seqs = [...k.replay()].map((e) => e.seq);
    expect(seqs.length).toBeGreaterThan(0);
    expect(seqs.length).toBeLessThan(40);
    seqs.forEach((s, idx) => expect(s).toBe(idx + 1));
    expect(k.verify()).toEqual({ sqlite: 'ok', badRows: [] });
    // and it keeps going
    expect(k.append({ kind: 'evt', type: 't', payload: {} })).toBe(seqs.length + 1);
    k.close();
  });

  it('a file that is not a journal fails with a stable code', () => {
    const junk = path.join(dir, 'junk.sqlite');
    writeFileSync(junk, 'this is not an sqlite database, just text '.repeat(200));
    expect(code(() => new Journal({ file: junk }))).toBe('DG_E_JOURNAL_CORRUPT');
    const newer = fresh();
    const raw = new Database(newer);
    raw.pragma('user_version = 99');
    raw.close();
    expect(code(() => new Journal({ file: newer }))).toBe('DG_E_JOURNAL_SCHEMA');
  });
});
