/**
 * Processes of the `api` benchmark. The parent (bench/api.bench.ts) forks each role (venue,
 * deskgate, baseline, load generator) as its own Node process (`--import tsx`) and talks to it
 * over IPC: a child sends `{ready, info}` once up, then answers requests `{id, cmd, arg}` with
 * `{id, ok, value | error}`. Every server child also measures its own measured windows: CPU time,
 * event-loop delay (1 ms sampling) and GC pauses between the `mark start` / `mark end` commands the
 * parent forwards from the load generator.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { constants, monitorEventLoopDelay, PerformanceObserver, type IntervalHistogram } from 'node:perf_hooks';

export interface WindowStats {
  /** CPU time (user + system) of the process over the window, ms. */
  readonly cpuMs: number;
  /** Event-loop delay over the window (ms): p50, p99, max. */
  readonly loopP50: number;
  readonly loopP99: number;
  readonly loopMax: number;
  readonly gcCount: number;
  readonly gcMs: number;
  readonly gcMaxMs: number;
  /** Of those, major (mark-compact) collections and the longest of them. */
  readonly gcMajor: number;
  readonly gcMajorMaxMs: number;
}

type Handler = (arg: unknown) => Promise<unknown> | unknown;

/** Child side: announce `info`, serve `handlers`, measure windows; `stop` closes and exits. */
export function serveChild(info: unknown, handlers: Record<string, Handler>, stop: () => Promise<void>): void {
  let cpu0: NodeJS.CpuUsage | undefined;
  let hist: IntervalHistogram | undefined;
  let gc = { count: 0, ms: 0, max: 0, major: 0, majorMax: 0 };
  let measuring = false;
  let last: WindowStats | undefined;
  const obs = new PerformanceObserver((list) => {
    if (!measuring) return;
    for (const e of list.getEntries()) {
      gc.count++;
      gc.ms += e.duration;
      gc.max = Math.max(gc.max, e.duration);
      if ((e as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) {
        gc.major++;
        gc.majorMax = Math.max(gc.majorMax, e.duration);
      }
    }
  });
  obs.observe({ entryTypes: ['gc'] });
  const builtin: Record<string, Handler> = {
    markStart: () => {
      cpu0 = process.cpuUsage();
      // a fresh monitor per window (re-enabling one would count the pause between windows)
      hist = monitorEventLoopDelay({ resolution: 1 });
      hist.enable();
      gc = { count: 0, ms: 0, max: 0, major: 0, majorMax: 0 };
      measuring = true;
      return true;
    },
    markEnd: () => {
      measuring = false;
      const c = process.cpuUsage(cpu0);
      hist?.disable();
      const h = hist;
      last = {
        cpuMs: Math.round((c.user + c.system) / 1000),
        loopP50: h ? h.percentile(50) / 1e6 : NaN,
        loopP99: h ? h.percentile(99) / 1e6 : NaN,
        loopMax: h ? h.max / 1e6 : NaN,
        gcCount: gc.count,
        gcMs: Math.round(gc.ms * 100) / 100,
        gcMaxMs: Math.round(gc.max * 100) / 100,
        gcMajor: gc.major,
        gcMajorMaxMs: Math.round(gc.majorMax * 100) / 100,
      };
      return true;
    },
    window: () => last,
    stop: async () => {
      obs.disconnect();
      await stop();
      setImmediate(() => process.exit(0));
      return true;
    },
  };
  process.on('message', (m: { id: number; cmd: string; arg?: unknown }) => {
    const h = builtin[m.cmd] ?? handlers[m.cmd];
    if (!h) {
      process.send?.({ id: m.id, ok: false, error: `unknown command ${m.cmd}` });
      return;
    }
    Promise.resolve()
      .then(() => h(m.arg))
      .then(
        (value) => process.send?.({ id: m.id, ok: true, value }),
        (e: unknown) => process.send?.({ id: m.id, ok: false, error: e instanceof Error ? e.message : String(e) }),
      );
  });
  process.send?.({ ready: true, info });
}

/** Parent side: one forked role. */
export class Proc<Info> {
  private readonly child: ChildProcess;
  private next = 1;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  readonly ready: Promise<Info>;
  /** Messages that are neither replies nor the ready notice (the load generator's marks). */
  onOther: (m: Record<string, unknown>) => void = () => undefined;

  constructor(
    readonly name: string,
    script: string,
    args: readonly string[],
    env: Record<string, string> = {},
  ) {
    this.child = fork(script, [...args], {
      execArgv: [
        ...(process.env[`API_BENCH_NODE_FLAGS_${name.toUpperCase()}`]?.split(' ').filter((f) => f !== '') ?? []),
        '--import',
        'tsx',
        ...(process.env.API_BENCH_CPU_PROF?.split(',').includes(name)
          ? ['--cpu-prof', '--cpu-prof-dir=/tmp/api-bench-prof']
          : []),
      ],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, ...env },
    });
    this.ready = new Promise<Info>((resolve, reject) => {
      const onExit = (code: number | null): void => {
        const e = new Error(`${name} process exited (${code})`);
        reject(e);
        for (const w of this.waiting.values()) w.reject(e);
        this.waiting.clear();
      };
      this.child.on('exit', onExit);
      this.child.on('message', (m: Record<string, unknown>) => {
        if (m.ready === true) {
          resolve(m.info as Info);
          return;
        }
        if (typeof m.id === 'number') {
          const w = this.waiting.get(m.id);
          if (!w) return;
          this.waiting.delete(m.id);
          if (m.ok === true) w.resolve(m.value);
          else w.reject(new Error(`${name}: ${String(m.error)}`));
          return;
        }
        this.onOther(m);
      });
    });
  }

  call<T>(cmd: string, arg?: unknown): Promise<T> {
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ id, cmd, arg });
    });
  }

  /** Raw message (the load generator takes jobs this way). */
  send(m: unknown): void {
    this.child.send(m as object);
  }

  get process(): ChildProcess {
    return this.child;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise<void>((r) => this.child.once('exit', () => r()));
    try {
      await Promise.race([this.call('stop'), new Promise((r) => setTimeout(r, 3000))]);
    } catch {
      // already gone
    }
    const t = setTimeout(() => this.child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(t);
  }
}
