import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { Journal } from '../../src/store/journal.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const child = path.join(here, 'journal-child.ts');
const dir = mkdtempSync(path.join(tmpdir(), 'dg-journal-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Line {
  readonly what: 'ack' | 'dup';
  readonly seq: number;
  readonly i: number;
}

/** Run the child, SIGKILL it `delayMs` after it is ready, return what it acknowledged. */
function runAndKill(
  file: string,
  start: number,
  durability: string,
  delayMs: number,
): Promise<{ lines: Line[]; signal: string | null }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', child, file, String(start), durability], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let armed = false;
    p.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (!armed && out.includes('ready\n')) {
        armed = true;
        setTimeout(() => p.kill('SIGKILL'), delayMs);
      }
    });
    p.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    p.on('error', reject);
    p.on('close', (_code, signal) => {
      if (signal !== 'SIGKILL') return reject(new Error(`child ended without SIGKILL (${signal}): ${err}`));
      const lines: Line[] = [];
      for (const l of out.split('\n').slice(0, -1)) {
        const m = /^(ack|dup) (\d+) (\d+)$/.exec(l);
        if (m) lines.push({ what: m[1] as 'ack' | 'dup', seq: Number(m[2]), i: Number(m[3]) });
      }
      resolve({ lines, signal });
    });
  });
}

describe('journal survives kill -9', () => {
  it('keeps every acknowledged entry, no duplicates, contiguous seq, batches all-or-nothing', async () => {
    const file = path.join(dir, 'crash.sqlite');
    const rnd = mulberry32(20261121);
    const acked = new Map<number, number>(); // seq -> i
    let next = 0;
    let dupsSeen = 0;
    for (let round = 0; round < 6; round++) {
      const delay = 10 + Math.floor(rnd() * 250);
      const { lines } = await runAndKill(file, next, round % 3 === 2 ? 'power' : 'process', delay);
      for (const l of lines) {
        if (l.what === 'dup') dupsSeen++;
        acked.set(l.seq, l.i);
        next = Math.max(next, l.i + 1);
      }
      // after the kill the parent re-sends from the last acknowledged i + 1 (re-delivering anything written but unacked)
    }
    expect(acked.size).toBeGreaterThan(0);

    const j = new Journal({ file });
    try {
      const entries = [...j.replay()];
      // seq contiguous from 1
      entries.forEach((e, k) => expect(e.seq).toBe(k + 1));
      // every acknowledged entry present with the payload it was acknowledged for
      const bySeq = new Map(entries.map((e) => [e.seq, e]));
      for (const [seq, i] of acked) expect((bySeq.get(seq)?.payload as { i: number }).i).toBe(i);
      // no duplicates: each i once; and (since the sender re-sends from its last ack) no holes
      const is = entries.map((e) => (e.payload as { i: number }).i);
      expect(new Set(is).size).toBe(is.length);
      const sorted = [...is].sort((a, b) => a - b);
      sorted.forEach((v, k) => expect(v).toBe(k));
      // batches are all-or-nothing and contiguous
      const batches = new Map<number, number[]>();
      for (const e of entries) {
        const p = e.payload as { i: number; batch?: number };
        if (p.batch !== undefined) batches.set(p.batch, [...(batches.get(p.batch) ?? []), e.seq]);
      }
      for (const seqs of batches.values()) {
        expect(seqs).toHaveLength(3);
        expect(seqs[2]! - seqs[0]!).toBe(2);
      }
      expect(j.verify()).toEqual({ sqlite: 'ok', badRows: [] });
      console.log(
        `journal crash test: ${entries.length} entries, ${acked.size} acked, ${dupsSeen} re-deliveries detected`,
      );
    } finally {
      j.close();
    }
  }, 90_000);
});
