/**
 * A parent whose unfilled remainder is below the instrument's minimum order (spec.minLots) once no
 * child is open ends at once, done 'below-minimum' with the remainder kept — not at its end time
 * as 'expired'. The decision core and the runner, buy and sell; snapshots with and without the
 * remainder field (older journals) restore.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { initialState } from '../../../src/algo/decide.js';
import { AlgoRunner, type RunnerEvent, type RunnerSnapshot } from '../../../src/algo/runner.js';
import type {
  AlgoSideText,
  ChildExecutor,
  ChildPlacement,
  ExecResult,
  MarketSnapshot,
  MarketSource,
  ParentSpec,
} from '../../../src/algo/types.js';
import { T0, HOUR, child, market, places, round, spec } from './fixtures.js';

const SIDES: readonly AlgoSideText[] = ['buy', 'sell'];
const MIN = 10;
/** k·minLots + (minLots − 1) with k = 3. */
const SIZE = 3 * MIN + (MIN - 1);
const now = T0 + HOUR / 2;

const done = (side: AlgoSideText, filled: number, over: Parameters<typeof child>[0]) =>
  child({ side, size: filled, filled, filledNotional: filled * 10_000, open: false, ...over });

describe('decide: remainder below the minimum order', () => {
  for (const side of SIDES) {
    for (const mode of ['progressive', 'aggressive', 'passive', 'iceberg'] as const) {
      it(`${side} ${mode}: no child open and remainder < minLots → done 'below-minimum' now`, () => {
        const raw = mode === 'iceberg' ? { displaySize: MIN } : {};
        const s = spec({ mode, raw, side, size: SIZE, minLots: MIN });
        const kids = [0, 1, 2].map((i) => done(side, MIN, { clientId: `c${i}` }));
        const d = round({ spec: s, children: kids, state: { ...initialState(s), round: 4 } });
        expect(d).toMatchObject({ done: true, doneReason: 'below-minimum', remainder: MIN - 1, actions: [] });
        expect(d.state.round).toBe(5);
      });
    }

    it(`${side}: a partial fill leaving < minLots, child closed → done; still open → carries on`, () => {
      const s = spec({ side, size: 30, minLots: MIN, endAt: T0 + HOUR });
      const closed = child({ clientId: 'p', side, size: 30, filled: 25, filledNotional: 250_000, open: false });
      expect(round({ spec: s, children: [closed] })).toMatchObject({
        done: true,
        doneReason: 'below-minimum',
        remainder: 5,
      });
      // The venue has not said the child is done: it may still fill, so the parent waits.
      const open = { ...closed, open: true };
      const d = round({ spec: s, children: [open] });
      expect(d.done).toBe(false);
      expect(places(d)).toEqual([]); // and never places a child below the minimum meanwhile
      const cancelling = { ...closed, open: true, cancelling: true };
      expect(round({ spec: s, children: [cancelling] }).done).toBe(false);
    });

    it(`${side}: past the end time it still says below-minimum, not expired`, () => {
      const s = spec({ side, size: SIZE, minLots: MIN });
      const kids = [0, 1, 2].map((i) => done(side, MIN, { clientId: `c${i}` }));
      const d = round({ spec: s, children: kids, market: market({ now: s.endAt + 1 }) });
      expect(d).toMatchObject({ done: true, doneReason: 'below-minimum', remainder: MIN - 1 });
    });

    it(`${side}: a remainder of exactly minLots is worked, not ended`, () => {
      const s = spec({ side, size: 3 * MIN, minLots: MIN });
      const kids = [0, 1].map((i) => done(side, MIN, { clientId: `c${i}` }));
      const d = round({ spec: s, children: kids, market: market({ now: s.endAt - 1_000 }) });
      expect(d.done).toBe(false);
    });
  }

  it('before the start time nothing ends', () => {
    const s = spec({ size: SIZE, minLots: MIN, startAt: T0 + 60_000 });
    const kids = [0, 1, 2].map((i) => done('buy', MIN, { clientId: `c${i}` }));
    expect(round({ spec: s, children: kids, market: market({ now: T0 }) }).done).toBe(false);
  });
});

// ---- the runner -----------------------------------------------------------------------------

class Executor implements ChildExecutor {
  readonly placed: ChildPlacement[] = [];
  onPlace: ((id: string, p: ChildPlacement) => void) | undefined;
  private n = 0;
  async place(p: ChildPlacement): Promise<ExecResult<string>> {
    this.placed.push(p);
    const id = `c${++this.n}`;
    this.onPlace?.(id, p);
    return { ok: true, value: id };
  }
  async cancel(): Promise<ExecResult<void>> {
    return { ok: true, value: undefined };
  }
}

class Market implements MarketSource {
  constructor(private readonly clock: ManualClock) {}
  async snapshot(): Promise<ExecResult<MarketSnapshot>> {
    return { ok: true, value: market({ now: this.clock.now() }) };
  }
}

function setup(s: ParentSpec, restore?: RunnerSnapshot) {
  const clock = new ManualClock(s.startAt);
  const executor = new Executor();
  const events: RunnerEvent[] = [];
  const runner = new AlgoRunner({
    spec: s,
    executor,
    market: new Market(clock),
    clock,
    onEvent: (e) => events.push(e),
    ...(restore ? { restore } : {}),
  });
  return { clock, executor, runner, events };
}

/** An iceberg of SIZE lots with slices of MIN: three full slices, then 9 lots no slice can carry. */
const iceberg = (side: AlgoSideText): ParentSpec =>
  spec({ mode: 'iceberg', raw: { displaySize: MIN, roundMs: 1_000 }, side, size: SIZE, minLots: MIN });

describe('AlgoRunner: ends below the minimum at once', () => {
  for (const side of SIDES) {
    it(`${side}: size k·minLots + (minLots − 1) fills its slices, then ends done 'below-minimum'`, async () => {
      const s = iceberg(side);
      const { clock, executor, runner, events } = setup(s);
      executor.onPlace = (id, p) =>
        runner.childUpdate(id, { filled: p.size, filledNotional: (p.price ?? 0) * p.size, open: false });
      clock.set(now);
      for (let i = 0; i < 10 && runner.status === 'running'; i++) {
        clock.set(Math.max(clock.now(), runner.nextAt));
        await runner.step();
      }
      expect(executor.placed.map((p) => [p.side, p.size])).toEqual([
        [side, MIN],
        [side, MIN],
        [side, MIN],
      ]);
      expect(runner.status).toBe('done');
      expect(runner.reason).toBe('below-minimum');
      expect(runner.remainder).toBe(MIN - 1);
      expect(runner.filled).toBe(3 * MIN);
      expect(clock.now()).toBeLessThan(s.endAt - HOUR / 4); // minutes after the start, not at the end time
      expect(events.filter((e) => e.type === 'status')).toEqual([
        { type: 'status', status: 'done', reason: 'below-minimum', remainder: MIN - 1 },
      ]);
      const snap = runner.snapshot();
      expect(snap).toMatchObject({ status: 'done', reason: 'below-minimum', remainder: MIN - 1, filled: 3 * MIN });
    });

    it(`${side}: a partial fill that leaves < minLots ends the parent as soon as the child closes`, async () => {
      const s = spec({ mode: 'iceberg', raw: { displaySize: 30, roundMs: 60_000 }, side, size: 30, minLots: MIN });
      const { clock, executor, runner } = setup(s);
      clock.set(now);
      await runner.step();
      expect(executor.placed).toHaveLength(1);
      const id = runner.childViews()[0].clientId;
      runner.childUpdate(id, { filled: 25, filledNotional: 25 * 9_999, open: true });
      clock.set(now + 1_000);
      expect(runner.nextAt).toBe(now + 60_000); // still open: it may fill, the core's cadence holds
      expect((await runner.step()).ran).toBe(false);
      runner.childUpdate(id, { filled: 25, filledNotional: 25 * 9_999, open: false }); // cancelled at the venue
      expect(runner.nextAt).toBeLessThanOrEqual(clock.now()); // due at once, not in 59 s
      const r = await runner.step();
      expect(r).toMatchObject({ ran: true, status: 'done', placed: [] });
      expect(runner.reason).toBe('below-minimum');
      expect(runner.remainder).toBe(5);
    });
  }

  it('a snapshot round-trips the remainder; other states carry none', async () => {
    const { clock, executor, runner } = setup(iceberg('sell'));
    executor.onPlace = (id, p) =>
      runner.childUpdate(id, { filled: p.size, filledNotional: (p.price ?? 0) * p.size, open: false });
    clock.set(now);
    expect(runner.snapshot()).not.toHaveProperty('remainder');
    for (let i = 0; i < 10 && runner.status === 'running'; i++) {
      clock.set(Math.max(clock.now(), runner.nextAt));
      await runner.step();
    }
    const snap = JSON.parse(JSON.stringify(runner.snapshot())) as RunnerSnapshot;
    const again = setup(iceberg('sell'), snap).runner;
    expect([again.status, again.reason, again.remainder]).toEqual(['done', 'below-minimum', MIN - 1]);
    expect(again.snapshot()).toEqual(snap);
  });

  it('an older snapshot without the field restores: done stays as it was, a stuck live parent ends next round', async () => {
    const s = iceberg('buy');
    const kids = [0, 1, 2].map((i) =>
      child({ clientId: `old${i}`, tag: 'slice', size: MIN, filled: MIN, filledNotional: MIN * 9_999, open: false }),
    );
    const base = {
      state: { ...initialState(s), round: 3, nextAt: now + 30_000 },
      children: kids,
      fills: [],
      filled: 3 * MIN,
      filledNotional: 3 * MIN * 9_999,
    };
    // Written by an older build: the parent sat until its end time and expired.
    const expired = setup(s, { ...base, status: 'done', reason: 'expired' }).runner;
    expect([expired.status, expired.reason, expired.remainder]).toEqual(['done', 'expired', undefined]);
    expect(expired.snapshot()).not.toHaveProperty('remainder');
    // Written by an older build while it waited: restored, it is due at once and ends.
    const { clock, runner } = setup(s, { ...base, status: 'running' });
    clock.set(now);
    expect(runner.nextAt).toBeLessThanOrEqual(now);
    await runner.step();
    expect([runner.status, runner.reason, runner.remainder]).toEqual(['done', 'below-minimum', MIN - 1]);
  });

  it('a paused parent stuck below the minimum stays paused until resumed', async () => {
    const s = spec({ mode: 'iceberg', raw: { displaySize: 30, roundMs: 60_000 }, size: 30, minLots: MIN });
    const { clock, runner } = setup(s);
    clock.set(now);
    await runner.step();
    const id = runner.childViews()[0].clientId;
    await runner.pause('operator');
    runner.childUpdate(id, { filled: 25, filledNotional: 25 * 9_999, open: false });
    expect((await runner.step()).ran).toBe(false);
    expect(runner.status).toBe('paused');
    expect(runner.snapshot()).not.toHaveProperty('remainder');
    runner.resume();
    await runner.step();
    expect([runner.status, runner.reason, runner.remainder]).toEqual(['done', 'below-minimum', 5]);
  });
});
