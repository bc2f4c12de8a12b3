/**
 * The `api` benchmark's native load generator (bench/api/loadgen.c): built on first use with the
 * machine's C compiler into node_modules/.cache (keyed by the source's hash), then run once per
 * load job as its own process. Its window marks arrive on fd 3 as they happen; its results on
 * stdout when the job ends (format in loadgen.c), turned here into the LoadResult the Node
 * generator (bench/api-load.ts) also returns.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { latencySummary, percentile, requestBytes, round3, type LoadJob, type LoadResult } from '../api-load.js';

const SOURCE = fileURLToPath(new URL('./loadgen.c', import.meta.url));
const CACHE = fileURLToPath(new URL('../../node_modules/.cache/deskgate-bench/', import.meta.url));

/** Compiles loadgen.c unless a binary of this exact source exists; returns its path. */
export function buildLoadgen(): string {
  const src = readFileSync(SOURCE);
  const hash = createHash('sha256').update(src).digest('hex').slice(0, 16);
  const bin = path.join(CACHE, `loadgen-${hash}`);
  if (existsSync(bin)) return bin;
  mkdirSync(CACHE, { recursive: true });
  const tmp = `${bin}.${process.pid}.tmp`;
  const cc = process.env.CC ?? 'cc';
  try {
    execFileSync(cc, ['-O2', '-Wall', '-o', tmp, SOURCE], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    const err = e as { stderr?: Buffer; message: string };
    throw new Error(
      `cannot build the load generator with '${cc}' (${err.stderr?.toString().trim() || err.message}); ` +
        'install a C compiler or run with API_BENCH_GENERATOR=node',
      { cause: e },
    );
  }
  renameSync(tmp, bin);
  return bin;
}

/** Parses loadgen's stdout (see loadgen.c) into a LoadResult. */
export function parseLoadgenOutput(out: Buffer, open: boolean): LoadResult {
  let pos = 0;
  const line = (): string | undefined => {
    if (pos >= out.length) return undefined;
    const nl = out.indexOf(10, pos);
    const end = nl < 0 ? out.length : nl;
    const s = out.toString('latin1', pos, end);
    pos = end + 1;
    return s;
  };
  let head: number[] | undefined;
  let firstError: string | undefined;
  const samples: string[] = [];
  const lat: number[] = [];
  const service: number[] = [];
  const lag: number[] = [];
  let done = false;
  for (let l = line(); l !== undefined; l = line()) {
    const tag = l[0];
    if (tag === 'L') {
      const [, a, b, c] = l.split(' ');
      lat.push(Number(a) / 1e6);
      service.push(Number(b) / 1e6);
      lag.push(Number(c) / 1e6);
    } else if (tag === 'S') {
      const n = Number(l.slice(2));
      samples.push(out.toString('utf8', pos, pos + n));
      pos += n + 1;
    } else if (tag === 'R') head = l.slice(2).split(' ').map(Number);
    else if (tag === 'F') firstError = Buffer.from(l.slice(2), 'latin1').toString('utf8');
    else if (tag === 'D') done = true;
  }
  if (!head || head.length !== 6 || !done) throw new Error('load generator output is incomplete');
  const [requests, errors, rateLimited, elapsedUs, connectionsUsed, cpuUs] = head as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const elapsedMs = elapsedUs / 1000;
  const sorted = Float64Array.from(lat).sort();
  return {
    requests,
    errors,
    rateLimited,
    elapsedMs: round3(elapsedMs),
    rps: Math.round((requests / elapsedMs) * 1000),
    ...latencySummary(sorted),
    sendLagP99: open ? round3(percentile(Float64Array.from(lag).sort(), 0.99)) : 0,
    serviceP99: round3(percentile(Float64Array.from(open ? service : lat).sort(), 0.99)),
    connectionsUsed,
    cpuMs: Math.round(cpuUs / 1000),
    ...(open ? { raw: { lat, service, lag } } : {}),
    samples,
    ...(firstError !== undefined ? { firstError } : {}),
  };
}

/** Runs load jobs with the native generator; `onMark` hears its window opening and closing. */
export class NativeLoadGenerator {
  private readonly bin = buildLoadgen();
  private readonly dir = path.join(os.tmpdir(), `deskgate-loadgen-${process.pid}`);

  constructor(private readonly onMark: (at: 'start' | 'end') => void) {
    mkdirSync(this.dir, { recursive: true });
  }

  run(job: LoadJob): Promise<LoadResult> {
    const reqFile = path.join(this.dir, 'request.http');
    writeFileSync(reqFile, requestBytes(job.target));
    const open = job.kind === 'open';
    const args =
      job.kind === 'open'
        ? ['open', job.target.port, reqFile, job.rate, job.warmupMs, job.durationMs, job.sampleEvery]
            .concat([job.maxConnections, job.preconnect])
            .map(String)
        : ['closed', job.target.port, reqFile, job.connections, job.warmupMs, job.durationMs, job.sampleEvery].map(
            String,
          );
    return new Promise((resolve, reject) => {
      const child = spawn(this.bin, args, { stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let marks = '';
      child.stdout?.on('data', (b: Buffer) => out.push(b));
      child.stderr?.on('data', (b: Buffer) => err.push(b));
      const markPipe = child.stdio[3] as NodeJS.ReadableStream;
      markPipe.on('data', (b: Buffer) => {
        marks += b.toString('latin1');
        for (let nl = marks.indexOf('\n'); nl >= 0; nl = marks.indexOf('\n')) {
          const m = marks.slice(0, nl);
          marks = marks.slice(nl + 1);
          if (m === 'start' || m === 'end') this.onMark(m);
        }
      });
      child.on('error', reject);
      child.on('close', (code) => {
        if (code !== 0) {
          reject(new Error(`load generator exited ${code}: ${Buffer.concat(err).toString().trim()}`));
          return;
        }
        try {
          resolve(parseLoadgenOutput(Buffer.concat(out), open));
        } catch (e) {
          reject(e instanceof Error ? e : new Error(String(e)));
        }
      });
    });
  }

  close(): void {
    // each job's process has exited by the time its promise settles; nothing is kept running
  }
}
