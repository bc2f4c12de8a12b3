/**
 * Journal append cost. deskgate's Journal (checksum, idempotency key, seq in an IMMEDIATE
 * transaction) against two baselines on the same input in the same run: a bare better-sqlite3
 * INSERT in WAL mode (same durability setting) and a JSON-lines file written with writeSync (no
 * fsync; what a naive "append to a log file" costs). Ratios are what to trust on a shared box.
 */
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Journal } from '../src/store/journal.js';

function payloads(n: number): Array<{ strategy: string; currency: string; amount: string; index: number }> {
  return Array.from({ length: n }, (_, i) => ({
    strategy: `s${i % 8}`,
    currency: 'usdt',
    amount: `${(i * 7919) % 100000}.25`,
    index: 2 + (i % 6),
  }));
}

function rate(n: number, fn: () => void): number {
  const t0 = process.hrtime.bigint();
  fn();
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  return Math.round(n / s);
}

export async function run(log: (line: string) => void): Promise<Record<string, number>> {
  const dir = mkdtempSync(path.join(tmpdir(), 'dg-journal-bench-'));
  try {
    const N = 20_000;
    const NP = 1_000; // fsync per commit is slow: fewer for 'power'
    const input = payloads(N);
    const out: Record<string, number> = {};

    const j = new Journal({ file: path.join(dir, 'j.sqlite') });
    out.journal_append_per_s = rate(N, () =>
      input.forEach((p, i) => j.append({ kind: 'cmd', type: 'allocate', key: `k${i}`, payload: p })),
    );
    j.close();

    const raw = new Database(path.join(dir, 'raw.sqlite'));
    raw.pragma('journal_mode = WAL');
    raw.pragma('synchronous = NORMAL');
    raw.exec('CREATE TABLE log (seq INTEGER PRIMARY KEY, ts INTEGER, kind TEXT, type TEXT, payload TEXT)');
    const ins = raw.prepare('INSERT INTO log (ts, kind, type, payload) VALUES (?, ?, ?, ?)');
    out.raw_sqlite_insert_per_s = rate(N, () =>
      input.forEach((p) => ins.run(Date.now(), 'cmd', 'allocate', JSON.stringify(p))),
    );
    raw.close();

    const fd = openSync(path.join(dir, 'log.jsonl'), 'a');
    out.jsonl_writesync_per_s = rate(N, () =>
      input.forEach((p, i) =>
        writeSync(fd, `${JSON.stringify({ seq: i + 1, ts: Date.now(), kind: 'cmd', type: 'allocate', payload: p })}\n`),
      ),
    );
    closeSync(fd);

    const jp = new Journal({ file: path.join(dir, 'jp.sqlite'), durability: 'power' });
    out.journal_power_append_per_s = rate(NP, () =>
      input.slice(0, NP).forEach((p, i) => jp.append({ kind: 'cmd', type: 'allocate', key: `k${i}`, payload: p })),
    );
    const batches = 100;
    out.journal_power_batch100_entries_per_s = rate(batches * 100, () => {
      for (let b = 0; b < batches; b++)
        jp.appendBatch(
          input.slice(b * 100, b * 100 + 100).map((p) => ({ kind: 'cmd' as const, type: 'allocate', payload: p })),
        );
    });
    jp.close();

    const jr = new Journal({ file: path.join(dir, 'j.sqlite'), readonly: true });
    let count = 0;
    out.journal_replay_per_s = rate(N, () => {
      for (const _ of jr.replay()) count++;
    });
    jr.close();
    if (count !== N) throw new Error(`replayed ${count} of ${N}`);

    out.journal_vs_raw_sqlite_ratio = Math.round((out.journal_append_per_s / out.raw_sqlite_insert_per_s) * 100) / 100;
    out.journal_vs_jsonl_ratio = Math.round((out.journal_append_per_s / out.jsonl_writesync_per_s) * 100) / 100;
    for (const [k, v] of Object.entries(out)) log(`${k} = ${v}`);
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
