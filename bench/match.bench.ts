/**
 * `npm run bench -- match`: deskgate's matching engine vs the npm package `nodejs-order-book`
 * on identical seeded streams of 1M operations (50 % resting limit orders, 30 % cancels, 20 %
 * market orders crossing the book) in two shapes: shallow (~100 orders per price level) and deep
 * (~1,500 per level). Each stream starts from a pre-filled book (not timed, applied to all).
 *
 * Fairness:
 * - The baseline has no accounts, balances, fees or event feed, so deskgate runs in its raw mode
 *   (`accounting: false, history: false`, no listener) for the headline figures; the same stream
 *   through deskgate with accounts, fees and history on is reported too (`deskgate_full_…`).
 * - Each engine runs in its own Node process (bench/match-worker.ts, forked: own heap, default
 *   heap settings, nobody pays for another's garbage collection) and the stream is fed in chunks
 *   of CHUNK ops to each engine in turn, each timing only its own work, so load from other
 *   processes on a shared machine hits all engines alike.
 * - The baseline's cancel is O(orders in the level), so on the deep shape it runs a prefix of the
 *   stream (BASELINE_OPS); fills are compared on that prefix: the filled quantity of every market
 *   order must be equal, and a hash of every fill (taker op, maker op, price, size) must be equal
 *   on a verification prefix (VERIFY_OPS).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CANCEL, LIMIT, MARKET_OP, generate, shapeInfo, type Stream } from './match-engines.js';
import type { EngineKind, WorkerInput, WorkerReply, WorkerRequest } from './match-worker.js';

const OPS = Number(process.env.MATCH_OPS ?? 1_000_000);
/** Baseline ops per shape. */
const BASELINE_OPS: Record<string, number> = {
  shallow: Number(process.env.MATCH_BASELINE_OPS ?? 1_000_000),
  deep: Number(process.env.MATCH_BASELINE_DEEP_OPS ?? 200_000),
};
const VERIFY_OPS = Number(process.env.MATCH_VERIFY_OPS ?? 200_000);
/** Ops per chunk fed to each engine in turn. */
const CHUNK = 25_000;

class EngineWorker {
  readonly kind: EngineKind;
  readonly limit: number;
  private readonly child: ChildProcess;
  private pending: { resolve: (r: WorkerReply) => void; reject: (e: Error) => void } | undefined;
  private failure: Error | undefined;
  nanos = 0;
  done = 0;

  constructor(kind: EngineKind, limit: number, s: Stream, verifyOps: number) {
    this.kind = kind;
    this.limit = limit;
    const { ids: _ids, ...stream } = s;
    const input: WorkerInput = { kind, limit, verifyOps, stream };
    this.child = fork(fileURLToPath(new URL('./match-worker.ts', import.meta.url)), [], {
      execArgv: ['--import', 'tsx'],
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child.on('message', (r: WorkerReply) => {
      const p = this.pending;
      this.pending = undefined;
      p?.resolve(r);
    });
    const fail = (e: Error): void => {
      this.failure = e;
      const p = this.pending;
      this.pending = undefined;
      p?.reject(e);
    };
    this.child.on('error', fail);
    this.child.on('exit', (code) => {
      if (this.pending) fail(new Error(`${kind} engine process exited with ${code}`));
    });
    this.child.send(input);
  }

  private ask(req: WorkerRequest | undefined): Promise<WorkerReply> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      if (req) this.child.send(req);
    });
  }

  ready(): Promise<WorkerReply> {
    return this.ask(undefined);
  }

  async run(from: number, to: number): Promise<void> {
    const r = await this.ask({ cmd: 'run', from, to });
    if (r.type !== 'ran') throw new Error(`unexpected reply ${r.type}`);
    this.nanos = r.nanos;
    this.done = r.done;
  }

  async finish(): Promise<{ filled: Float64Array; hash: string }> {
    const r = await this.ask({ cmd: 'finish' });
    if (r.type !== 'finished') throw new Error(`unexpected reply ${r.type}`);
    this.child.kill();
    return { filled: r.filled, hash: r.hash };
  }

  get opsPerSec(): number {
    return this.done / (this.nanos / 1e9);
  }
}

function sameFilled(a: Float64Array, b: Float64Array, n: number): boolean {
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

const fmt = (x: number): string => Math.round(x).toLocaleString('en-US');

export async function run(log: (line: string) => void): Promise<Record<string, number>> {
  const results: Record<string, number> = {};
  let agree = true;
  const shapes: Array<[string, number, number, number]> = [
    ['shallow', 11, 50, 100],
    ['deep', 12, 5, 1800],
  ];
  for (const [name, seed, levels, perLevel] of shapes) {
    const t = Date.now();
    const s = generate(name, seed, levels, perLevel, OPS);
    const counts = [0, 0, 0];
    for (let i = s.pre; i < s.n; i++) counts[s.type[i]]++;
    log(
      `${name}: ${fmt(OPS)} ops (${counts[LIMIT]} limits, ${counts[CANCEL]} cancels, ${counts[MARKET_OP]} markets) ` +
        `on a pre-filled book of ${s.pre} orders, ${levels} levels/side; ${shapeInfo.get(name)}; generated in ${Date.now() - t} ms`,
    );
    const bOps = Math.min(OPS, BASELINE_OPS[name]);
    const vOps = Math.min(VERIFY_OPS, bOps);
    // start the engine processes one after another so their set-up does not overlap
    const dg = new EngineWorker('deskgate', OPS, s, vOps);
    await dg.ready();
    const full = new EngineWorker('deskgate_full', OPS, s, 0);
    await full.ready();
    const base = new EngineWorker('baseline', bOps, s, vOps);
    await base.ready();
    const all = [dg, full, base];
    for (let from = 0; from < OPS; from += CHUNK) {
      for (const w of all) if (from < w.limit) await w.run(from, Math.min(from + CHUNK, w.limit));
    }
    log(`${name}: deskgate raw ${fmt(dg.opsPerSec)} ops/s`);
    log(`${name}: deskgate with accounts+fees+history ${fmt(full.opsPerSec)} ops/s`);
    log(`${name}: nodejs-order-book ${fmt(base.opsPerSec)} ops/s on ${fmt(bOps)} ops`);
    const [rd, rf, rb] = [await dg.finish(), await full.finish(), await base.finish()];
    const filledOk = sameFilled(rd.filled, rb.filled, bOps) && sameFilled(rd.filled, rf.filled, OPS);
    log(
      `${name}: per-market-order filled quantity equal on ${fmt(bOps)} ops: ${filledOk}; ` +
        `fill hash on ${fmt(vOps)} ops deskgate ${rd.hash} baseline ${rb.hash}`,
    );
    agree = agree && filledOk && rd.hash === rb.hash && rd.hash !== '';
    results[`deskgate_${name}_ops_per_s`] = Math.round(dg.opsPerSec);
    results[`baseline_${name}_ops_per_s`] = Math.round(base.opsPerSec);
    results[`deskgate_full_${name}_ops_per_s`] = Math.round(full.opsPerSec);
    results[`baseline_${name}_ops_measured`] = bOps;
    results[`speedup_${name}`] = Math.round((dg.opsPerSec / base.opsPerSec) * 10) / 10;
  }
  results.fills_agree = agree ? 1 : 0;
  return results;
}
