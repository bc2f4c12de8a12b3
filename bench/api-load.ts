/**
 * Load generator of the `api` benchmark, run in its own process (forked by bench/api.bench.ts with
 * `--import tsx`) so it never shares the servers' event loop.
 *
 * A minimal HTTP/1.1 keep-alive client over raw `net` sockets: one request in flight per connection
 * (no pipelining), replies read by Content-Length (both servers under test send it). It is much
 * cheaper per request than node:http's client, so the generator is not the bottleneck.
 *
 * Modes:
 *   closed  N connections, each sends its next request as soon as the previous reply arrives, for a
 *           fixed duration after a warm-up: maximum throughput.
 *   open    fixed arrival rate: request i is due at t0 + i/rate, whatever the replies are doing. A due
 *           request takes a free connection (a new one is opened if none is free, up to a cap, else it
 *           queues). Latency is measured from the request's *intended* send time, so a slow reply that
 *           delays later sends is charged to them too (no coordinated omission).
 */
import net from 'node:net';
import { performance } from 'node:perf_hooks';

export interface LoadTarget {
  readonly port: number;
  readonly path: string;
  readonly body: string;
}

export interface ClosedJob {
  readonly kind: 'closed';
  readonly target: LoadTarget;
  readonly connections: number;
  readonly warmupMs: number;
  readonly durationMs: number;
  /** Keep every n-th reply body for validation. */
  readonly sampleEvery: number;
}

export interface OpenJob {
  readonly kind: 'open';
  readonly target: LoadTarget;
  readonly rate: number;
  readonly warmupMs: number;
  readonly durationMs: number;
  readonly maxConnections: number;
  readonly preconnect: number;
  readonly sampleEvery: number;
  /** Busy-wait (setImmediate) between sends less than 1 ms apart: exact send times, one core burnt. */
  readonly spin?: boolean;
}

export type LoadJob = ClosedJob | OpenJob;

export interface LoadResult {
  readonly requests: number;
  /** Replies that were not HTTP 200 with a `{"data":…}` body. */
  readonly errors: number;
  /** Of those, error replies relaying the venue's rate-limit refusal ("Too Many Requests"). */
  readonly rateLimited: number;
  readonly elapsedMs: number;
  readonly rps: number;
  /** Latency percentiles (ms): closed = per request; open = from intended send time. */
  readonly p50: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
  /** Open loop only: p99 of (actual send − intended send), the generator's own lag (ms). */
  readonly sendLagP99: number;
  /** Open loop only: p99 from the actual send (service time alone, ms). */
  readonly serviceP99: number;
  readonly connectionsUsed: number;
  /** CPU time (user + system) of the generator process over the measured window, ms. */
  readonly cpuMs: number;
  /** Open loop only: every measured request's latency from intended send, from actual send, and the send lag (ms). */
  readonly raw?: { readonly lat: number[]; readonly service: number[]; readonly lag: number[] };
  /** CPU time of the servers' process over the measured window, ms (filled in by the parent). */
  serverCpuMs?: number;
  readonly samples: string[];
  readonly firstError?: string;
}

type Done = (status: number, body: Buffer) => void;

const CRLFCRLF = Buffer.from('\r\n\r\n');

class Conn {
  private readonly sock: net.Socket;
  private buf: Buffer = Buffer.alloc(0);
  private done: Done | undefined;
  private failed: Error | undefined;
  busy = false;

  readonly connected: Promise<void>;

  constructor(port: number, onError: (e: Error) => void) {
    this.sock = net.connect({ host: '127.0.0.1', port, noDelay: true });
    this.connected = new Promise((r) => this.sock.once('connect', () => r()));
    this.sock.on('data', (chunk: Buffer) => this.onData(chunk));
    this.sock.on('error', (e) => {
      this.failed = e;
      onError(e);
    });
    this.sock.on('close', () => {
      if (this.done) {
        const d = this.done;
        this.done = undefined;
        d(0, Buffer.from(this.failed?.message ?? 'connection closed'));
      }
    });
  }

  send(req: Buffer, done: Done): void {
    this.busy = true;
    this.done = done;
    this.sock.write(req);
  }

  private onData(chunk: Buffer): void {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const end = this.buf.indexOf(CRLFCRLF);
    if (end < 0) return;
    const head = this.buf.toString('latin1', 0, end);
    const status = Number(head.slice(9, 12));
    const m = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    if (!m) {
      this.sock.destroy(new Error(`reply without Content-Length: ${head.slice(0, 200)}`));
      return;
    }
    const total = end + 4 + Number(m[1]);
    if (this.buf.length < total) return;
    const body = this.buf.subarray(end + 4, total);
    this.buf = this.buf.length > total ? this.buf.subarray(total) : Buffer.alloc(0);
    const d = this.done;
    this.done = undefined;
    this.busy = false;
    d?.(status, body);
  }

  close(): void {
    this.sock.destroy();
  }
}

/** The request as sent on the wire (keep-alive, Content-Length). */
export function requestBytes(t: LoadTarget): Buffer {
  const body = Buffer.from(t.body);
  return Buffer.concat([
    Buffer.from(
      `POST ${t.path} HTTP/1.1\r\nHost: 127.0.0.1:${t.port}\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${body.length}\r\nConnection: keep-alive\r\n\r\n`,
    ),
    body,
  ]);
}

const DATA_PREFIX = Buffer.from('{"data":');

/** An FMZ error reply relaying the venue's HTTP 429 (KuCoin 429000 "Too Many Requests"). */
function isRateLimited(body: Buffer): boolean {
  return body.includes('Too Many Requests');
}

function okReply(status: number, body: Buffer): boolean {
  return status === 200 && body.subarray(0, DATA_PREFIX.length).equals(DATA_PREFIX);
}

export function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? NaN;
}

/** p50 / p99 / p99.9 / max (ms, 3 decimals) of sorted latencies. */
export function latencySummary(sorted: Float64Array): { p50: number; p99: number; p999: number; max: number } {
  return {
    p50: round3(percentile(sorted, 0.5)),
    p99: round3(percentile(sorted, 0.99)),
    p999: round3(percentile(sorted, 0.999)),
    max: round3(sorted[sorted.length - 1] ?? NaN),
  };
}

export function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** Tells the parent (if forked) that the measured window starts / ends, so it can read its CPU time. */
function mark(at: 'start' | 'end'): void {
  process.send?.({ mark: at });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function runClosed(job: ClosedJob): Promise<LoadResult> {
  const req = requestBytes(job.target);
  const lat: number[] = [];
  const samples: string[] = [];
  let requests = 0;
  let errors = 0;
  let rateLimited = 0;
  let firstError: string | undefined;
  let measuring = false;
  let stopping = false;
  let seen = 0;
  let inflight = 0;
  const conns: Conn[] = [];
  let drained: () => void = () => undefined;
  const loop = (c: Conn): void => {
    if (stopping) return;
    const t0 = performance.now();
    inflight++;
    c.send(req, (status, body) => {
      inflight--;
      const t1 = performance.now();
      if (measuring) {
        requests++;
        lat.push(t1 - t0);
        if (!okReply(status, body)) {
          errors++;
          if (isRateLimited(body)) rateLimited++;
          else firstError ??= `${status} ${body.toString('utf8', 0, 300)}`;
        } else if (++seen % job.sampleEvery === 0) samples.push(body.toString('utf8'));
      }
      if (status === 0) return; // connection gone
      if (stopping) {
        if (inflight === 0) drained();
        return;
      }
      loop(c);
    });
  };
  for (let i = 0; i < job.connections; i++) {
    const c = new Conn(job.target.port, (e) => {
      firstError ??= e.message;
    });
    conns.push(c);
    loop(c);
  }
  await sleep(job.warmupMs);
  measuring = true;
  mark('start');
  const start = performance.now();
  const cpu0 = process.cpuUsage();
  await sleep(job.durationMs);
  measuring = false;
  mark('end');
  const elapsedMs = performance.now() - start;
  const cpu = process.cpuUsage(cpu0);
  stopping = true;
  await Promise.race([new Promise<void>((r) => (drained = r)), sleep(2000)]);
  for (const c of conns) c.close();
  const sorted = Float64Array.from(lat).sort();
  return {
    requests,
    errors,
    rateLimited,
    elapsedMs: round3(elapsedMs),
    rps: Math.round((requests / elapsedMs) * 1000),
    ...latencySummary(sorted),
    sendLagP99: 0,
    serviceP99: round3(percentile(sorted, 0.99)),
    connectionsUsed: conns.length,
    cpuMs: Math.round((cpu.user + cpu.system) / 1000),
    samples,
    ...(firstError !== undefined ? { firstError } : {}),
  };
}

export async function runOpen(job: OpenJob): Promise<LoadResult> {
  const req = requestBytes(job.target);
  const interval = 1000 / job.rate;
  const free: Conn[] = [];
  const all: Conn[] = [];
  const queue: number[] = []; // intended send times waiting for a connection
  const lat: number[] = [];
  const service: number[] = [];
  const lag: number[] = [];
  const samples: string[] = [];
  let requests = 0;
  let errors = 0;
  let rateLimited = 0;
  let seen = 0;
  let firstError: string | undefined;
  let outstanding = 0;

  // Connections opened before the clock starts (more are opened on demand, up to maxConnections).
  for (let i = 0; i < Math.min(job.preconnect, job.maxConnections); i++) {
    const c = new Conn(job.target.port, (e) => {
      firstError ??= e.message;
    });
    all.push(c);
    free.push(c);
  }
  await Promise.all(all.map((c) => c.connected));
  const t0 = performance.now();
  const measureFrom = t0 + job.warmupMs;
  const end = measureFrom + job.durationMs;
  const total = Math.floor(((job.warmupMs + job.durationMs) * job.rate) / 1000);
  let issued = 0;

  const connFor = (): Conn | undefined => {
    const c = free.pop();
    if (c) return c;
    if (all.length >= job.maxConnections) return undefined;
    const n = new Conn(job.target.port, (e) => {
      firstError ??= e.message;
    });
    all.push(n);
    return n;
  };

  let finished: () => void = () => undefined;
  const fire = (c: Conn, intended: number): void => {
    const sent = performance.now();
    outstanding++;
    c.send(req, (status, body) => {
      outstanding--;
      const now = performance.now();
      if (intended >= measureFrom && intended < end) {
        requests++;
        lat.push(now - intended);
        service.push(now - sent);
        lag.push(sent - intended);
        if (!okReply(status, body)) {
          errors++;
          if (isRateLimited(body)) rateLimited++;
          else firstError ??= `${status} ${body.toString('utf8', 0, 300)}`;
        } else if (++seen % job.sampleEvery === 0) samples.push(body.toString('utf8'));
      }
      if (status !== 0) {
        const next = queue.shift();
        if (next !== undefined) fire(c, next);
        else free.push(c);
      }
      if (issued >= total && outstanding === 0 && queue.length === 0) finished();
    });
  };

  // Timer ticks dispatch every request whose intended time has come; between ticks the process
  // sleeps (a spinning generator would steal the CPU the servers need on a small machine). The
  // tick's lateness is charged to the measured latency (sendLagP99 reports it separately).
  const tick = (): void => {
    const now = performance.now();
    while (issued < total && t0 + issued * interval <= now) {
      const intended = t0 + issued * interval;
      issued++;
      const c = connFor();
      if (c) fire(c, intended);
      else queue.push(intended);
    }
    if (issued < total) {
      const wait = t0 + issued * interval - performance.now();
      if (job.spin === true && wait <= 1) setImmediate(tick);
      else setTimeout(tick, Math.max(1, Math.floor(wait)));
    }
  };
  const done = new Promise<void>((r) => (finished = r));
  tick();
  await sleep(job.warmupMs);
  mark('start');
  const cpu0 = process.cpuUsage();
  await sleep(job.durationMs);
  const cpu = process.cpuUsage(cpu0);
  mark('end');
  await Promise.race([done, sleep(10_000)]);
  for (const c of all) c.close();
  const sorted = Float64Array.from(lat).sort();
  return {
    requests,
    errors,
    rateLimited,
    elapsedMs: job.durationMs,
    rps: Math.round((requests / job.durationMs) * 1000),
    ...latencySummary(sorted),
    sendLagP99: round3(percentile(Float64Array.from(lag).sort(), 0.99)),
    serviceP99: round3(percentile(Float64Array.from(service).sort(), 0.99)),
    connectionsUsed: all.length,
    cpuMs: Math.round((cpu.user + cpu.system) / 1000),
    raw: { lat, service, lag },
    samples,
    ...(firstError !== undefined ? { firstError } : {}),
  };
}

// forked child: each message is a job, each reply its result
if (process.send !== undefined && process.argv[2] === 'api-load-child') {
  process.on('message', (job: LoadJob) => {
    const run = job.kind === 'closed' ? runClosed(job) : runOpen(job);
    run.then(
      (r) => process.send?.({ ok: true, result: r }),
      (e: unknown) => process.send?.({ ok: false, error: e instanceof Error ? e.message : String(e) }),
    );
  });
}
