/**
 * `npm run bench -- api`: FMZ General Protocol `ticker` and `depth` on loopback, answered by deskgate
 * from its live books, against a baseline in the same run that answers each call by one round trip
 * to the venue's REST API (the seed plugin's design; bench/api-baseline.ts).
 *
 * Four processes, as a deployment has them (bench/api/proc.ts forks each with `--import tsx`):
 *   venue     bench/api/venue-proc.ts: sim engine + seeded synthetic flow in real time
 *             (API_BENCH_FLOW_RATE, 200 commands/s over BTC-USDT and ETH-USDT) + the sim's KuCoin
 *             REST/WS server — what `deskgate sim` runs, plus the server.
 *   deskgate  bench/api/deskgate-proc.ts: CcxtVenue (ccxt.pro kucoin → the venue's URL) whose books
 *             are synced from the venue's WebSocket L3 feed; ticker bid/ask from that book and 24 h
 *             stats from the venue's `/market/snapshot` push (src/api/market-data-live.ts); the FMZ
 *             server (`/kucoin`, pino at info → /dev/null); and the floor server (bench/api-floor.ts:
 *             bare node:http, one fixed reply — what any HTTP server in that process gets).
 *   baseline  bench/api/baseline-proc.ts: the baseline alone in its own process. It keeps a
 *             keep-alive connection pool to the venue (the seed plugin opens a new connection per
 *             call with urllib: the pool is an advantage given to the baseline).
 *   load      bench/api/loadgen.c: the load generator, native (built with the machine's C compiler on
 *             first use, bench/api/loadgen.ts): HTTP/1.1 keep-alive over raw sockets, open-loop sends
 *             timed to tens of microseconds by epoll_pwait2 with a nanosecond timeout. Node's timers
 *             (bench/api-load.ts, API_BENCH_GENERATOR=node) add ~1 ms of send lag at p99, half the
 *             p99 budget, and take a core from the servers in the closed loop.
 *
 * Two venues, each measured in full (every figure below exists twice):
 *   emulated  (headline keys) the sim server's opt-in emulation: `latencyMs` API_BENCH_LATENCY_MS
 *             (5 ms) before each REST reply and WS frame — an assumption standing for a client hosted
 *             near the venue, not a published KuCoin figure (a longer, realistic internet round trip
 *             only slows the baseline further) — and KuCoin's public REST rate limit as KuCoin's
 *             "Rate Limit" page documents it (Public pool 2000 weight / 30 s per IP, HTTP 429 +
 *             code 429000; weights market/stats 15, orderbook/level2_20 2: ccxt 4.5's kucoin cost
 *             table). The baseline's ticker and depth calls share that one pool (one IP), so its
 *             sustained ceiling is 2000/30/15 = 4.4 tickers/s or 33 depths/s
 *             (`baseline_*_quota_rps`). Against this venue each baseline target is measured in one
 *             continuous API_BENCH_LIMITED_SECONDS (31 s) window with no warm-up, which holds one or
 *             two quota windows: the measured `baseline_*_rps` can over-state the sustained rate (up
 *             to 2×), never understate it.
 *   loopback  (`*_loopback` keys) zero latency, no limit: the venue as an in-process-speed server.
 *             This ratio is the hard one and is reported as is.
 * Baseline rps counts `{"data":…}` replies only; its `{"error":"Too Many Requests"}` replies are
 * counted apart (`baseline_*_rate_limited`); any other error reply, and any error reply from deskgate,
 * fails the benchmark.
 *
 * Closed loop (max throughput): API_BENCH_CONNS (32) keep-alive connections, one request in flight
 * each; targets take turns in API_BENCH_ROUNDS (5) windows of API_BENCH_SECONDS / ROUNDS (5 s / 5)
 * after a 300 ms warm-up, so a change in the shared machine's load hits all alike. Depth: limit 20.
 * Open loop at 2,000 req/s (request i due at t0 + i/2000 whatever the replies do; latency from the
 * intended send time, so no coordinated omission), deskgate / floor / baseline taking turns:
 * `fmz_ticker_p99_ms_at_2k_rps` (+ p50, p99.9, p99 from actual send, the floor's and the baseline's
 * p99, the deskgate process's event-loop delay p99 and GC). CPU per window comes from each process.
 * Every 50th (closed) / 20th (open) reply is kept and checked: ticker fields are decimal strings with
 * 0 < buy < sell; depth has 20 levels a side, asks ascending, bids descending, not crossed.
 * Profiling: API_BENCH_CPU_PROF=deskgate (or venue, baseline) adds `--cpu-prof` to that process
 * (profiles in /tmp/api-bench-prof); API_BENCH_NODE_FLAGS_DESKGATE (…_VENUE, …_BASELINE) adds Node
 * flags to one process; API_BENCH_SCENARIOS=emulated|loopback runs one venue only; API_BENCH_ONLY
 * (fmzTicker,baseTicker,fmzDepth,baseDepth,floor,fmzOpen,floorOpen,baseOpen) runs some targets only.
 * On a shared, loaded machine the open-loop tails are set by CPU contention: compare
 * `fmz_ticker_p99…` with `floor_p99…` (same process, no work) and the loop-delay figures.
 */
import { fork, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import type { LoadJob, LoadResult, LoadTarget } from './api-load.js';
import { NativeLoadGenerator } from './api/loadgen.js';
import { Proc, type WindowStats } from './api/proc.js';
import type { DeskgateInfo } from './api/deskgate-proc.js';
import type { VenueArgs, VenueInfo } from './api/venue-proc.js';

const SECONDS = Number(process.env.API_BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.API_BENCH_ROUNDS ?? 5);
const ROUND_WARMUP_MS = 300;
const CONNS = Number(process.env.API_BENCH_CONNS ?? 32);
const RATE = 2000;
const LATENCY_MS = Number(process.env.API_BENCH_LATENCY_MS ?? 5);
const FLOW_RATE = Number(process.env.API_BENCH_FLOW_RATE ?? 200);
/** Emulated venue: the baseline's closed-loop window (one, continuous), seconds. */
const LIMITED_SECONDS = Number(process.env.API_BENCH_LIMITED_SECONDS ?? 31);
const SYMBOL = 'BTC_USDT';
const SPIN = process.env.API_BENCH_SPIN === '1';
/** `native` (bench/api/loadgen.c, default) or `node` (bench/api-load.ts). */
const GENERATOR = process.env.API_BENCH_GENERATOR ?? 'native';
const SCENARIOS = (process.env.API_BENCH_SCENARIOS ?? 'emulated,loopback').split(',');
/** Profiling: only these targets (comma list of fmzTicker,baseTicker,fmzDepth,baseDepth,floor,fmzOpen,floorOpen,baseOpen). */
const ONLY = process.env.API_BENCH_ONLY?.split(',');
const wanted = (id: string): boolean => ONLY === undefined || ONLY.includes(id);
const DEPTH_LIMIT = 20;
/** KuCoin Public pool and weights (src/venue/sim/server/rate-limit.ts). */
const PUBLIC_QUOTA = 2000;
const PUBLIC_WINDOW_S = 30;
const W_STATS = 15;
const W_LEVEL2_20 = 2;

const here = (f: string): string => fileURLToPath(new URL(f, import.meta.url));

const envelope = (method: string, params: Record<string, unknown>): string =>
  JSON.stringify({ access_key: 'bench', secret_key: 'bench', nonce: 1700000000000, method, params });

/** What runs the load jobs: the native generator (default) or the Node one. */
interface LoadGenerator {
  run(job: LoadJob): Promise<LoadResult>;
  close(): void;
}

/** The Node load generator (bench/api-load.ts) in its own process; its window marks go to `onMark`. */
class LoadChild implements LoadGenerator {
  private readonly child: ChildProcess;
  constructor(private readonly onMark: (at: 'start' | 'end') => void) {
    this.child = fork(here('./api-load.ts'), ['api-load-child'], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
  }
  run(job: LoadJob): Promise<LoadResult> {
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null): void => reject(new Error(`load generator exited (${code})`));
      const onMessage = (m: { mark?: 'start' | 'end'; ok?: boolean; result?: LoadResult; error?: string }): void => {
        if (m.mark !== undefined) {
          this.onMark(m.mark);
          return;
        }
        this.child.off('exit', onExit);
        this.child.off('message', onMessage);
        if (m.ok === true && m.result) resolve(m.result);
        else reject(new Error(m.error ?? 'load generator failed'));
      };
      this.child.once('exit', onExit);
      this.child.on('message', onMessage);
      this.child.send(job);
    });
  }
  close(): void {
    this.child.kill();
  }
}

// ---- reply validation -------------------------------------------------------------------------

const DEC_RE = /^\d+(\.\d+)?$/;

function tickerProblem(d: Record<string, unknown>): string | undefined {
  if (d.symbol !== SYMBOL) return `symbol ${String(d.symbol)}`;
  for (const k of ['buy', 'sell', 'high', 'low', 'open', 'last', 'vol', 'time']) {
    if (typeof d[k] !== 'string' || !DEC_RE.test(d[k])) return `${k} = ${JSON.stringify(d[k])}`;
  }
  if (!(Number(d.buy) > 0 && Number(d.buy) < Number(d.sell))) return `buy ${String(d.buy)} ≥ sell ${String(d.sell)}`;
  return undefined;
}

function depthProblem(d: Record<string, unknown>): string | undefined {
  if (typeof d.time !== 'number') return 'time';
  const side = (rows: unknown, dir: 1 | -1, name: string): string | undefined => {
    if (!Array.isArray(rows) || rows.length !== DEPTH_LIMIT)
      return `${name}: ${Array.isArray(rows) ? rows.length : '?'} levels`;
    let prev = dir === 1 ? -Infinity : Infinity;
    for (const r of rows as unknown[]) {
      if (!Array.isArray(r) || r.length !== 2 || typeof r[0] !== 'number' || typeof r[1] !== 'number')
        return `${name} row`;
      const [p, q] = r as [number, number];
      if (!(p > 0 && q > 0) || (dir === 1 ? p <= prev : p >= prev)) return `${name} order at ${p}`;
      prev = p;
    }
    return undefined;
  };
  const bad = side(d.asks, 1, 'asks') ?? side(d.bids, -1, 'bids');
  if (bad) return bad;
  const ask = (d.asks as number[][])[0]?.[0] ?? 0;
  const bid = (d.bids as number[][])[0]?.[0] ?? 0;
  return bid < ask ? undefined : `crossed ${bid} ≥ ${ask}`;
}

/**
 * Validates the samples; returns how many distinct top-of-book states they show. Error replies fail
 * the run, except the venue's rate-limit refusals relayed by the baseline when `rateLimitOk`.
 */
function validate(label: string, kind: 'ticker' | 'depth', r: LoadResult, rateLimitOk = false): number {
  const other = r.errors - (rateLimitOk ? r.rateLimited : 0);
  if (other > 0) throw new Error(`${label}: ${other} error replies, first: ${r.firstError ?? '(rate limited)'}`);
  if (r.samples.length === 0) {
    if (r.rateLimited > 0) return 0;
    throw new Error(`${label}: no replies sampled`);
  }
  const tops = new Set<string>();
  for (const s of r.samples) {
    const d = (JSON.parse(s) as { data: Record<string, unknown> }).data;
    const bad = kind === 'ticker' ? tickerProblem(d) : depthProblem(d);
    if (bad) throw new Error(`${label}: malformed reply (${bad}): ${s.slice(0, 300)}`);
    tops.add(
      kind === 'ticker'
        ? `${String(d.buy)}/${String(d.sell)}/${String(d.last)}`
        : JSON.stringify([(d.bids as unknown[])[0], (d.asks as unknown[])[0]]),
    );
  }
  return tops.size;
}

// ---- one venue, measured in full --------------------------------------------------------------

type Kind = 'ticker' | 'depth';

interface Procs {
  venue: Proc<VenueInfo>;
  deskgate: Proc<DeskgateInfo>;
  baseline: Proc<{ port: number; path: string }>;
}

/** Figures of one target summed over its interleaved windows. */
interface Tally {
  readonly label: string;
  readonly kind: Kind;
  readonly target: LoadTarget;
  readonly server: 'deskgate' | 'baseline';
  readonly baseline: boolean;
  requests: number;
  ok: number;
  rateLimited: number;
  ms: number;
  serverCpuMs: number;
  venueCpuMs: number;
  genCpuMs: number;
  p99s: number[];
  checked: number;
  distinct: number;
  lat: number[];
  service: number[];
  lag: number[];
  loop: WindowStats[];
  connections: number;
}

const q = (xs: number[], p: number): number => {
  if (xs.length === 0) return NaN;
  const s = Float64Array.from(xs).sort();
  return Math.round((s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)] ?? NaN) * 1000) / 1000;
};
const ratio = (a: number, b: number): number => Math.round((a / b) * 100) / 100;
const r3 = (x: number): number => Math.round(x * 1000) / 1000;

async function measureVenue(name: 'emulated' | 'loopback', log: (l: string) => void): Promise<Record<string, number>> {
  const emulated = name === 'emulated';
  const vArgs: VenueArgs = {
    latencyMs: emulated ? LATENCY_MS : 0,
    publicRateLimit: emulated,
    flowRate: FLOW_RATE,
    seed: 7,
  };
  const venue = new Proc<VenueInfo>('venue', here('./api/venue-proc.ts'), [JSON.stringify(vArgs)]);
  const procs: Partial<Procs> = { venue };
  let load: LoadGenerator | undefined;
  try {
    const v = await venue.ready;
    const deskgate = new Proc<DeskgateInfo>('deskgate', here('./api/deskgate-proc.ts'), [
      JSON.stringify({ venueUrl: v.url, key: v.key, symbols: ['BTC/USDT', 'ETH/USDT'] }),
    ]);
    procs.deskgate = deskgate;
    const baseline = new Proc<{ port: number; path: string }>('baseline', here('./api/baseline-proc.ts'), [
      JSON.stringify({ venueUrl: v.url }),
    ]);
    procs.baseline = baseline;
    const [d, b] = await Promise.all([deskgate.ready, baseline.ready]);
    const servers = [venue, deskgate, baseline];
    const marks: Array<Promise<unknown>> = [];
    const onMark = (at: 'start' | 'end'): void => {
      for (const p of servers) marks.push(p.call(at === 'start' ? 'markStart' : 'markEnd'));
    };
    load = GENERATOR === 'node' ? new LoadChild(onMark) : new NativeLoadGenerator(onMark);
    log(
      `[${name}] venue ${v.url} (latency ${vArgs.latencyMs} ms, public rate limit ${emulated ? 'KuCoin 2000/30 s' : 'off'}, ` +
        `flow ${FLOW_RATE} cmd/s); deskgate FMZ :${d.fmzPort}${d.path}, floor :${d.floorPort}; baseline :${b.port}${b.path}`,
    );
    const t = (port: number, path: string, method: string, params: Record<string, unknown>): LoadTarget => ({
      port,
      path,
      body: envelope(method, params),
    });
    const tally = (label: string, kind: Kind, target: LoadTarget, server: 'deskgate' | 'baseline'): Tally => ({
      label,
      kind,
      target,
      server,
      baseline: label.startsWith('baseline'),
      requests: 0,
      ok: 0,
      rateLimited: 0,
      ms: 0,
      serverCpuMs: 0,
      venueCpuMs: 0,
      genCpuMs: 0,
      p99s: [],
      checked: 0,
      distinct: 0,
      lat: [],
      service: [],
      lag: [],
      loop: [],
      connections: 0,
    });
    const tickerP = { symbol: SYMBOL };
    const depthP = { symbol: SYMBOL, limit: DEPTH_LIMIT };
    const ft = tally('fmz ticker', 'ticker', t(d.fmzPort, d.path, 'ticker', tickerP), 'deskgate');
    const bt = tally('baseline ticker', 'ticker', t(b.port, b.path, 'ticker', tickerP), 'baseline');
    const fd = tally('fmz depth', 'depth', t(d.fmzPort, d.path, 'depth', depthP), 'deskgate');
    const bd = tally('baseline depth', 'depth', t(b.port, b.path, 'depth', depthP), 'baseline');
    const fl = tally(
      'floor (bare node:http, fixed reply)',
      'ticker',
      t(d.floorPort, d.path, 'ticker', tickerP),
      'deskgate',
    );

    /** After a window: the processes' own figures for it. */
    const windows = async (x: Tally): Promise<void> => {
      await Promise.all(marks.splice(0));
      const [ws, vw] = await Promise.all([
        (x.server === 'deskgate' ? deskgate : baseline).call<WindowStats>('window'),
        venue.call<WindowStats>('window'),
      ]);
      x.serverCpuMs += ws.cpuMs;
      x.venueCpuMs += vw.cpuMs;
      x.loop.push(ws);
    };
    const closedRound = async (x: Tally, continuousMs?: number): Promise<void> => {
      const r = await load!.run({
        kind: 'closed',
        target: x.target,
        connections: CONNS,
        warmupMs: continuousMs === undefined ? ROUND_WARMUP_MS : 0,
        durationMs: continuousMs ?? (SECONDS * 1000) / ROUNDS,
        sampleEvery: 50,
      });
      await windows(x);
      x.distinct += validate(x.label, x.kind, r, x.baseline && emulated);
      x.checked += r.samples.length;
      x.requests += r.requests;
      x.ok += r.requests - r.errors;
      x.rateLimited += r.rateLimited;
      x.ms += r.elapsedMs;
      x.genCpuMs += r.cpuMs;
      x.p99s.push(r.p99);
    };
    const openRound = async (x: Tally): Promise<void> => {
      const r = await load!.run({
        kind: 'open',
        target: x.target,
        rate: RATE,
        warmupMs: ROUND_WARMUP_MS,
        durationMs: (SECONDS * 1000) / ROUNDS,
        maxConnections: 256,
        preconnect: 16,
        sampleEvery: 20,
        spin: SPIN,
      });
      await windows(x);
      validate(x.label, 'ticker', r, x.baseline && emulated);
      x.checked += r.samples.length;
      x.requests += r.requests;
      x.ok += r.requests - r.errors;
      x.rateLimited += r.rateLimited;
      x.genCpuMs += r.cpuMs;
      x.ms += r.elapsedMs;
      x.connections = Math.max(x.connections, r.connectionsUsed);
      for (const y of r.raw?.lat ?? []) x.lat.push(y);
      for (const y of r.raw?.service ?? []) x.service.push(y);
      for (const y of r.raw?.lag ?? []) x.lag.push(y);
    };
    const rpsOf = (x: Tally): number => (x.ms > 0 ? Math.round((x.ok / x.ms) * 1000) : NaN);
    const perCpuOf = (x: Tally): number => (x.serverCpuMs > 0 ? Math.round((x.ok / x.serverCpuMs) * 1000) : NaN);
    const pct = (cpu: number, x: Tally): number => Math.round((cpu / Math.max(1, x.ms)) * 100);
    const closedReport = (x: Tally): void => {
      const p99 = [...x.p99s].sort((a, c) => a - c)[Math.floor(x.p99s.length / 2)] ?? NaN;
      log(
        `[${name}] ${x.label}: ${rpsOf(x)} ok req/s (${x.ok} ok of ${x.requests} in ${(x.ms / 1000).toFixed(2)} s, ` +
          `${x.rateLimited} rate-limited), median round p99 ${p99} ms; CPU: ${x.server} ${pct(x.serverCpuMs, x)}%, ` +
          `venue ${pct(x.venueCpuMs, x)}%, generator ${pct(x.genCpuMs, x)}% of a core → ${perCpuOf(x)} ok req per ` +
          `${x.server} CPU-s; ${x.checked} replies checked (${x.distinct} distinct tops summed over rounds)`,
      );
    };
    const openReport = (x: Tally): void => {
      const f = (n: number): string => n.toFixed(2);
      log(
        `[${name}] ${x.label} @ ${RATE} req/s: ${x.lat.length} requests (${x.rateLimited} rate-limited); from intended send ` +
          `p50 ${q(x.lat, 0.5)} ms, p99 ${q(x.lat, 0.99)} ms, p99.9 ${q(x.lat, 0.999)} ms; from actual send p99 ` +
          `${q(x.service, 0.99)} ms; send lag p99 ${q(x.lag, 0.99)} ms; ≤ ${x.connections} connections; ${x.checked} checked`,
      );
      log(
        `[${name}] ${x.label} @ ${RATE} req/s: ${x.server} event-loop delay per window p50/p99/max ` +
          `${x.loop.map((w) => `${f(w.loopP50)}/${f(w.loopP99)}/${f(w.loopMax)}`).join(', ')} ms; GC ` +
          `${x.loop.reduce((a, w) => a + w.gcCount, 0)}× ${f(x.loop.reduce((a, w) => a + w.gcMs, 0))} ms, longest ` +
          `${f(Math.max(...x.loop.map((w) => w.gcMaxMs)))} ms (major ${x.loop.reduce((a, w) => a + w.gcMajor, 0)}×, ` +
          `longest ${f(Math.max(...x.loop.map((w) => w.gcMajorMaxMs)))} ms); CPU ${x.server} ${pct(x.serverCpuMs, x)}%, venue ` +
          `${pct(x.venueCpuMs, x)}%, generator ${pct(x.genCpuMs, x)}% of a core`,
      );
    };

    const ids = new Map<Tally, string>([
      [ft, 'fmzTicker'],
      [bt, 'baseTicker'],
      [fd, 'fmzDepth'],
      [bd, 'baseDepth'],
      [fl, 'floor'],
    ]);
    // Against the rate-limited venue the baseline's throughput is set by the quota's 30 s window, not
    // by the machine: each baseline target gets one continuous window of LIMITED_SECONDS (≥ 30 s, no
    // warm-up, so no quota is spent unmeasured) instead of short interleaved ones.
    const limited = emulated ? [bt, bd].filter((x) => wanted(ids.get(x) ?? '')) : [];
    const order = [ft, bt, fd, bd, fl].filter((x) => wanted(ids.get(x) ?? '') && !limited.includes(x));
    for (let round = 0; round < ROUNDS; round++) {
      for (const x of round % 2 === 0 ? order : [...order].reverse()) await closedRound(x);
    }
    for (const x of limited) await closedRound(x, LIMITED_SECONDS * 1000);
    for (const x of [ft, bt, fd, bd, fl]) if (order.includes(x) || limited.includes(x)) closedReport(x);
    const fo = tally('fmz ticker', 'ticker', ft.target, 'deskgate');
    const lo = tally('floor (bare node:http, fixed reply)', 'ticker', fl.target, 'deskgate');
    const bo = tally('baseline ticker', 'ticker', bt.target, 'baseline');
    const openOrder = [fo, lo, bo].filter((x) => wanted(x === fo ? 'fmzOpen' : x === lo ? 'floorOpen' : 'baseOpen'));
    for (let round = 0; round < ROUNDS; round++) {
      for (const x of round % 2 === 0 ? openOrder : [...openOrder].reverse()) await openRound(x);
    }
    for (const x of openOrder) openReport(x);
    const counters = await venue.call<{ rateLimited: number; lagged: number }>('counters');
    log(
      `[${name}] ratios (fmz / baseline, ok replies): ticker ${ratio(rpsOf(ft), rpsOf(bt))}×, depth ` +
        `${ratio(rpsOf(fd), rpsOf(bd))}× (target ≥ 20×); per server CPU-second ticker ${ratio(perCpuOf(ft), perCpuOf(bt))}×, ` +
        `depth ${ratio(perCpuOf(fd), perCpuOf(bd))}×; floor / baseline ticker ${ratio(rpsOf(fl), rpsOf(bt))}×; ` +
        `venue answered ${counters.rateLimited} calls 429; flow catch-up lags ${counters.lagged}`,
    );
    const loopP99 = Math.max(...fo.loop.map((w) => w.loopP99));
    return {
      fmz_ticker_rps: rpsOf(ft),
      baseline_ticker_rps: rpsOf(bt),
      fmz_depth_rps: rpsOf(fd),
      baseline_depth_rps: rpsOf(bd),
      fmz_ticker_p99_ms_at_2k_rps: q(fo.lat, 0.99),
      ticker_rps_ratio: ratio(rpsOf(ft), rpsOf(bt)),
      depth_rps_ratio: ratio(rpsOf(fd), rpsOf(bd)),
      ...(emulated
        ? {
            baseline_ticker_quota_rps: r3(PUBLIC_QUOTA / PUBLIC_WINDOW_S / W_STATS),
            baseline_depth_quota_rps: r3(PUBLIC_QUOTA / PUBLIC_WINDOW_S / W_LEVEL2_20),
            baseline_ticker_rate_limited: bt.rateLimited,
            baseline_depth_rate_limited: bd.rateLimited,
            venue_429_replies: counters.rateLimited,
          }
        : {}),
      fmz_ticker_req_per_cpu_s: perCpuOf(ft),
      baseline_ticker_req_per_cpu_s: perCpuOf(bt),
      fmz_depth_req_per_cpu_s: perCpuOf(fd),
      baseline_depth_req_per_cpu_s: perCpuOf(bd),
      floor_rps: rpsOf(fl),
      fmz_ticker_p50_ms_at_2k_rps: q(fo.lat, 0.5),
      fmz_ticker_p999_ms_at_2k_rps: q(fo.lat, 0.999),
      fmz_ticker_p99_from_send_ms_at_2k_rps: q(fo.service, 0.99),
      floor_p99_ms_at_2k_rps: q(lo.lat, 0.99),
      baseline_ticker_p99_ms_at_2k_rps: q(bo.lat, 0.99),
      fmz_loop_delay_p99_ms_at_2k_rps: r3(loopP99),
      fmz_gc_max_ms_at_2k_rps: Math.max(...fo.loop.map((w) => w.gcMaxMs)),
    };
  } finally {
    load?.close();
    await Promise.all([procs.deskgate?.stop(), procs.baseline?.stop()]);
    await venue.stop();
  }
}

// ---- the run ----------------------------------------------------------------------------------

const loadAvg = (): string =>
  os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
const envInfo: Record<string, string | number> = {};

/** Extra `env` fields of the JSON line (bench/run.ts merges them). */
export function env(): Record<string, string | number> {
  return envInfo;
}

export async function run(log: (line: string) => void): Promise<Record<string, number>> {
  envInfo.api_venue_emulated = `latency ${LATENCY_MS} ms per REST reply and WS frame (assumed, not a KuCoin figure); KuCoin Public REST pool 2000 weight / 30 s per IP, 429 / 429000 (kucoin.com/docs-new/rate-limit), weights stats 15, level2_20 2 (ccxt 4.5 kucoin cost table); baseline measured in one ${LIMITED_SECONDS} s window per method`;
  envInfo.api_venue_loopback = 'latency 0, no rate limit (*_loopback keys)';
  envInfo.api_processes =
    'venue (engine+flow+KuCoin server) | deskgate (CcxtVenue WS-synced books + FMZ + floor) | baseline alone (keep-alive pool) | load generator';
  envInfo.api_generator = GENERATOR === 'node' ? 'node (bench/api-load.ts)' : 'native (bench/api/loadgen.c)';
  envInfo.api_flow_cmds_per_s = FLOW_RATE;
  envInfo.loadavg_start = loadAvg();
  log(
    `closed loop: ${CONNS} keep-alive connections, ${SECONDS} s per target in ${ROUNDS} interleaved windows ` +
      `(${ROUND_WARMUP_MS} ms warm-up each); open loop: ${RATE} req/s, ${SECONDS} s per target; load average ${loadAvg()}`,
  );
  const out: Record<string, number> = {};
  if (SCENARIOS.includes('emulated')) Object.assign(out, await measureVenue('emulated', log));
  if (SCENARIOS.includes('loopback')) {
    const lb = await measureVenue('loopback', log);
    for (const [k, v] of Object.entries(lb)) out[`${k}_loopback`] = v;
  }
  envInfo.loadavg_end = loadAvg();
  log(`load average at the end ${loadAvg()}`);
  return out;
}
