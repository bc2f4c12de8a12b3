/**
 * Test support for the Dealer and L3 RPC servers: a sim engine with the default markets plus a
 * BTM-USDT market (the MOV client's own example pair), a funded trading account, a seeded order
 * flow on the book, SimVenue over it and the real GatewayPort (createVenuePort).
 */
import { createSimMarketData } from '../../src/api/market-data-sim.js';
import type { GatewayPort } from '../../src/api/gateway-port.js';
import { createVenuePort } from '../../src/api/venue-port.js';
import { systemClock } from '../../src/core/clock.js';
import { DEFAULT_MARKETS } from '../../src/venue/sim/default-markets.js';
import { SimEngine } from '../../src/venue/sim/engine.js';
import type { SimMarketConfig } from '../../src/venue/sim/engine-types.js';
import { SimVenue } from '../../src/venue/sim-venue/sim-venue.js';
import { TestFlow } from '../sim-server/support.js';

export const BTM_USDT: SimMarketConfig = {
  symbol: 'BTM-USDT',
  tickSize: '0.0001',
  lotSize: '0.1',
  minSize: '0.1',
  startPrice: '0.0500',
};

export const ACCOUNT = 'desk';

export interface Harness {
  readonly engine: SimEngine;
  readonly venue: SimVenue;
  readonly port: GatewayPort;
  readonly flows: Map<string, TestFlow>;
  close(): Promise<void>;
}

export async function makeHarness(seed = 5): Promise<Harness> {
  const engine = new SimEngine({ markets: [...DEFAULT_MARKETS, BTM_USDT], clock: systemClock, seed });
  engine.createAccount('flow');
  engine.depositText('flow', 'USDT', '50000000');
  engine.depositText('flow', 'BTC', '100000');
  engine.depositText('flow', 'BTM', '10000000');
  engine.createAccount(ACCOUNT);
  engine.depositText(ACCOUNT, 'USDT', '1000000');
  engine.depositText(ACCOUNT, 'BTC', '10');
  engine.depositText(ACCOUNT, 'BTM', '1000000');
  const flows = new Map<string, TestFlow>();
  for (const [i, s] of ['BTM-USDT', 'BTC-USDT'].entries()) {
    const f = new TestFlow(engine, s, seed * 10 + i);
    f.seed(30);
    for (let k = 0; k < 100; k++) f.step();
    flows.set(s, f);
  }
  const venue = new SimVenue({ engine, account: ACCOUNT });
  const c = await venue.connect();
  if (!c.ok) throw c.error;
  const port = createVenuePort(venue, createSimMarketData({ engine, account: ACCOUNT }));
  return {
    engine,
    venue,
    port,
    flows,
    close: () => venue.close(),
  };
}

/** Poll `cond` until true (event delivery is asynchronous); fails after `ms`. */
export async function waitFor(cond: () => boolean | Promise<boolean>, ms = 5000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
