/**
 * The algo service with an instrument whose minimum order (0.0001 BTC = 10 lots) is coarser than
 * its lot (0.00001): a parent left with less than the minimum once its children are closed ends at
 * once, done 'below-minimum', buy and sell; the status view, its TCA and the CLI text show the
 * remainder and why; the journal keeps it across a restart; and an algo journal written before
 * the field existed still loads (a parent it left waiting ends at its next round).
 */
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startHttpApi } from '../../../src/api/http/server.js';
import { defaultParams } from '../../../src/algo/params.js';
import type { AlgoEvent } from '../../../src/algo/service/algo-service.js';
import type { AlgoView } from '../../../src/algo/service/status-view.js';
import type { RunnerSnapshot } from '../../../src/algo/runner.js';
import type { ChildView, ParentSpec } from '../../../src/algo/types.js';
import { formatAlgo } from '../../../src/cli/algo-command.js';
import { Journal } from '../../../src/store/journal.js';
import { call, StreamClient } from '../../api/http-support.js';
import { DEFAULT_MARKETS } from '../../../src/venue/sim/default-markets.js';
import {
  bootGateway,
  makeMarket,
  GW,
  removeTempDirs,
  settle,
  TAKER,
  tempDir,
  venueOpenChildren,
  type Gateway,
  type Market,
} from './support.js';

afterAll(() => removeTempDirs());
const open: Gateway[] = [];
afterEach(async () => {
  for (const g of open.splice(0)) await g.drop();
});

const SYMBOL = 'BTC-USDT';
const MIN_LOTS = 10; // minSize 0.0001 / lot 0.00001

/** support.ts makeMarket, with BTC-USDT's minimum order raised to 10 lots. */
function coarseMarket(seed = 7): Market {
  const markets = DEFAULT_MARKETS.map((mk) => (mk.symbol === SYMBOL ? { ...mk, minSize: '0.0001' } : mk));
  return makeMarket(seed, 31 * 60_000, 30, markets);
}

/** Time passes with no market flow (nothing but the test trades against the children). */
async function quiet(m: Market, g: Gateway, ms: number, stepMs = 250): Promise<void> {
  for (let t = 0; t < ms; t += stepMs) {
    m.clock.set(m.clock.now() + stepMs);
    await settle();
    await g.service.runDue();
    await settle();
  }
}

function view(g: Gateway, id: number): AlgoView {
  const r = g.service.status(id);
  if (!r.ok) throw r.error;
  return r.value;
}

/** Lots ahead of `clientOid` in its side's queue (better prices, then earlier at its price). */
function queueAhead(m: Market, clientOid: string): { price: number; ahead: number; side: 'buy' | 'sell' } {
  const o = m.engine.orderByClientOid(GW, clientOid);
  if (!o) throw new Error(`no venue order ${clientOid}`);
  const book = m.engine.l3Snapshot(SYMBOL);
  let ahead = 0;
  for (const r of o.side === 'buy' ? book.bids : book.asks) {
    if (r.orderId === o.orderId) return { price: o.price, ahead, side: o.side };
    ahead += r.size;
  }
  throw new Error(`${clientOid} is not resting`);
}

describe('algo service: remainder below the minimum order', () => {
  for (const side of ['buy', 'sell'] as const) {
    it(`${side}: a fill leaving < minLots ends the parent at once, done 'below-minimum'`, async () => {
      const m = coarseMarket();
      const dir = tempDir(`below-min-${side}`);
      let g = await bootGateway(m, dir, { fund: true });
      open.push(g);
      const events: AlgoEvent[] = [];
      g.service.on((e) => events.push(e));
      // One passive quote of the whole 30 lots (aheadMs covers the schedule), cancelled after 3 s.
      const started = await g.service.start({
        symbol: SYMBOL,
        side,
        size: '0.0003',
        mode: 'passive',
        duration: '10m',
        params: { aheadMs: 600_000, childTimeoutMs: 3_000, roundMs: 500 },
      });
      if (!started.ok) throw started.error;
      const id = started.value.id;
      expect(started.value).toMatchObject({ minSize: '0.0001', remainder: null, status: 'running' });
      await quiet(m, g, 500);
      const [quote] = view(g, id).children;
      expect(quote).toMatchObject({ size: '0.0003', open: true });

      // A taker trades 25 of its 30 lots: 5 are left, below the 10-lot minimum.
      const q = queueAhead(m, quote.clientId);
      const hit = m.engine.placeOrder({
        account: TAKER,
        symbol: SYMBOL,
        side: q.side === 'buy' ? 'sell' : 'buy',
        type: 'limit',
        price: q.price,
        size: q.ahead + 25,
        timeInForce: 'IOC',
      });
      expect(hit.ok).toBe(true);
      const filledAt = m.clock.now();
      await quiet(m, g, 250);
      const partial = view(g, id);
      expect(partial).toMatchObject({ filled: '0.00025', remaining: '0.00005' });

      // The quote is cancelled (re-priced, or timed out after 3 s); once the venue confirms, the
      // parent ends at its next look, not at its end time.
      const endAt = partial.endAt;
      for (let i = 0; i < 40 && view(g, id).status === 'running'; i++) await quiet(m, g, 250);
      expect(m.clock.now() - filledAt).toBeLessThanOrEqual(4_000);
      const v = view(g, id);
      expect(v).toMatchObject({
        status: 'done',
        reason: 'below-minimum',
        remainder: '0.00005',
        remaining: '0.00005',
        minSize: '0.0001',
        filled: '0.00025',
        openChildren: 0,
      });
      expect(m.clock.now()).toBeLessThan(endAt - 9 * 60_000); // seconds after the start, not at the end time
      expect(venueOpenChildren(m)).toEqual([]);
      const status = events.filter((e) => e.type === 'status');
      expect(status.map((e) => [e.view.status, e.view.reason, e.view.remainder])).toEqual([
        ['running', null, null],
        ['done', 'below-minimum', '0.00005'],
      ]);
      // One average-price format: the view's, its child's and the TCA's are the same string.
      expect(v.avgPrice).toBe(v.tca?.text.avgPrice);
      expect(v.children[0].avgPrice).toBe(v.avgPrice);
      expect(v.tca?.children[0].text.avgFillPrice).toBe(v.avgPrice);
      // The TCA does not count the 5 lots as an opportunity cost; it says so apart.
      expect(v.tca).toMatchObject({ unfillable: 5, opportunityCostBps: 0 });
      expect(v.tca?.text.unfillable).toBe('0.00005');
      // The CLI text says what is left and why.
      const text = formatAlgo(v, true);
      expect(text).toContain(' done (below-minimum) | filled 0.00025 avg ');
      expect(text).toContain(' | 0.00005 left, below the minimum order 0.0001 | ');
      expect(text).toMatch(/ \| below minimum 0\.00005 \(-?\d+\.\d\d bps at the end mid, not in shortfall\)/);
      const snap = g.service.snapshot(id) as RunnerSnapshot;
      expect(snap).toMatchObject({ status: 'done', reason: 'below-minimum', remainder: MIN_LOTS - 5 });

      // The journal keeps it: after a restart the parent is the same, nothing resumes.
      await g.drop();
      g = await bootGateway(m, dir);
      open.push(g);
      expect(g.opened).toMatchObject({ parents: 1, resumed: 0 });
      const again = view(g, id);
      expect(again).toMatchObject({ status: 'done', reason: 'below-minimum', remainder: '0.00005' });
      expect(again.avgPrice).toBe(v.avgPrice);
    }, 60_000);
  }
});

// ---- an older algo journal ------------------------------------------------------------------

function oldSpec(side: 'buy' | 'sell', startAt: number): ParentSpec {
  return {
    side,
    size: 3 * MIN_LOTS + (MIN_LOTS - 1),
    startAt,
    endAt: startAt + 3_600_000,
    minLots: MIN_LOTS,
    params: defaultParams('passive'),
    seed: 5,
  };
}

/** A snapshot as an older build wrote it: three 10-lot children filled and closed, no `remainder`. */
function oldSnapshot(id: number, side: 'buy' | 'sell', at: number, status: 'running' | 'done'): RunnerSnapshot {
  const price = 600_000; // ticks (60 000.0)
  const children: ChildView[] = [0, 1, 2].map((k) => ({
    clientId: `old${id}x${k}`,
    tag: 'passive',
    side,
    type: 'limit',
    price: price + k * k, // 600 000, 600 001, 600 004: the average is off the grid
    size: MIN_LOTS,
    filled: MIN_LOTS,
    filledNotional: (price + k * k) * MIN_LOTS,
    placedAt: at,
    round: k + 1,
    open: false,
    cancelling: false,
  }));
  return {
    state: { round: 3, nextAt: at + 60_000, rng: 77 },
    children,
    fills: children.map((c, k) => ({
      clientId: c.clientId,
      price: c.price as number,
      size: MIN_LOTS,
      fee: '0',
      liquidity: 'maker' as const,
      ts: at + k,
      tradeId: `t${id}-${k}`,
    })),
    status,
    ...(status === 'done' ? { reason: 'expired' } : {}),
    filled: 3 * MIN_LOTS,
    filledNotional: children.reduce((a, c) => a + c.filledNotional, 0),
  };
}

describe('algo service: an algo journal from before the remainder field', () => {
  it('loads; a parent it left waiting below the minimum ends at once, an expired one stays expired', async () => {
    const m = coarseMarket(9);
    const dir = tempDir('below-min-old');
    const at = m.clock.now() - 120_000;
    const journal = new Journal({ file: join(dir, `${GW}-algos.db`), clock: m.clock });
    const parents: [number, 'buy' | 'sell', 'running' | 'done'][] = [
      [1, 'buy', 'running'],
      [2, 'sell', 'running'],
      [3, 'buy', 'done'],
    ];
    for (const [id, side, status] of parents) {
      const spec = oldSpec(side, at);
      journal.append({
        kind: 'evt',
        type: 'start',
        payload: {
          id,
          strategy: 'algo',
          symbol: 'BTC/USDT',
          request: { strategy: 'algo', symbol: 'BTC/USDT', side, size: '0.00039', mode: 'passive', params: {} },
          spec,
          createdAt: at,
        },
      });
      journal.append({ kind: 'evt', type: 'tape', payload: { id, arrivalMid: 600_000.5, mids: [], trades: [] } });
      journal.append({ kind: 'evt', type: 'state', payload: { id, runner: oldSnapshot(id, side, at, status) } });
    }
    journal.close();

    const g = await bootGateway(m, dir, { fund: true });
    open.push(g);
    expect(g.opened).toMatchObject({ parents: 3, resumed: 2, adopted: 0 });
    const expired = view(g, 3);
    expect(expired).toMatchObject({ status: 'done', reason: 'expired', remainder: null, remaining: '0.00009' });
    expect(expired.tca?.unfillable).toBe(0); // nothing claimed after the fact: it ended as 'expired'
    expect(formatAlgo(expired)).not.toContain('left, below the minimum order');

    // Due at once (their journaled nextAt is a minute away): the first rounds end them.
    expect(view(g, 1).status).toBe('running');
    await quiet(m, g, 250, 250);
    for (const id of [1, 2]) {
      const v = view(g, id);
      expect(v).toMatchObject({
        side: id === 1 ? 'buy' : 'sell',
        status: 'done',
        reason: 'below-minimum',
        remainder: '0.00009',
        minSize: '0.0001',
        filled: '0.0003',
        avgPrice: '60000.16667', // 600 001.666… ticks: tick + 4 places, rounded (not 60000.166666666)
      });
      expect(v.tca?.text.avgPrice).toBe(v.avgPrice);
      expect(v.tca).toMatchObject({ unfillable: 9, opportunityCostBps: 0 });
      expect(formatAlgo(v)).toContain(
        ' done (below-minimum) | filled 0.0003 avg 60000.16667 | 0.00009 left, below the minimum order 0.0001 | ',
      );
    }
    expect(g.service.list().map((v) => [v.id, v.status, v.reason])).toEqual([
      [1, 'done', 'below-minimum'],
      [2, 'done', 'below-minimum'],
      [3, 'done', 'expired'],
    ]);

    // REST /v1/algos and the WS `algos` snapshot carry the same fields.
    const api = await startHttpApi({ port: g.port, algos: g.service, clock: m.clock });
    const ws = await StreamClient.open(api.url);
    try {
      const rest = await call<AlgoView[]>(api.url, 'GET', '/v1/algos');
      const one = await call<AlgoView>(api.url, 'GET', '/v1/algos/2');
      ws.send({ op: 'subscribe', channel: 'algos' });
      const snap = await ws.next((x) => x.channel === 'algos' && x.type === 'snapshot');
      const pick = (v: AlgoView) => [v.id, v.reason, v.remainder, v.minSize];
      const want = [
        [1, 'below-minimum', '0.00009', '0.0001'],
        [2, 'below-minimum', '0.00009', '0.0001'],
        [3, 'expired', null, '0.0001'],
      ];
      expect(rest.body.map(pick)).toEqual(want);
      expect((snap.data as AlgoView[]).map(pick)).toEqual(want);
      expect(one.body).toMatchObject({ remainder: '0.00009', tca: { unfillable: 9, text: { unfillable: '0.00009' } } });
    } finally {
      ws.close();
      await api.close();
    }
  }, 60_000);
});
