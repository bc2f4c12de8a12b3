/** Test helpers for the simulated exchange engine. */
import { ManualClock } from '../../src/core/clock.js';
import { SimEngine } from '../../src/venue/sim/engine.js';
import { DEFAULT_MARKETS } from '../../src/venue/sim/default-markets.js';
import type { EngineOptions, PlaceResult, SimMessage } from '../../src/venue/sim/engine-types.js';
import type { L3Event } from '../../src/core/events.js';

export const BTC = 'BTC-USDT';

export interface Harness {
  engine: SimEngine;
  clock: ManualClock;
  msgs: SimMessage[];
  l3(symbol?: string): L3Event[];
  clear(): void;
}

export function harness(opts: Partial<EngineOptions> = {}): Harness {
  const clock = new ManualClock(1_700_000_000_000);
  const engine = new SimEngine({ markets: DEFAULT_MARKETS, clock, seed: 42, ...opts });
  const msgs: SimMessage[] = [];
  engine.on((m) => msgs.push(m));
  return {
    engine,
    clock,
    msgs,
    l3: (symbol = BTC) => msgs.flatMap((m) => (m.type === 'l3' && m.symbol === symbol ? [m.event] : [])),
    clear: () => {
      msgs.length = 0;
    },
  };
}

/** Accounts a, b, c each with 1,000,000 USDT and 100 BTC and 1000 ETH. */
export function funded(opts: Partial<EngineOptions> = {}): Harness {
  const h = harness(opts);
  for (const id of ['a', 'b', 'c']) {
    h.engine.createAccount(id);
    for (const [cur, amt] of [
      ['USDT', '1000000'],
      ['BTC', '100'],
      ['ETH', '1000'],
    ] as const) {
      if (h.engine.currency(cur)) h.engine.depositText(id, cur, amt);
    }
  }
  h.clear();
  return h;
}

export function ok(r: PlaceResult): Extract<PlaceResult, { ok: true }> {
  if (!r.ok) throw new Error(`expected ok, got ${r.error.code}: ${r.error.message}`);
  return r;
}

/** Place a BTC-USDT limit order from decimal strings. */
export function limit(
  h: Harness,
  account: string,
  side: 'buy' | 'sell',
  price: string,
  size: string,
  extra: Record<string, unknown> = {},
): PlaceResult {
  return h.engine.placeOrderText({ account, symbol: BTC, side, type: 'limit', price, size, ...extra });
}

/** USDT / BTC in minor units (8 decimals). */
export const u = (x: string): number => {
  const [i, f = ''] = x.split('.');
  return Number(i + f.padEnd(8, '0'));
};
