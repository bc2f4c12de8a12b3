/**
 * `npm run bench -- api`: FMZ General Protocol `ticker` and `depth` on loopback, answered by deskgate
 * from its live books, against a baseline that answers each call by one round trip to the venue's
 * REST API (the seed plugin's design; bench/api-baseline.ts), in the same run.
 *
 * This process hosts: the sim engine with seeded synthetic flow driven in real time (the books move
 * throughout), the sim's KuCoin-dialect REST server (the baseline's venue), deskgate's FMZ server
 * (`startFmzServer`, `/sim` = SimVenue + sim market data; depth from the venue's synced L3 book),
 * the baseline server, and a "floor" server (bench/api-floor.ts: bare node:http repeating one fixed
 * reply — what any Node HTTP server in this process can do on this machine right now). No server
 * logs requests. Load comes from a forked child process (bench/api-load.ts), never the servers' loop.
 *
 * Closed loop (max throughput): API_BENCH_CONNS (32) keep-alive connections, one request in flight
 * each; the targets take turns in API_BENCH_ROUNDS (5) windows of API_BENCH_SECONDS / ROUNDS
 * (5 s / 5) after a 300 ms warm-up, so a change in the shared machine's load hits all alike.
 *   fmz_ticker_rps, baseline_ticker_rps, fmz_depth_rps, baseline_depth_rps (depth: limit 20),
 *   floor_rps, and *_req_per_cpu_s = requests per CPU-second of the servers' process (less noisy).
 * Open loop at 2,000 req/s (request i due at t0 + i/2000 whatever the replies do; latency from the
 * intended send time, so no coordinated omission), deskgate / floor / baseline taking turns:
 *   fmz_ticker_p99_ms_at_2k_rps (+ p50, p99.9, p99 from actual send, floor's and baseline's p99,
 *   the servers' event-loop delay p99) — the floor tells what the machine alone costs.
 * Every 50th (closed) / 20th (open) reply is kept and checked: ticker fields are decimal strings
 * with 0 < buy < sell; depth has 20 levels a side, asks ascending, bids descending, not crossed.
 * Any malformed or `{error}` reply fails the benchmark.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { systemClock } from '../src/core/clock.js';
import { startFmzServer } from '../src/api/fmz/server.js';
import { createSimMarketData } from '../src/api/market-data-sim.js';
import { createVenuePort } from '../src/api/venue-port.js';
import { DEFAULT_MARKETS } from '../src/venue/sim/default-markets.js';
import { SimEngine } from '../src/venue/sim/engine.js';
import { RealtimeDriver } from '../src/venue/sim/flow/realtime-driver.js';
import { SyntheticFlow } from '../src/venue/sim/flow/synthetic-flow.js';
import { startSimServer } from '../src/venue/sim/server/index.js';
import { SimVenue } from '../src/venue/sim-venue/sim-venue.js';
import { startBaselineFmz } from './api-baseline.js';
import { startFloorServer } from './api-floor.js';
import type { LoadJob, LoadResult, LoadTarget } from './api-load.js';

const SECONDS = Number(process.env.API_BENCH_SECONDS ?? 5);
/** Closed-loop windows per target (interleaved), each SECONDS / ROUNDS long after a short warm-up. */
const ROUNDS = Number(process.env.API_BENCH_ROUNDS ?? 5);
const ROUND_WARMUP_MS = 300;
const CONNS = Number(process.env.API_BENCH_CONNS ?? 32);
const RATE = 2000;
const SYMBOL = 'BTC_USDT';
/** Open loop: busy-wait between sends (exact send times; burns one core of the generator). */
const SPIN = process.env.API_BENCH_SPIN === '1';
/** Comma list of phases to run (profiling): fmzTicker,baseTicker,fmzDepth,baseDepth,floorClosed,fmzOpen,floorOpen,baseOpen. */
const PHASES = new Set(
  (
    process.env.API_BENCH_PHASES ?? 'fmzTicker,baseTicker,fmzDepth,baseDepth,floorClosed,fmzOpen,floorOpen,baseOpen'
  ).split(','),
);
const DEPTH_LIMIT = 20;

const envelope = (method: string, params: Record<string, unknown>): string =>
  JSON.stringify({ access_key: 'bench', secret_key: 'bench', nonce: 1700000000000, method, params });

class LoadChild {
  private readonly child: ChildProcess;
  constructor() {
    this.child = fork(fileURLToPath(new URL('./api-load.ts', import.meta.url)), ['api-load-child'], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
  }
  run(job: LoadJob): Promise<LoadResult> {
    return new Promise((resolve, reject) => {
      let cpuStart: NodeJS.CpuUsage | undefined;
      let cpuWindow: NodeJS.CpuUsage | undefined;
      const onExit = (code: number | null): void => reject(new Error(`load generator exited (${code})`));
      const onMessage = (m: { mark?: 'start' | 'end'; ok?: boolean; result?: LoadResult; error?: string }): void => {
        if (m.mark === 'start') cpuStart = process.cpuUsage();
        else if (m.mark === 'end') cpuWindow = process.cpuUsage(cpuStart);
        else {
          this.child.off('exit', onExit);
          this.child.off('message', onMessage);
          if (m.ok === true && m.result) {
            const w = cpuWindow;
            resolve({ ...m.result, ...(w ? { serverCpuMs: Math.round((w.user + w.system) / 1000) } : {}) });
          } else reject(new Error(m.error ?? 'load generator failed'));
        }
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

/** Validates the samples; returns how many distinct top-of-book states they show. */
function validate(label: string, kind: 'ticker' | 'depth', r: LoadResult): number {
  if (r.errors > 0) throw new Error(`${label}: ${r.errors} error replies, first: ${r.firstError ?? '?'}`);
  if (r.samples.length === 0) throw new Error(`${label}: no replies sampled`);
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

const phaseName = (label: string): string =>
  (label.startsWith('fmz') ? 'fmz' : 'base') + (label.endsWith('ticker') ? 'Ticker' : 'Depth');

/** One real reply of deskgate's FMZ server (for the floor server to repeat). */
async function captureReply(port: number, body: string): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/sim`, { method: 'POST', body });
  const text = await res.text();
  const d = (JSON.parse(text) as { data?: Record<string, unknown> }).data;
  const bad = d ? tickerProblem(d) : 'no data';
  if (bad) throw new Error(`FMZ ticker reply malformed (${bad}): ${text.slice(0, 300)}`);
  return text;
}

// ---- the run ----------------------------------------------------------------------------------

export async function run(log: (line: string) => void): Promise<Record<string, number>> {
  const clock = systemClock;
  const engine = new SimEngine({ markets: DEFAULT_MARKETS, clock, seed: 7 });
  const flow = new SyntheticFlow(engine, { seed: 7, ratePerSec: 20, startMs: clock.now() });
  const driver = new RealtimeDriver(flow, { clock });
  engine.createAccount('fmz');
  const venue = new SimVenue({ engine, account: 'fmz', clock });
  const up = await venue.connect();
  if (!up.ok) throw up.error;
  driver.start();
  const port = createVenuePort(venue, createSimMarketData({ engine, account: 'fmz' }));
  const fmz = await startFmzServer({ port: 0, gateways: [port], ccxt: false, logger: false });
  const sim = await startSimServer({ engine });
  const base = await startBaselineFmz(sim.url);
  const floor = await startFloorServer(await captureReply(fmz.port, envelope('ticker', { symbol: SYMBOL })));
  const load = new LoadChild();
  log(`fmz ${fmz.url}/sim, baseline http://127.0.0.1:${base.port}/kucoin → sim KuCoin REST ${sim.url}`);
  log(
    `closed loop: ${CONNS} keep-alive connections, ${SECONDS} s per target in ${ROUNDS} interleaved windows ` +
      `(${ROUND_WARMUP_MS} ms warm-up each); open loop: ${RATE} req/s, 1 s warm-up + ${SECONDS} s`,
  );

  const targets = {
    fmzTicker: { port: fmz.port, path: '/sim', body: envelope('ticker', { symbol: SYMBOL }) },
    baseTicker: { port: base.port, path: '/kucoin', body: envelope('ticker', { symbol: SYMBOL }) },
    fmzDepth: { port: fmz.port, path: '/sim', body: envelope('depth', { symbol: SYMBOL, limit: DEPTH_LIMIT }) },
    baseDepth: { port: base.port, path: '/kucoin', body: envelope('depth', { symbol: SYMBOL, limit: DEPTH_LIMIT }) },
    floor: { port: floor.port, path: '/sim', body: envelope('ticker', { symbol: SYMBOL }) },
  } satisfies Record<string, LoadTarget>;

  /** Accumulated closed-loop figures of one target over the interleaved rounds. */
  interface Tally {
    readonly label: string;
    readonly kind: 'ticker' | 'depth';
    readonly target: LoadTarget;
    requests: number;
    ms: number;
    serverCpuMs: number;
    genCpuMs: number;
    p99s: number[];
    checked: number;
    distinct: number;
  }
  const tally = (label: string, kind: 'ticker' | 'depth', target: LoadTarget): Tally => ({
    label,
    kind,
    target,
    requests: 0,
    ms: 0,
    serverCpuMs: 0,
    genCpuMs: 0,
    p99s: [],
    checked: 0,
    distinct: 0,
  });
  const closedRound = async (t: Tally): Promise<void> => {
    const r = await load.run({
      kind: 'closed',
      target: t.target,
      connections: CONNS,
      warmupMs: ROUND_WARMUP_MS,
      durationMs: (SECONDS * 1000) / ROUNDS,
      sampleEvery: 50,
    });
    t.distinct += validate(t.label, t.kind, r);
    t.checked += r.samples.length;
    t.requests += r.requests;
    t.ms += r.elapsedMs;
    t.serverCpuMs += r.serverCpuMs ?? 0;
    t.genCpuMs += r.cpuMs;
    t.p99s.push(r.p99);
  };
  const rpsOf = (t: Tally): number => (t.ms > 0 ? Math.round((t.requests / t.ms) * 1000) : NaN);
  const perCpuOf = (t: Tally): number => (t.serverCpuMs > 0 ? Math.round((t.requests / t.serverCpuMs) * 1000) : NaN);
  const report = (t: Tally): void => {
    const p99 = [...t.p99s].sort((a, b) => a - b)[Math.floor(t.p99s.length / 2)] ?? NaN;
    log(
      `${t.label}: ${rpsOf(t)} req/s (${t.requests} in ${(t.ms / 1000).toFixed(2)} s over ${t.p99s.length} rounds), ` +
        `median round p99 ${p99} ms; CPU over the measured windows: servers ${Math.round((t.serverCpuMs / t.ms) * 100)}%, ` +
        `generator ${Math.round((t.genCpuMs / t.ms) * 100)}% of one core → ${perCpuOf(t)} req per server CPU-second; ` +
        `${t.checked} replies checked (${t.distinct} distinct tops summed over rounds)`,
    );
  };
  /** Accumulated open-loop figures of one target over the interleaved rounds. */
  interface OpenTally {
    readonly label: string;
    readonly target: LoadTarget;
    readonly lat: number[];
    readonly service: number[];
    readonly lag: number[];
    /** The servers' own event-loop stalls while this target was loaded (machine contention, GC). */
    /** Per window: p50, p99, max (ms). */
    readonly loopDelay: Array<[number, number, number]>;
    gcCount: number;
    gcMs: number;
    gcMax: number;
    genCpuMs: number;
    ms: number;
    checked: number;
    connections: number;
  }
  const openTally = (label: string, target: LoadTarget): OpenTally => ({
    label,
    target,
    lat: [],
    service: [],
    lag: [],
    loopDelay: [],
    gcCount: 0,
    gcMs: 0,
    gcMax: 0,
    genCpuMs: 0,
    ms: 0,
    checked: 0,
    connections: 0,
  });
  let gcTarget: OpenTally | undefined;
  const gc = new PerformanceObserver((list) => {
    if (!gcTarget) return;
    for (const e of list.getEntries()) {
      gcTarget.gcCount++;
      gcTarget.gcMs += e.duration;
      gcTarget.gcMax = Math.max(gcTarget.gcMax, e.duration);
    }
  });
  gc.observe({ entryTypes: ['gc'] });
  const openRound = async (t: OpenTally): Promise<void> => {
    // a fresh monitor per window (re-enabling one would count the pause between windows as a delay)
    const loopDelay = monitorEventLoopDelay({ resolution: 1 });
    loopDelay.enable();
    gcTarget = t;
    const r = await load.run({
      kind: 'open',
      target: t.target,
      rate: RATE,
      warmupMs: ROUND_WARMUP_MS,
      durationMs: (SECONDS * 1000) / ROUNDS,
      maxConnections: 256,
      preconnect: 16,
      sampleEvery: 20,
      spin: SPIN,
    });
    loopDelay.disable();
    t.loopDelay.push([loopDelay.percentile(50) / 1e6, loopDelay.percentile(99) / 1e6, loopDelay.max / 1e6]);
    gcTarget = undefined;
    validate(t.label, 'ticker', r);
    t.checked += r.samples.length;
    t.genCpuMs += r.cpuMs;
    t.ms += r.elapsedMs;
    t.connections = Math.max(t.connections, r.connectionsUsed);
    for (const x of r.raw?.lat ?? []) t.lat.push(x);
    for (const x of r.raw?.service ?? []) t.service.push(x);
    for (const x of r.raw?.lag ?? []) t.lag.push(x);
  };
  const q = (xs: number[], p: number): number => {
    if (xs.length === 0) return NaN;
    const s = Float64Array.from(xs).sort();
    return Math.round((s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)] ?? NaN) * 1000) / 1000;
  };
  const openReport = (t: OpenTally): void => {
    const ms = (x: number): string => x.toFixed(2);
    log(
      `${t.label} @ ${RATE} req/s: ${t.lat.length} requests; from intended send p50 ${q(t.lat, 0.5)} ms, ` +
        `p99 ${q(t.lat, 0.99)} ms, p99.9 ${q(t.lat, 0.999)} ms; from actual send p50 ${q(t.service, 0.5)} ms, ` +
        `p99 ${q(t.service, 0.99)} ms; send lag p99 ${q(t.lag, 0.99)} ms; ≤ ${t.connections} connections; ` +
        `${t.checked} replies checked`,
    );
    log(
      `${t.label} @ ${RATE} req/s: servers' event-loop delay (1 ms sampling timer) per window ` +
        `p50/p99/max ${t.loopDelay.map((w) => w.map(ms).join('/')).join(', ')} ms; ` +
        `GC ${t.gcCount}× ${t.gcMs.toFixed(1)} ms, longest ${t.gcMax.toFixed(2)} ms; ` +
        `generator CPU ${Math.round((t.genCpuMs / Math.max(1, t.ms)) * 100)}% of one core`,
    );
  };

  try {
    // Closed loop: the four targets take turns, ROUNDS short windows each, so a change in the
    // machine's load hits all of them alike; each figure is requests / time over its windows.
    const ft = tally('fmz ticker', 'ticker', targets.fmzTicker);
    const bt = tally('baseline ticker', 'ticker', targets.baseTicker);
    const fd = tally('fmz depth', 'depth', targets.fmzDepth);
    const bd = tally('baseline depth', 'depth', targets.baseDepth);
    const fl = tally('floor (bare node:http, fixed reply)', 'ticker', targets.floor);
    const order = [ft, bt, fd, bd, fl].filter((t) => PHASES.has(t === fl ? 'floorClosed' : phaseName(t.label)));
    for (let round = 0; round < ROUNDS; round++) {
      // alternate which goes first, so neither side always follows the other
      for (const t of round % 2 === 0 ? order : [...order].reverse()) await closedRound(t);
    }
    for (const t of order) report(t);
    // Open loop: deskgate, the floor (bare node:http, fixed reply) and the baseline take turns too.
    const fo = openTally('fmz ticker', targets.fmzTicker);
    const lo = openTally('floor (bare node:http, fixed reply)', targets.floor);
    const bo = openTally('baseline ticker', targets.baseTicker);
    const openOrder = [fo, lo, bo].filter((t) =>
      PHASES.has(t === fo ? 'fmzOpen' : t === lo ? 'floorOpen' : 'baseOpen'),
    );
    for (let round = 0; round < ROUNDS; round++) {
      for (const t of round % 2 === 0 ? openOrder : [...openOrder].reverse()) await openRound(t);
    }
    for (const t of openOrder) openReport(t);
    const ratio = (a: number, b: number): number => Math.round((a / b) * 100) / 100;
    log(
      `ratios (fmz / baseline): throughput ticker ${ratio(rpsOf(ft), rpsOf(bt))}×, depth ${ratio(rpsOf(fd), rpsOf(bd))}× ` +
        `(target ≥ 20×); per server CPU-second ticker ${ratio(perCpuOf(ft), perCpuOf(bt))}×, ` +
        `depth ${ratio(perCpuOf(fd), perCpuOf(bd))}×; the floor's own ratio to the baseline (the ceiling of any ` +
        `FMZ server in this set-up): ticker ${ratio(rpsOf(fl), rpsOf(bt))}× throughput, ` +
        `${ratio(perCpuOf(fl), perCpuOf(bt))}× per CPU-second`,
    );
    log(`synthetic flow ran throughout (real-time driver ticks over the catch-up cap: ${driver.lagged})`);
    return {
      fmz_ticker_rps: rpsOf(ft),
      baseline_ticker_rps: rpsOf(bt),
      fmz_depth_rps: rpsOf(fd),
      baseline_depth_rps: rpsOf(bd),
      fmz_ticker_p99_ms_at_2k_rps: q(fo.lat, 0.99),
      ticker_rps_ratio: ratio(rpsOf(ft), rpsOf(bt)),
      depth_rps_ratio: ratio(rpsOf(fd), rpsOf(bd)),
      fmz_ticker_req_per_cpu_s: perCpuOf(ft),
      baseline_ticker_req_per_cpu_s: perCpuOf(bt),
      fmz_depth_req_per_cpu_s: perCpuOf(fd),
      baseline_depth_req_per_cpu_s: perCpuOf(bd),
      floor_rps: rpsOf(fl),
      floor_req_per_cpu_s: perCpuOf(fl),
      fmz_ticker_p50_ms_at_2k_rps: q(fo.lat, 0.5),
      fmz_ticker_p999_ms_at_2k_rps: q(fo.lat, 0.999),
      fmz_ticker_p99_from_send_ms_at_2k_rps: q(fo.service, 0.99),
      floor_p99_ms_at_2k_rps: q(lo.lat, 0.99),
      baseline_ticker_p99_ms_at_2k_rps: q(bo.lat, 0.99),
      fmz_server_loop_delay_p99_ms_at_2k_rps: Math.round(Math.max(...fo.loopDelay.map((w) => w[1])) * 1000) / 1000,
    };
  } finally {
    gc.disconnect();
    load.close();
    await floor.close();
    driver.stop();
    await base.close();
    await sim.close();
    await fmz.close();
    await venue.close();
  }
}
