/**
 * Fees the venue's stream does not carry (KuCoin tradeOrders): the kernel on CcxtVenue (ccxt.pro
 * kucoin, unmodified) against the sim's KuCoin server with the engine's default 10 bps fees. A
 * strategy slot makes maker fills (resting orders a taker crosses, one of them then cancelled, one
 * left open partly filled) and taker fills (crossing the taker's resting orders). Each fill's real
 * fee comes from the venue's REST fills and is charged to the slot: the slot then moved exactly as
 * the venue account did, main did not move, reconciliation finds no drift, and a replay of the
 * journal rebuilds the same balances.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { systemClock } from '../../src/core/clock.js';
import { GatewayKernel, type SlotText } from '../../src/gateway/kernel.js';
import { Journal } from '../../src/store/journal.js';
import { seededRandom } from '../../src/venue/backoff.js';
import { CcxtVenue } from '../../src/venue/ccxt/ccxt-venue.js';
import { pointCcxtProKucoinAt } from '../../src/venue/sim/server/ccxt-urls.js';
import { startSimServer } from '../../src/venue/sim/server/index.js';
import { GW, TAKER, kernelTotals, makeEngine, removeTempDirs, tempDir, until, venueTotals } from './support.js';

const KEY = { key: 'fee-key', secret: 'fee-secret', passphrase: 'fee-pass', accountId: GW };
const closers: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of closers.reverse()) await c().catch(() => undefined);
  removeTempDirs();
});

async function gateway(url: string, file: string): Promise<{ kernel: GatewayKernel; venue: CcxtVenue }> {
  const venue = await CcxtVenue.create({
    exchangeId: 'kucoin',
    credentials: { apiKey: KEY.key, secret: KEY.secret, password: KEY.passphrase },
    ccxtOptions: { enableRateLimit: false },
    configure: (ex) => pointCcxtProKucoinAt(ex as never, url),
    rateLimit: { ratePerSec: 200, burst: 50 },
    reconnect: { baseMs: 50, maxMs: 500 },
    random: seededRandom(5),
    symbols: ['BTC/USDT'],
  });
  const journal = new Journal({ file });
  const kernel = new GatewayKernel({
    name: 'feegw',
    venue,
    journal,
    strategies: { mm: 2 },
    shmPath: false,
    settleMs: 50,
    lagMs: 300,
    queryIntervalMs: 200,
    feeIntervalMs: 200,
    reconcileIntervalMs: 3_600_000,
  });
  closers.push(async () => {
    await kernel.stop();
    await venue.close();
    journal.close();
  });
  return { kernel, venue };
}

const slotRow = (rows: SlotText[] | undefined, i: number): SlotText | undefined => rows?.find((r) => r.index === i);

describe('fees missing from the stream are charged to the strategy slot from REST fills', () => {
  it('maker and taker fills at 10 bps: slot moves like the venue account, no drift, replay agrees', async () => {
    const engine = makeEngine(systemClock); // 10 / 10 bps
    const srv = await startSimServer({ engine, apiKeys: [KEY] });
    closers.push(() => srv.close());
    const dir = tempDir('fees');
    const file = join(dir, 'journal.db');
    const a = await gateway(srv.url, file);
    expect(a.venue.capabilities.fillFeesOnStream).toBe(false);
    const started = await a.kernel.start();
    expect(started.ok).toBe(true);
    for (const [currency, amount] of [
      ['USDT', '20000'],
      ['BTC', '0.5'],
    ] as const) {
      const r = await a.kernel.command('allocate', { strategy: 'mm', cmd: 'allocate', currency, amount, index: 2 });
      expect(r.ok).toBe(true);
    }
    const venue0 = venueTotals(engine, GW);
    const kernel0 = a.kernel.snapshot().balances;
    const mm0 = { USDT: slotRow(kernel0.USDT, 2)!.total, BTC: slotRow(kernel0.BTC, 2)!.total };
    const main0 = { USDT: slotRow(kernel0.USDT, 1)!.total, BTC: slotRow(kernel0.BTC, 1)!.total };

    const place = async (side: 'buy' | 'sell', price: string, size: string): Promise<string> => {
      const r = await a.kernel.command('place', { strategy: 'mm', instrument: 'BTC-USDT', side, price, size });
      expect(r.ok).toBe(true);
      const cid = (r as { value: { clientId: string } }).value.clientId;
      await until(() => a.kernel.state.tracker.get(cid)?.venueOrderId !== undefined, 5000, `ack of ${cid}`);
      return cid;
    };
    const taker = (side: 'buy' | 'sell', price: string, size: string, tif: 'GTC' | 'IOC'): void => {
      const r = engine.placeOrderText({
        account: TAKER,
        symbol: 'BTC-USDT',
        side,
        type: 'limit',
        price,
        size,
        timeInForce: tif,
      });
      expect(r.ok).toBe(true);
    };
    const filled = (cid: string, lots: number) => () => (a.kernel.state.tracker.get(cid)?.filledSize ?? 0) >= lots;

    // Maker: a buy filled in two pieces; a sell partly filled then cancelled; a sell left open partly filled.
    const makerBuy = await place('buy', '59900', '0.003');
    taker('sell', '59900', '0.001', 'IOC');
    taker('sell', '59900', '0.002', 'IOC');
    const makerSell = await place('sell', '60100', '0.004');
    taker('buy', '60100', '0.0015', 'IOC');
    await until(filled(makerSell, 150), 5000, 'maker sell partial fill');
    const cancel = await a.kernel.command('cancel', { strategy: 'mm', clientId: makerSell });
    expect(cancel.ok).toBe(true);
    const openSell = await place('sell', '60200', '0.002');
    taker('buy', '60200', '0.0007', 'IOC');
    // Taker: cross the taker account's resting orders.
    taker('sell', '60050', '0.002', 'GTC');
    const takerBuy = await place('buy', '60050', '0.002');
    taker('buy', '59950', '0.001', 'GTC');
    const takerSell = await place('sell', '59950', '0.001');

    const withFills = [makerBuy, makerSell, openSell, takerBuy, takerSell];
    const t = a.kernel.state.tracker;
    await until(
      () =>
        t.get(makerBuy)?.state === 'filled' &&
        t.get(makerSell)?.state === 'canceled' &&
        t.get(takerBuy)?.state === 'filled' &&
        t.get(takerSell)?.state === 'filled' &&
        (t.get(openSell)?.filledSize ?? 0) === 70,
      8000,
      'orders settled',
    ).catch((e: unknown) => {
      console.log(
        JSON.stringify(a.kernel.snapshot().orders),
        JSON.stringify(a.kernel.snapshot().errors),
        a.kernel.errors.lastError()?.message,
      );
      throw e;
    });
    await until(
      () => withFills.every((c) => a.kernel.state.feeLots(c) === (t.get(c)?.filledSize ?? -1)),
      8000,
      'every fill fee-booked',
    ).catch((e: unknown) => {
      console.log(JSON.stringify(a.kernel.snapshot().counters), a.kernel.errors.lastError()?.message);
      throw e;
    });
    expect(t.get(openSell)?.state).toBe('partially-filled');

    // The venue charged real fees on each of those fills (so this test could fail without them).
    const gwFills = engine.fills(GW, 'BTC-USDT', 1000);
    expect(gwFills.length).toBe(6);
    expect(gwFills.every((f) => f.fee > 0)).toBe(true);
    expect(new Set(gwFills.map((f) => f.liquidity))).toEqual(new Set(['maker', 'taker']));

    // Each trade's fee booked once: one `fee` entry per venue fill.
    expect(a.kernel.snapshot().counters.restFees).toBe(6);

    // The slot moved exactly as the venue account did; main did not move; slot 0 = venue.
    const venue1 = venueTotals(engine, GW);
    const k1 = a.kernel.snapshot().balances;
    for (const c of ['USDT', 'BTC'] as const) {
      const venueMove = dec(c, venue1[c].total) - dec(c, venue0[c].total);
      const slotMove = dec(c, slotRow(k1[c], 2)!.total) - dec(c, mm0[c]);
      expect(slotMove, `${c} slot move`).toBe(venueMove);
      expect(dec(c, slotRow(k1[c], 1)!.total), `${c} main`).toBe(dec(c, main0[c]));
    }
    expect(kernelTotals(a.kernel)).toEqual(venueTotals(engine, GW));

    // Reconciliation: nothing to correct.
    const rec = await a.kernel.reconcile();
    expect(rec).toBeDefined();
    expect(rec!.corrections).toEqual([]);
    expect(rec!.records.every((r) => r.verdict === 'consistent')).toBe(true);
    expect(a.kernel.state.requireLedger().checkInvariants().ok).toBe(true);
    const before = a.kernel.snapshot().balances;

    // Replay: a new kernel on the same journal rebuilds the same balances (fees included) and
    // books no fee twice.
    await a.kernel.stop();
    await a.venue.close();
    const b = await gateway(srv.url, file);
    const again = await b.kernel.start();
    expect(again.ok).toBe(true);
    if (again.ok) expect(again.value.replayErrors).toBe(0);
    expect(b.kernel.snapshot().balances).toEqual(before);
    expect(b.kernel.snapshot().counters.restFees).toBe(6);
    const rec2 = await b.kernel.reconcile();
    expect(rec2!.corrections).toEqual([]);
  }, 40_000);
});

/** Decimal text → integer units at the currency's engine precision (8 places is enough here). */
function dec(_c: string, s: string): bigint {
  const neg = s.startsWith('-');
  const [i, f = ''] = (neg ? s.slice(1) : s).split('.');
  const v = BigInt(i + f.padEnd(12, '0').slice(0, 12));
  return neg ? -v : v;
}
