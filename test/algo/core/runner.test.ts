import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { dgError, type ErrorCode } from '../../../src/core/errors.js';
import { AlgoRunner, type RunnerEvent, type RunnerSnapshot } from '../../../src/algo/runner.js';
import type {
  ChildExecutor,
  ChildPlacement,
  ExecResult,
  MarketSnapshot,
  MarketSource,
  ParentSpec,
} from '../../../src/algo/types.js';
import { target } from '../../../src/algo/schedule.js';
import { T0, HOUR, flatBars, ladder, market, spec } from './fixtures.js';

/** Scripted executor: records every call; errors can be queued per call. */
class ScriptedExecutor implements ChildExecutor {
  readonly calls: (['place', ChildPlacement] | ['cancel', string])[] = [];
  readonly placeErrors: (ErrorCode | undefined)[] = [];
  readonly cancelErrors: (ErrorCode | undefined)[] = [];
  private n = 0;
  /** Called synchronously inside place(), before it returns (a venue that reports early). */
  onPlace: ((id: string, p: ChildPlacement) => void) | undefined;

  constructor(private readonly prefix = 'c') {}

  async place(p: ChildPlacement): Promise<ExecResult<string>> {
    this.calls.push(['place', p]);
    const err = this.placeErrors.shift();
    if (err) return { ok: false, error: dgError(err, 'scripted') };
    const id = `${this.prefix}${++this.n}`;
    this.onPlace?.(id, p);
    return { ok: true, value: id };
  }

  async cancel(clientId: string): Promise<ExecResult<void>> {
    this.calls.push(['cancel', clientId]);
    const err = this.cancelErrors.shift();
    if (err) return { ok: false, error: dgError(err, 'scripted') };
    return { ok: true, value: undefined };
  }
}

/** Scripted market: a function of the clock, or an error for the next calls. */
class ScriptedMarket implements MarketSource {
  failures: ErrorCode[] = [];
  throws = false;
  /** Called after the snapshot is stamped, before it is returned (a slow read, or a control racing it). */
  onRead: (() => void) | undefined;
  constructor(
    private readonly clock: ManualClock,
    private readonly book: (now: number) => MarketSnapshot,
  ) {}
  async snapshot(): Promise<ExecResult<MarketSnapshot>> {
    if (this.throws) throw new Error('socket closed');
    const f = this.failures.shift();
    if (f) return { ok: false, error: dgError(f, 'scripted') };
    const value = this.book(this.clock.now());
    this.onRead?.();
    return { ok: true, value };
  }
}

// A book where every progressive sub-logic fires: bids outweigh asks, spread > 5, asks over threshold.
const busy = (now: number): MarketSnapshot =>
  market({
    now,
    bids: ladder(9_990, [50, 50, 50, 50, 50], -1),
    asks: ladder(10_000, [10 + (Math.floor(now / 1000) % 7), 10, 10, 10, 10], 1),
    bars: flatBars(60, 100, 10_000, now),
  });

function setup(s: ParentSpec = spec(), restore?: RunnerSnapshot, prefix = 'c') {
  const clock = new ManualClock(s.startAt);
  const executor = new ScriptedExecutor(prefix);
  const mkt = new ScriptedMarket(clock, busy);
  const events: RunnerEvent[] = [];
  const runner = new AlgoRunner({
    spec: s,
    executor,
    market: mkt,
    clock,
    onEvent: (e) => events.push(e),
    ...(restore ? { restore } : {}),
  });
  return { clock, executor, mkt, runner, events };
}

describe('AlgoRunner', () => {
  it('steps only when due; children get a view at once', async () => {
    const { clock, executor, runner } = setup();
    clock.set(T0 + HOUR / 2);
    const r = await runner.step();
    expect(r.ran).toBe(true);
    expect(r.placed.length).toBeGreaterThan(0);
    expect(runner.childViews().every((c) => c.open && c.filled === 0 && c.round === 1)).toBe(true);
    expect((await runner.step()).ran).toBe(false); // not due yet
    const n = executor.calls.length;
    clock.set(runner.nextAt);
    await runner.step();
    // the open children count against the budget, so nothing is placed twice
    const committed = runner.childViews().reduce((a, c) => a + c.size, 0);
    expect(committed).toBeLessThanOrEqual(runner.spec.size);
    expect(executor.calls.length).toBeGreaterThanOrEqual(n);
  });

  it('pauses on a market-source error, cancelling open children, and says why', async () => {
    const { clock, executor, mkt, runner, events } = setup();
    clock.set(T0 + HOUR / 2);
    await runner.step();
    const open = runner.childViews().map((c) => c.clientId);
    clock.set(runner.nextAt);
    mkt.failures.push('DG_E_VENUE_UNAVAILABLE');
    const r = await runner.step();
    expect(r.errors[0]).toMatchObject({ stage: 'market' });
    expect(runner.status).toBe('paused');
    expect(runner.reason).toContain('DG_E_VENUE_UNAVAILABLE');
    expect(executor.calls.filter((c) => c[0] === 'cancel').map((c) => c[1])).toEqual(open);
    expect(events.some((e) => e.type === 'status' && e.status === 'paused')).toBe(true);
    // paused: no stepping until resumed
    clock.advance(60_000);
    expect((await runner.step()).ran).toBe(false);
    runner.resume();
    expect(runner.status).toBe('running');
    expect((await runner.step()).ran).toBe(true);
  });

  it('a throwing market source also pauses (step never throws)', async () => {
    const { clock, mkt, runner } = setup();
    clock.set(T0 + HOUR / 2);
    mkt.throws = true;
    const r = await runner.step();
    expect(r.ran).toBe(true);
    expect(runner.status).toBe('paused');
    expect(runner.reason).toContain('socket closed');
  });

  it('pauses on DG_E_LEDGER_INSUFFICIENT; other place errors are reported and the round goes on', async () => {
    const a = setup();
    a.clock.set(T0 + HOUR / 2);
    a.executor.placeErrors.push('DG_E_VENUE_REJECTED');
    const r = await a.runner.step();
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0].error.code).toBe('DG_E_VENUE_REJECTED');
    expect(r.placed.length).toBeGreaterThan(0);
    expect(a.runner.status).toBe('running');

    const b = setup();
    b.clock.set(T0 + HOUR / 2);
    b.executor.placeErrors.push(undefined, 'DG_E_LEDGER_INSUFFICIENT');
    const r2 = await b.runner.step();
    expect(r2.placed).toHaveLength(1);
    expect(b.runner.status).toBe('paused');
    expect(b.runner.reason).toContain('insufficient');
    expect(b.executor.calls.filter((c) => c[0] === 'place')).toHaveLength(2);
  });

  it('snapshot → restore gives identical next actions', async () => {
    const s = spec({ seed: 777 });
    const a = setup(s);
    a.clock.set(T0 + HOUR / 2);
    for (let i = 0; i < 4; i++) {
      await a.runner.step();
      const kids = a.runner.childViews();
      if (kids.length > 0) {
        const k = kids[i % kids.length];
        a.runner.fill({
          clientId: k.clientId,
          price: k.price ?? 0,
          size: 1,
          fee: '0',
          liquidity: 'taker',
          ts: a.clock.now(),
          tradeId: `t${i}`,
        });
      }
      a.clock.set(a.runner.nextAt);
    }
    const snap = JSON.parse(JSON.stringify(a.runner.snapshot())) as RunnerSnapshot;
    const b = setup(s, snap, 'r');
    b.clock.set(a.clock.now());
    // Continue both; b's executor names children differently, so compare the placements themselves.
    const before = a.executor.calls.length;
    for (let i = 0; i < 5; i++) {
      const ra = await a.runner.step();
      const rb = await b.runner.step();
      expect(rb.round).toBe(ra.round);
      expect(rb.nextAt).toBe(ra.nextAt);
      a.clock.set(a.runner.nextAt);
      b.clock.set(b.runner.nextAt);
    }
    const tail = a.executor.calls.slice(before).map((c) => (c[0] === 'place' ? c : ['cancel', c[1]]));
    expect(tail.filter((c) => c[0] === 'place').length).toBeGreaterThan(0);
    expect(b.executor.calls.filter((c) => c[0] === 'place')).toEqual(tail.filter((c) => c[0] === 'place'));
    expect(b.runner.filled).toBe(a.runner.filled);
    expect(b.runner.snapshot().state).toEqual(a.runner.snapshot().state);
  });

  it('dedupes fills by (clientId, tradeId) and does not double count with absolute updates', async () => {
    const { clock, runner } = setup();
    clock.set(T0 + HOUR / 2);
    await runner.step();
    const k = runner.childViews()[0];
    const f = {
      clientId: k.clientId,
      price: 10_000,
      size: 3,
      fee: '0',
      liquidity: 'taker' as const,
      ts: 1,
      tradeId: 'x1',
    };
    runner.fill(f);
    runner.fill(f);
    expect(runner.filled).toBe(3);
    expect(runner.snapshot().fills).toHaveLength(1);
    runner.childUpdate(k.clientId, { filled: 3, filledNotional: 30_000, open: true });
    expect(runner.filled).toBe(3);
    runner.childUpdate(k.clientId, { filled: 5, filledNotional: 50_000, open: true });
    runner.fill({ ...f, tradeId: 'x2', size: 2 }); // the fill behind the update: no double count
    expect(runner.filled).toBe(5);
    expect(runner.filledNotional).toBe(50_000);
    runner.childUpdate(k.clientId, { filled: 4, filledNotional: 40_000, open: false }); // stale: never goes back
    const v = runner.childViews().find((c) => c.clientId === k.clientId);
    expect(v).toMatchObject({ filled: 5, open: false });
    // a restored runner keeps the dedupe keys
    const r2 = setup(runner.spec, runner.snapshot());
    r2.runner.fill(f);
    expect(r2.runner.filled).toBe(5);
  });

  it('keeps updates that arrive before place() returns', async () => {
    const { clock, executor, runner } = setup();
    executor.onPlace = (id, p) => {
      if (p.tag === 'trade') {
        runner.fill({
          clientId: id,
          price: p.price ?? 0,
          size: p.size,
          fee: '0',
          liquidity: 'taker',
          ts: 1,
          tradeId: `${id}-1`,
        });
        runner.childUpdate(id, { filled: p.size, filledNotional: (p.price ?? 0) * p.size, open: false });
      }
    };
    clock.set(T0 + HOUR / 2);
    await runner.step();
    const trades = runner.childViews().filter((c) => c.tag === 'trade');
    expect(trades.length).toBeGreaterThan(0);
    expect(trades.every((c) => !c.open && c.filled === c.size)).toBe(true);
  });

  it('cancel(): cancels the open children and is terminal', async () => {
    const { clock, executor, runner } = setup();
    clock.set(T0 + HOUR / 2);
    await runner.step();
    await runner.cancel('user');
    expect(runner.status).toBe('cancelled');
    expect(runner.reason).toBe('user');
    expect(executor.calls.filter((c) => c[0] === 'cancel')).toHaveLength(runner.childViews().length);
    expect(runner.childViews().every((c) => c.cancelling && c.open)).toBe(true); // open until the venue confirms
    runner.resume();
    expect(runner.status).toBe('cancelled');
    clock.advance(60_000);
    expect((await runner.step()).ran).toBe(false);
  });

  it('a child whose place was in flight during pause() is cancelled too', async () => {
    const { clock, executor, runner } = setup();
    let paused: Promise<void> | undefined;
    executor.onPlace = () => {
      if (!paused) paused = runner.pause('operator');
    };
    clock.set(T0 + HOUR / 2);
    const r = await runner.step();
    await paused;
    expect(r.placed).toHaveLength(1); // no further places after the pause
    expect(runner.status).toBe('paused');
    expect(runner.childViews().every((c) => c.cancelling)).toBe(true);
    expect(executor.calls.filter((c) => c[0] === 'cancel').map((c) => c[1])).toEqual(r.placed);
  });

  it('a disconnect on cancel pauses; the child is retried later', async () => {
    const { clock, executor, runner } = setup();
    clock.set(T0 + HOUR / 2);
    await runner.step();
    executor.cancelErrors.push('DG_E_VENUE_UNAVAILABLE');
    clock.advance(10_000); // every child is now past the 5 s timeout
    clock.set(Math.max(clock.now(), runner.nextAt));
    const first = runner.childViews().find((c) => !c.cancelling);
    await runner.step();
    expect(runner.status).toBe('paused');
    expect(runner.reason).toContain('DG_E_VENUE_UNAVAILABLE');
    // The refused cancel left the child open and not cancelling, so pause() sent it again.
    const sent = executor.calls.filter((c) => c[0] === 'cancel').map((c) => c[1]);
    expect(sent.filter((id) => id === first?.clientId)).toHaveLength(2);
    expect(runner.childViews().every((c) => c.cancelling)).toBe(true);
  });

  it('open children count at once: the next round does not place their lots again', async () => {
    const s = spec({ size: 100 }); // at half time: target 50, target(now + 30 s) 50
    const { clock, executor, runner } = setup(s);
    clock.set(T0 + HOUR / 2);
    await runner.step();
    clock.set(runner.nextAt);
    await runner.step();
    const sizes = executor.calls.flatMap((c) => (c[0] === 'place' ? [c[1].size] : []));
    expect(sizes.length).toBeGreaterThan(1);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(target(s, clock.now() + 30_000));
  });

  it('a pause while the snapshot is read decides nothing: no timer moves for children never sent', async () => {
    const s = spec({ mode: 'aggressive' });
    const { clock, executor, mkt, runner } = setup(s);
    clock.set(T0 + HOUR / 2);
    let paused: Promise<void> | undefined;
    mkt.onRead = () => {
      mkt.onRead = undefined;
      paused = runner.pause('operator');
    };
    const r = await runner.step();
    await paused;
    expect(r.placed).toEqual([]);
    expect(runner.snapshot().state.round).toBe(0);
    runner.resume();
    // The regular logic is still due: it was never carried out.
    const again = await runner.step();
    expect(again.placed).toHaveLength(1);
    expect(executor.calls.flatMap((c) => (c[0] === 'place' ? [c[1].tag] : []))).toEqual(['regular']);
  });

  it('places nothing once the clock reaches endAt, even from a snapshot stamped before it', async () => {
    const s = spec({ endAt: T0 + HOUR });
    const { clock, executor, mkt, runner } = setup(s);
    clock.set(T0 + HOUR - 60_000);
    mkt.onRead = () => {
      mkt.onRead = undefined;
      clock.set(s.endAt); // the read (bars, say) took until the end time
    };
    const r = await runner.step();
    expect(r.ran).toBe(true);
    expect(executor.calls.filter((c) => c[0] === 'place')).toEqual([]);
    await runner.step();
    expect(runner.status).toBe('done');
    expect(runner.reason).toBe('expired');
  });

  it('finishes: done with the core’s reason once the end is reached', async () => {
    const s = spec({ size: 10, endAt: T0 + 60_000 });
    const { clock, executor, runner } = setup(s);
    executor.onPlace = (id, p) =>
      runner.childUpdate(id, { filled: p.size, filledNotional: (p.price ?? 0) * p.size, open: false });
    for (let i = 0; i < 100 && runner.status === 'running'; i++) {
      clock.set(Math.max(clock.now(), runner.nextAt));
      await runner.step();
    }
    expect(runner.status).toBe('done');
    expect(runner.reason).toBe('filled');
    expect(runner.filled).toBe(10);
  });
});
