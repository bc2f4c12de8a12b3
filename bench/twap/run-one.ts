/**
 * One evaluation run: a fresh seeded market (SimWorld), warmed up; one parent over the window,
 * driven by H1's AlgoRunner (progressive / aggressive / passive, spec from buildParentSpec with
 * default parameters) or by the naive baseline; the flow steps between the algo's wake-ups and
 * the account's order events are routed back to the algo; TCA at the end.
 */
import { AlgoRunner, type RunnerStatus } from '../../src/algo/runner.js';
import { buildParentSpec } from '../../src/algo/params.js';
import { computeTca, type TcaReport } from '../../src/algo/tca.js';
import type { ChildView } from '../../src/algo/types.js';
import { NaiveTwap } from './naive.js';
import type { RegimeName } from './regimes.js';
import { SimAlgoVenue, type ChildEventSink } from './sim-executor.js';
import { SimWorld } from './sim-world.js';

export type BenchMode = 'progressive' | 'aggressive' | 'passive' | 'naive';
export const BENCH_MODES: readonly BenchMode[] = ['progressive', 'aggressive', 'passive', 'naive'];

export interface RunSpec {
  readonly regime: RegimeName;
  readonly seed: number;
  readonly mode: BenchMode;
  /** Parent size as a share of the window's expected volume (0.01, 0.1). */
  readonly sizeShare: number;
  readonly windowMs: number;
  /** Naive slice interval (default 10 s). */
  readonly naiveSliceMs?: number;
}

export interface RunResult {
  readonly spec: RunSpec;
  readonly side: 'buy' | 'sell';
  readonly size: number;
  readonly expectedWindowVolume: number;
  readonly tca: TcaReport;
  /** Filled lots the algo itself counts (cross-check of the TCA's fills). */
  readonly algoFilled: number;
  readonly status: RunnerStatus | 'finished';
  readonly reason: string | undefined;
  readonly children: number;
  readonly placeErrors: number;
  /** Children still resting at the venue after the parent ended (cancelled by the harness). */
  readonly leftoverOpen: number;
  readonly wallMs: number;
}

const ACCOUNT = 'algo';
/** After endAt the harness waits this long for the algo's last cancels before sweeping. */
const GRACE_MS = 5_000;

interface Driven {
  readonly sink: ChildEventSink;
  readonly nextAt: number;
  readonly finished: boolean;
  step(now: number): Promise<number>;
  children(): ChildView[];
  filled(): number;
  readonly status: RunnerStatus | 'finished';
  readonly reason: string | undefined;
}

export async function runOne(spec: RunSpec): Promise<RunResult> {
  const wall0 = performance.now();
  const world = new SimWorld({ regime: spec.regime, seed: spec.seed });
  try {
    const perMinute = world.warmUp();
    const expected = perMinute * (spec.windowMs / 60_000);
    const m = world.engine.market(world.symbol);
    if (!m) throw new Error('market missing');
    const size = Math.max(m.minLots, Math.round(expected * spec.sizeShare));
    // parents alternate buy / sell with the seed; the same seed gives the same side to every mode
    const side = spec.seed % 2 === 0 ? 'buy' : 'sell';
    const startAt = world.clock.now();
    const endAt = startAt + spec.windowMs;

    // funds never bind: 50× the parent's notional on both sides
    world.engine.createAccount(ACCOUNT);
    const notional = (size * Number(m.instrument.lotSize) * Number(m.config.startPrice)) | 0;
    world.engine.depositText(ACCOUNT, m.quote, String(Math.max(1000, notional * 50)));
    world.engine.depositText(ACCOUNT, m.base, (size * 50 * Number(m.instrument.lotSize)).toFixed(8));

    world.record(startAt, endAt);
    const arrivalMid = world.mid();
    const venue = new SimAlgoVenue(world.engine, world.clock, ACCOUNT, world.symbol, 1);
    let placeErrors = 0;
    let driven: Driven;
    if (spec.mode === 'naive') {
      const naive = new NaiveTwap(
        { side, size, startAt, endAt, sliceMs: spec.naiveSliceMs ?? 10_000, minLots: m.minLots },
        venue,
      );
      driven = {
        sink: naive,
        get nextAt() {
          return naive.nextAt;
        },
        get finished() {
          return naive.finished;
        },
        step: async (now) => {
          await naive.step(now);
          venue.drain(naive);
          placeErrors = naive.errors;
          return naive.nextAt;
        },
        children: () => naive.children(),
        filled: () => naive.filled,
        status: 'finished',
        reason: undefined,
      };
    } else {
      const built = buildParentSpec(
        { mode: spec.mode, side, size, durationMs: spec.windowMs, seed: spec.seed, params: {} },
        { minLots: m.minLots, maxLots: m.maxLots },
        startAt,
      );
      if (!built.ok) throw new Error(`${spec.mode}: ${built.error.code} ${built.error.message}`);
      const runner = new AlgoRunner({ spec: built.value, executor: venue, market: venue, clock: world.clock });
      driven = {
        sink: runner,
        get nextAt() {
          return runner.nextAt;
        },
        get finished() {
          return runner.status !== 'running';
        },
        step: async () => {
          const r = await runner.step();
          venue.drain(runner);
          placeErrors += r.errors.filter((e) => e.stage === 'place').length;
          return runner.nextAt;
        },
        children: () => runner.childViews(),
        filled: () => runner.filled,
        get status() {
          return runner.status;
        },
        get reason() {
          return runner.reason;
        },
      };
    }

    const stepMs = world.flow.cfg.stepMs;
    for (;;) {
      const now = world.clock.now();
      if (driven.finished || now > endAt + GRACE_MS) break;
      const due = Math.min(Math.max(driven.nextAt, now), endAt + GRACE_MS + 1);
      if (due > now) {
        world.flow.advanceTo(due);
        if (world.clock.now() < due) world.clock.set(due);
        venue.drain(driven.sink);
        continue;
      }
      const next = await driven.step(now);
      // a step that is not due again later would spin: move the market on by one flow step
      if (next <= now && !driven.finished) {
        world.flow.advanceTo(now + stepMs);
        if (world.clock.now() < now + stepMs) world.clock.set(now + stepMs);
        venue.drain(driven.sink);
      }
    }
    // the market runs to the end of the window whatever the algo did
    if (world.clock.now() < endAt) world.flow.advanceTo(endAt);
    if (world.clock.now() < endAt) world.clock.set(endAt);
    const endMid = world.mid();
    const leftoverOpen = venue.openChildren();
    if (leftoverOpen > 0) world.engine.cancelAll(ACCOUNT, world.symbol);
    venue.drain(driven.sink);
    const children = driven.children();
    venue.close();

    const tca = computeTca({
      side,
      size,
      startAt,
      endAt,
      arrivalMid,
      endMid,
      mids: world.mids,
      trades: world.trades,
      children,
      fills: venue.fills,
      tickSize: m.instrument.tickSize,
      lotSize: m.instrument.lotSize,
    });
    if (!tca.ok) throw new Error(`tca: ${tca.error.message}`);
    return {
      spec,
      side,
      size,
      expectedWindowVolume: expected,
      tca: tca.value,
      algoFilled: driven.filled(),
      status: driven.status,
      reason: driven.reason,
      children: children.length,
      placeErrors,
      leftoverOpen,
      wallMs: performance.now() - wall0,
    };
  } finally {
    world.close();
  }
}
