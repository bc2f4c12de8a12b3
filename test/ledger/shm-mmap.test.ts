import { execFile, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { SEQ_OFFSET, type BalanceTable } from '../../src/ledger/shm-layout.js';
import { MappedShmReader, openBalanceReader } from '../../src/ledger/shm-mapped-reader.js';
import { loadShmNative } from '../../src/ledger/shm-native.js';
import { readingOf, ShmBalanceReader } from '../../src/ledger/shm-reader.js';
import { ShmBalanceWriter } from '../../src/ledger/shm-writer.js';
import { mulberry32 } from './helpers.js';
import { cellValue, STRESS_SLOTS, stressCurrencies, stressTable } from './fixtures/stress-table.js';

const run = promisify(execFile);
process.env.PYTHONDONTWRITEBYTECODE = '1';
const ROOT = join(import.meta.dirname, '..', '..');
const PY_DIR = join(ROOT, 'clients', 'python');
const dir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'deskgate-mmap-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
// DESKGATE_NO_MMAP=1 when running the suite: only the fallback checks run (the mapped ones are skipped)
const FORCED_OFF = process.env.DESKGATE_NO_MMAP;
const mapped = FORCED_OFF === undefined || FORCED_OFF === '' || FORCED_OFF === '0';
afterEach(() => {
  if (FORCED_OFF === undefined) delete process.env.DESKGATE_NO_MMAP;
  else process.env.DESKGATE_NO_MMAP = FORCED_OFF;
});

/** Stress rows plus a row with negative and beyond-int64 values (both int128 words in use). */
function mixedTable(c: bigint, currencies: readonly string[]): BalanceTable {
  const t = stressTable(c, currencies);
  const big = -(2n ** 70n) - 12345n;
  return {
    slotNames: t.slotNames,
    rows: [
      ...t.rows,
      {
        currency: 'NEG',
        scale: 18,
        cells: Array.from({ length: STRESS_SLOTS }, (_v, s) => ({
          total: big - BigInt(s),
          free: -5n,
          frozen: 2n ** 100n,
        })),
      },
    ],
  };
}

function poke(path: string, seq: bigint): void {
  const fd = openSync(path, 'r+');
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(seq);
  writeSync(fd, b, 0, 8, SEQ_OFFSET);
  closeSync(fd);
}

describe('mmap shared-memory reader', () => {
  it.skipIf(!mapped)('the native addon is built and loads in this checkout', () => {
    const loaded = loadShmNative();
    expect(loaded.ok ? 'ok' : loaded.reason).toBe('ok');
  });

  it.skipIf(!mapped)(
    'mapped reads equal pread reads (and Python single-cell reads) for every currency and slot',
    async () => {
      const path = join(dir, 'eq.bal');
      const currencies = stressCurrencies(7);
      const w = ShmBalanceWriter.create(path, { slotCount: STRESS_SLOTS, maxCurrencies: 12, exchange: 'eqx' });
      expect(w.publish(mixedTable(123n, currencies), 1_700_000_000_123).ok).toBe(true);
      const m = MappedShmReader.open(path);
      const p = ShmBalanceReader.open(path);
      const ref = p.read();
      expect(m.read()).toEqual(ref);
      expect(m.layout).toEqual(p.layout);
      let compared = 0;
      for (const row of ref.rows) {
        for (let s = 0; s < STRESS_SLOTS; s++) {
          const expected = readingOf(ref, row.currency, s);
          expect(expected).toBeDefined();
          expect(m.readCell(row.currency, s)).toEqual(expected);
          expect(m.readCell(row.currency.toLowerCase(), s)).toEqual(expected);
          expect(p.readCell(row.currency, s)).toEqual(expected);
          expect(m.balance(row.currency, s)).toEqual(expected);
          compared++;
        }
      }
      expect(compared).toBe(8 * STRESS_SLOTS);
      expect(m.readCell('NEG', 3)?.total).toBe(-(2n ** 70n) - 12348n);
      for (const [cur, slot] of [
        ['XYZ', 0],
        ['USDT', STRESS_SLOTS],
        ['USDT', -1],
        ['USDT', 1.5],
        ['', 0],
        ['ABCDEFGHIJKLMNOPQ', 0],
      ] as const) {
        expect(m.readCell(cur, slot)).toBeUndefined();
        expect(p.readCell(cur, slot)).toBeUndefined();
      }
      // a later publication with rows in another order: cached row indexes are re-checked
      const reversed = mixedTable(124n, currencies);
      expect(w.publish({ slotNames: reversed.slotNames, rows: [...reversed.rows].reverse() }, 2).ok).toBe(true);
      const ref2 = p.read();
      for (const row of ref2.rows) {
        expect(m.readCell(row.currency, 4)).toEqual(readingOf(ref2, row.currency, 4));
        expect(p.readCell(row.currency, 4)).toEqual(readingOf(ref2, row.currency, 4));
      }
      // the Python client's single-cell path reads the same cells
      const py = await run('python3', [
        '-c',
        [
          'import sys, json',
          `sys.path.insert(0, ${JSON.stringify(PY_DIR)})`,
          'from deskgate_shm import ShmBalances',
          `s = ShmBalances(${JSON.stringify(path)})`,
          'out = {}',
          'for cur in list(s.read().rows):',
          '    for i in range(s.slot_count):',
          '        sc, c = s.cell(cur, i)',
          '        out[f"{cur}:{i}"] = [sc, str(c.total), str(c.free), str(c.frozen)]',
          'print(json.dumps({"cells": out, "none": [s.cell("XYZ"), s.cell("USDT", 99)], "bal": str(s.balance("NEG", 3))}))',
        ].join('\n'),
      ]);
      const got = JSON.parse(py.stdout) as {
        cells: Record<string, [number, string, string, string]>;
        none: unknown[];
        bal: string;
      };
      expect(Object.keys(got.cells)).toHaveLength(8 * STRESS_SLOTS);
      for (const row of ref2.rows)
        for (let s = 0; s < STRESS_SLOTS; s++) {
          const c = row.cells[s];
          expect(got.cells[`${row.currency}:${s}`]).toEqual([row.scale, `${c.total}`, `${c.free}`, `${c.frozen}`]);
        }
      expect(got.none).toEqual([null, null]);
      expect(got.bal).toBe('-1180.591620717411315772');
      m.close();
      p.close();
      w.close();
    },
  );

  it.skipIf(!mapped)('refuses while the seq is odd or nothing was published; closed reader fails cleanly', () => {
    const path = join(dir, 'odd.bal');
    const w = ShmBalanceWriter.create(path, { slotCount: STRESS_SLOTS, maxCurrencies: 4, exchange: 'odd' });
    const m = MappedShmReader.open(path, { maxAttempts: 70 });
    const empty = m.tryReadCell('USDT', 0);
    expect(empty.ok ? 'ok' : empty.error.code).toBe('DG_E_LEDGER_SHM_BUSY');
    expect(w.publish(stressTable(9n, stressCurrencies(4)), 9).ok).toBe(true);
    const before = m.readCell('BTC', 2);
    expect(before?.total).toBe(cellValue(9n, 1) + 2n);
    poke(path, w.seq + 1n); // a writer that stopped half-way through a publish
    const busy = m.tryReadCell('BTC', 2);
    expect(busy.ok ? 'ok' : busy.error.code).toBe('DG_E_LEDGER_SHM_BUSY');
    expect(m.retries).toBeGreaterThanOrEqual(69);
    const snapBusy = m.tryRead();
    expect(snapBusy.ok ? 'ok' : snapBusy.error.code).toBe('DG_E_LEDGER_SHM_BUSY');
    poke(path, w.seq);
    expect(m.readCell('BTC', 2)).toEqual(before);
    m.close();
    m.close();
    const closed = m.tryReadCell('BTC', 2);
    expect(closed.ok ? 'ok' : closed.error.code).toBe('DG_E_LEDGER_SHM_LAYOUT');
    w.close();
  });

  it.skipIf(!mapped)(
    'follows a replaced (and grown) file: remaps on refresh() and automatically every recheckEvery reads',
    () => {
      const path = join(dir, 'replace.bal');
      const w1 = ShmBalanceWriter.create(path, { slotCount: STRESS_SLOTS, maxCurrencies: 4, exchange: 'one' });
      expect(w1.publish(stressTable(5n, stressCurrencies(4)), 5).ok).toBe(true);
      const auto = MappedShmReader.open(path, { recheckEvery: 8 });
      const manual = MappedShmReader.open(path, { recheckEvery: 0 });
      expect(auto.readCell('USDT', 1)?.total).toBe(cellValue(5n, 0) + 1n);
      expect(manual.replaced()).toBe(false);

      const twelve = stressCurrencies(12);
      const w2 = ShmBalanceWriter.create(path, { slotCount: STRESS_SLOTS, maxCurrencies: 12, exchange: 'two' });
      expect(w2.publish(stressTable(77n, twelve), 77).ok).toBe(true);
      // the old mapping stays a valid, stale table until the reader notices
      expect(manual.replaced()).toBe(true);
      expect(manual.readCell('USDT', 1)?.total).toBe(cellValue(5n, 0) + 1n);
      expect(manual.readCell('C11', 1)).toBeUndefined();
      expect(manual.refresh()).toBe(true);
      expect(manual.refresh()).toBe(false);
      expect(manual.remaps).toBe(1);
      expect(manual.layout.maxCurrencies).toBe(12);
      expect(manual.read().exchange).toBe('two');
      expect(manual.readCell('C11', 9)?.total).toBe(cellValue(77n, 11) + 9n);

      const seen: bigint[] = [];
      for (let i = 0; i < 10; i++) seen.push(auto.readCell('USDT', 1)!.total);
      expect(seen[0]).toBe(cellValue(5n, 0) + 1n);
      expect(seen[9]).toBe(cellValue(77n, 0) + 1n);
      expect(auto.remaps).toBe(1);
      expect(auto.readCell('C11', 0)?.total).toBe(cellValue(77n, 11));

      // a replacement with a bad header is not followed: the reader keeps the last good mapping
      writeFileSync(`${path}.bad`, Buffer.alloc(4096, 1));
      rmSync(path);
      expect(manual.refresh()).toBe(false);
      writeFileSync(path, Buffer.alloc(4096, 1));
      expect(manual.refresh()).toBe(false);
      expect(manual.readCell('C11', 9)?.total).toBe(cellValue(77n, 11) + 9n);
      for (const x of [auto, manual, w1, w2]) x.close();
    },
  );

  it('DESKGATE_NO_MMAP=1: openBalanceReader falls back to pread with a one-line notice', () => {
    const path = join(dir, 'fallback.bal');
    const w = ShmBalanceWriter.create(path, { slotCount: STRESS_SLOTS, maxCurrencies: 4, exchange: 'fb' });
    expect(w.publish(stressTable(3n, stressCurrencies(4)), 3).ok).toBe(true);
    const fast = mapped ? openBalanceReader(path) : ShmBalanceReader.open(path);
    expect(fast.kind).toBe(mapped ? 'mmap' : 'pread');

    process.env.DESKGATE_NO_MMAP = '1';
    const lines: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    let slow: ReturnType<typeof openBalanceReader>;
    let slow2: ReturnType<typeof openBalanceReader>;
    try {
      slow = openBalanceReader(path);
      slow2 = openBalanceReader(path);
    } finally {
      spy.mockRestore();
    }
    expect(slow.kind).toBe('pread');
    expect(slow2.kind).toBe('pread');
    expect(lines).toEqual(['deskgate: shared-memory balances via pread, not mmap (disabled by DESKGATE_NO_MMAP)\n']);
    expect(() => MappedShmReader.open(path)).toThrow(/DESKGATE_NO_MMAP/);
    for (const cur of stressCurrencies(4))
      for (let s = 0; s < STRESS_SLOTS; s++) expect(slow.readCell(cur, s)).toEqual(fast.readCell(cur, s));
    expect(slow.read()).toEqual(fast.read());
    for (const x of [fast, slow, slow2, w]) x.close();
  });

  it.skipIf(!mapped)(
    'concurrent writer process + mapped single-cell reader: zero torn or backwards readings',
    async () => {
      const path = join(dir, 'stress.bal');
      const ROWS = 60;
      const currencies = stressCurrencies(ROWS);
      const writer = spawn(
        process.execPath,
        ['--import', 'tsx', join(import.meta.dirname, 'fixtures', 'shm-stress-writer.ts'), path, '30000', `${ROWS}`],
        { cwd: ROOT },
      );
      let wout = '';
      await new Promise<void>((resolve, reject) => {
        writer.stdout.on('data', (d: Buffer) => {
          wout += d.toString();
          if (wout.includes('ready')) resolve();
        });
        writer.on('error', reject);
        writer.on('exit', (code) => reject(new Error(`writer exited early (${code})`)));
      });
      const reader = MappedShmReader.open(path, { maxAttempts: 1_000_000, cellSeqlockOnly: true });
      const rnd = mulberry32(20261122);
      let reads = 0;
      let torn = 0;
      let regress = 0;
      let last = 0n;
      const distinct = new Set<bigint>();
      // control: the same cell read from the mapping with no seqlock (can be torn; logged, not asserted: chance)
      const raw = new BigInt64Array(6);
      let rawTorn = 0;
      let sink = 0n;
      const views = (reader as unknown as { v: { hi: BigInt64Array; rowsAt: number } }).v;
      const rowSize = reader.layout.rowSize;
      const until = performance.now() + 2000;
      try {
        while (performance.now() < until) {
          for (let k = 0; k < 200; k++) {
            const row = Math.floor(rnd() * ROWS);
            const slot = Math.floor(rnd() * STRESS_SLOTS);
            const r = reader.readCell(currencies[row], slot);
            reads++;
            const m = row % 2 === 1 ? 2n ** 64n + 3n : 1_000_003n;
            const base = r === undefined ? -1n : r.total - BigInt(row) - BigInt(slot);
            const c = base / m;
            if (
              r === undefined ||
              r.scale !== 8 ||
              base % m !== 0n ||
              c < 1n ||
              r.free !== r.total + 1n ||
              r.frozen !== r.total + 2n
            ) {
              torn++;
              continue;
            }
            if (c < last) regress++;
            last = c;
            distinct.add(c);
            // control read: total, ~1 µs of other loads, then free — the window a seqlock protects
            const q = (views.rowsAt + row * rowSize + 24 + slot * 48) / 8;
            raw[0] = views.hi[q];
            raw[1] = views.hi[q + 1];
            for (let i = 0; i < 256; i++) sink ^= views.hi[(q + i * 7) % views.hi.length];
            raw[2] = views.hi[q + 2];
            raw[3] = views.hi[q + 3];
            const t = (raw[1] << 64n) + BigInt.asUintN(64, raw[0]);
            const f = (raw[3] << 64n) + BigInt.asUintN(64, raw[2]);
            if (f !== t + 1n) rawTorn++;
          }
        }
      } finally {
        writeFileSync(`${path}.stop`, '');
      }
      await new Promise<void>((resolve) => {
        if (writer.exitCode !== null) resolve();
        else writer.on('close', () => resolve());
      });
      const publishes = (JSON.parse(wout.split('\n').filter((l) => l.startsWith('{'))[0]) as { publishes: number })
        .publishes;
      console.log(
        `mmap stress: writer ${publishes} publishes; mapped reader ${reads} cell reads, ${distinct.size} distinct publications, ` +
          `${reader.retries} retries, torn ${torn}, backwards ${regress}; no-seqlock control torn ${rawTorn} (${sink & 1n})`,
      );
      expect(publishes).toBeGreaterThan(200);
      expect(torn).toBe(0);
      expect(regress).toBe(0);
      expect(reads).toBeGreaterThan(10_000);
      expect(distinct.size).toBeGreaterThan(50);
      reader.close();
    },
  );
});
