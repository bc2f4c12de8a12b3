/**
 * One engine of the `match` benchmark in its own process (forked by bench/match.bench.ts; it also
 * runs in a worker thread). The orchestrator sends `run` for each chunk of the stream in turn to
 * every engine, so drifting machine load hits all engines alike, and each has its own heap.
 */
import { parentPort, workerData } from 'node:worker_threads';
import {
  baselineRunner,
  deskgateRunner,
  fillHashBaseline,
  fillHashDeskgate,
  type Runner,
  type Stream,
} from './match-engines.js';

export type EngineKind = 'deskgate' | 'deskgate_full' | 'baseline';

export interface WorkerInput {
  readonly kind: EngineKind;
  readonly limit: number;
  readonly verifyOps: number;
  readonly stream: Omit<Stream, 'ids'>;
}

export type WorkerRequest =
  { readonly cmd: 'run'; readonly from: number; readonly to: number } | { readonly cmd: 'finish' };

export type WorkerReply =
  | { readonly type: 'ready' }
  | { readonly type: 'ran'; readonly nanos: number; readonly done: number }
  | {
      readonly type: 'finished';
      readonly filled: Float64Array;
      readonly hash: string;
      readonly nanos: number;
      readonly done: number;
    };

/** Messages in and out: a worker thread's port, or a forked child process's IPC channel. */
interface Channel {
  post(m: WorkerReply): void;
  onMessage(fn: (m: WorkerRequest) => void): void;
}

function start(input: WorkerInput, ch: Channel): void {
  const ids = new Array<string>(input.stream.n);
  for (let i = 0; i < input.stream.n; i++) ids[i] = String(i);
  const stream: Stream = { ...input.stream, ids };
  const make = (limit: number): Runner =>
    input.kind === 'baseline'
      ? baselineRunner(stream, limit)
      : deskgateRunner(stream, limit, input.kind === 'deskgate_full');
  // warm-up on a throw-away engine, then the measured one on a fresh pre-filled book
  const warm = Math.min(input.limit, input.kind === 'baseline' ? 5_000 : 50_000);
  make(warm).run(0, warm);
  const runner = make(input.limit);
  ch.post({ type: 'ready' });
  ch.onMessage((req) => {
    if (req.cmd === 'run') {
      runner.run(req.from, req.to);
      ch.post({ type: 'ran', nanos: Number(runner.nanos), done: runner.done });
      return;
    }
    let hash = '';
    if (input.verifyOps > 0) {
      hash =
        input.kind === 'baseline'
          ? fillHashBaseline(stream, input.verifyOps)
          : fillHashDeskgate(stream, input.verifyOps);
    }
    ch.post({ type: 'finished', filled: runner.filled, hash, nanos: Number(runner.nanos), done: runner.done });
  });
}

const port = parentPort;
if (port !== null) {
  start(workerData as WorkerInput, { post: (m) => port.postMessage(m), onMessage: (fn) => port.on('message', fn) });
} else if (process.send !== undefined) {
  // forked child: the first message is the input
  process.once('message', (input: WorkerInput) => {
    start(input, {
      post: (m) => process.send?.(m),
      onMessage: (fn) => process.on('message', fn),
    });
  });
} else {
  throw new Error('match-worker runs in a worker thread or a forked child process');
}
