/**
 * Restart of the algo service (issue #6 item 3): a kernel on the in-process sim venue with seeded
 * synthetic flow on a ManualClock; a progressive TWAP runs, then the gateway "crashes": its venue
 * connection and kernel timers stop and nothing else runs (the service is never closed, no journal
 * is closed, nothing is cancelled); the venue keeps trading while it is down (a taker sells into the
 * resting children), and a new kernel and service open the same journal files. The parent resumes
 * with the fills the tracker knows, no open child is left without a runner that owns it, and the
 * parent never fills more than its size; with onRestart 'cancel' every open child is cancelled.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { toUnits } from '../../../src/core/decimal.js';
import { isTerminal } from '../../../src/oms/order-states.js';
import {
  bootGateway,
  childrenOf,
  closeLeftovers,
  makeMarket,
  removeTempDirs,
  run,
  settle,
  TAKER,
  tempDir,
  venueOpenChildren,
  type Gateway,
  type Market,
} from './support.js';

afterAll(() => {
  closeLeftovers();
  removeTempDirs();
});

const SIZE = '0.2';

async function startTwap(g: Gateway): Promise<number> {
  const r = await g.service.start({
    symbol: 'BTC-USDT',
    side: 'buy',
    size: SIZE,
    mode: 'progressive',
    duration: '10m',
    seed: 5,
  });
  if (!r.ok) throw r.error;
  return r.value.id;
}

function lots(g: Gateway, text: string): number {
  return toUnits(text, g.kernel.instrument('BTC-USDT')!.size);
}

/** Σ filled of the parent's children as the kernel's tracker knows them (the truth). */
function trackerFilled(g: Gateway, id: number): number {
  return childrenOf(g.kernel, id).reduce((s, v) => s + v.filledSize, 0);
}

/** Invariants after every round: fills within the size; every open child owned by the runner. */
function invariants(g: Gateway, id: number): void {
  const size = lots(g, SIZE);
  expect(trackerFilled(g, id)).toBeLessThanOrEqual(size);
  const snap = g.service.snapshot(id)!;
  const owned = new Set(snap.children.filter((c) => c.open).map((c) => c.clientId));
  for (const v of childrenOf(g.kernel, id)) {
    if (!isTerminal(v.state) && !v.cancelRequested) expect(owned.has(v.clientId), v.clientId).toBe(true);
  }
}

async function crashAndRestart(
  m: Market,
  g: Gateway,
  dir: string,
  onRestart: 'resume' | 'cancel',
  whileDown?: () => void,
): Promise<Gateway> {
  await g.crash();
  // The venue keeps trading while the gateway is down: resting children may fill unseen.
  m.advance(20_000);
  whileDown?.();
  const next = await bootGateway(m, dir, { onRestart });
  await settle();
  return next;
}

describe('algo service restart', () => {
  it('resumes a TWAP with the tracker’s fills, owns every open child, never exceeds the size', async () => {
    const m = makeMarket(11);
    const dir = tempDir('resume');
    let g = await bootGateway(m, dir, { fund: true });
    const id = await startTwap(g);
    await run(m, g, 3 * 60_000, 500, () => invariants(g, id));
    // Crash with a child resting at the venue.
    for (let i = 0; i < 240 && venueOpenChildren(m).length === 0; i++)
      await run(m, g, 500, 500, () => invariants(g, id));
    expect(venueOpenChildren(m).length).toBeGreaterThan(0);
    const before = g.service.status(id);
    if (!before.ok) throw before.error;
    expect(before.value.status).toBe('running');
    expect(before.value.children.length).toBeGreaterThan(0);
    const filledBefore = lots(g, before.value.filled);
    const arrival = before.value.tca?.arrivalMid;
    expect(arrival).toBeGreaterThan(0);
    const tradesBefore = before.value.tca?.marketVolume ?? 0;

    // While the gateway is down a taker sells through the bids: the resting buy children fill unseen.
    g = await crashAndRestart(m, g, dir, 'resume', () => {
      const r = m.engine.placeOrderText({
        account: TAKER,
        symbol: 'BTC-USDT',
        side: 'sell',
        type: 'market',
        size: '1',
      });
      expect(r.ok).toBe(true);
    });
    expect(g.opened).toMatchObject({ parents: 1, resumed: 1, cancelled: 0 });
    const after = g.service.status(id);
    if (!after.ok) throw after.error;
    expect(after.value.status).toBe('running');
    // Same filled size as the tracker says (fills while down included), never less than before.
    expect(lots(g, after.value.filled)).toBe(trackerFilled(g, id));
    expect(lots(g, after.value.filled)).toBeGreaterThan(filledBefore);
    // The TCA's market tape came back from the journal.
    expect(after.value.tca?.arrivalMid).toBe(arrival);
    expect(after.value.tca?.marketVolume).toBeGreaterThanOrEqual(tradesBefore);
    invariants(g, id);

    // Run to the end of the schedule (10 min from the start).
    await run(m, g, 7 * 60_000 + 30_000, 500, () => invariants(g, id));
    await settle(20);
    const end = g.service.status(id);
    if (!end.ok) throw end.error;
    expect(end.value.status).toBe('done');
    expect(lots(g, end.value.filled)).toBe(trackerFilled(g, id));
    expect(lots(g, end.value.filled)).toBeLessThanOrEqual(lots(g, SIZE));
    expect(end.value.openChildren).toBe(0);
    expect(venueOpenChildren(m)).toEqual([]);
    // The TCA of the finished parent: its fills, its children, the market around it.
    const tca = end.value.tca!;
    expect(tca.filled).toBe(lots(g, end.value.filled));
    expect(tca.fillRatio).toBeCloseTo(tca.filled / lots(g, SIZE), 9);
    expect(tca.children.length).toBe(end.value.children.length);
    expect(tca.marketVolume).toBeGreaterThanOrEqual(tca.filled);
    expect(tca.participation).toBeGreaterThan(0);
    expect(Number.isFinite(tca.shortfallBps)).toBe(true);
    await g.drop();
  }, 120_000);

  it("with onRestart 'cancel' cancels the parent and every open child", async () => {
    const m = makeMarket(12);
    const dir = tempDir('cancel');
    let g = await bootGateway(m, dir, { fund: true });
    const id = await startTwap(g);
    // Run until a child rests at the venue, so the restart has something to cancel.
    for (let i = 0; i < 240 && venueOpenChildren(m).length === 0; i++) await run(m, g, 500);
    expect(venueOpenChildren(m).length).toBeGreaterThan(0);

    g = await crashAndRestart(m, g, dir, 'cancel');
    expect(g.opened).toMatchObject({ parents: 1, cancelled: 1, resumed: 0 });
    await settle(20);
    const v = g.service.status(id);
    if (!v.ok) throw v.error;
    expect(v.value.status).toBe('cancelled');
    expect(venueOpenChildren(m)).toEqual([]);
    expect(childrenOf(g.kernel, id).filter((c) => !isTerminal(c.state))).toEqual([]);
    expect(lots(g, v.value.filled)).toBe(trackerFilled(g, id));
    await g.drop();
  }, 120_000);

  it('adopts a child placed after the last snapshot and cancels children no parent owns', async () => {
    const m = makeMarket(13);
    const dir = tempDir('adopt');
    let g = await bootGateway(m, dir, { fund: true });
    const id = await startTwap(g);
    await run(m, g, 30_000);
    const inst = g.kernel.instrument('BTC-USDT')!;
    const book = await g.port.book(inst);
    if (!book.ok) throw book.error;
    const deepBid = book.value.levels(0, 10).at(-1)![0];
    const price = (deepBid - 50) * Number(inst.tickSize);
    const place = async (parent: number): Promise<string> => {
      const r = await g.kernel.command('place', {
        strategy: 'algo',
        instrument: 'BTC-USDT',
        side: 'buy',
        price: price.toFixed(inst.price.decimals),
        size: '0.001',
        parent,
      });
      if (!r.ok) throw r.error;
      return (r.value as { clientId: string }).clientId;
    };
    // With the service stopped (a live service cancels an unowned child at once): a child of the
    // live parent that no snapshot lists (as if the process died right after the kernel journaled
    // it), and one of a parent the service never had.
    await g.service.close();
    const unlisted = await place(id);
    const orphan = await place(id + 40);
    await settle();

    g = await crashAndRestart(m, g, dir, 'resume');
    expect(g.opened.adopted).toBeGreaterThanOrEqual(1);
    expect(g.opened.orphans).toBeGreaterThanOrEqual(1);
    const snap = g.service.snapshot(id)!;
    expect(snap.children.map((c) => c.clientId)).toContain(unlisted);
    expect(snap.children.map((c) => c.clientId)).not.toContain(orphan);
    await settle(20);
    expect(venueOpenChildren(m)).not.toContain(orphan);
    // A new parent never reuses a number the kernel has seen.
    const next = await startTwap(g);
    expect(next).toBeGreaterThan(id + 40);
    await g.service.cancel(next);
    await g.service.cancel(id);
    await settle(20);
    expect(venueOpenChildren(m)).toEqual([]);
    await g.drop();
  }, 120_000);
});
