/**
 * Test support for the FMZ server: a sim engine driven by the real synthetic flow (ManualClock,
 * seeded), a SimVenue for a funded trader account, the port over both, a log capture, and a POST
 * helper that speaks to the server over real loopback HTTP like the FMZ docker does.
 */
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { ManualClock } from '../../src/core/clock.js';
import { createSimMarketData } from '../../src/api/market-data-sim.js';
import { createVenuePort } from '../../src/api/venue-port.js';
import type { GatewayPort } from '../../src/api/gateway-port.js';
import { DEFAULT_MARKETS } from '../../src/venue/sim/default-markets.js';
import { SimEngine } from '../../src/venue/sim/engine.js';
import type { SimMarketConfig } from '../../src/venue/sim/engine-types.js';
import { SyntheticFlow } from '../../src/venue/sim/flow/synthetic-flow.js';
import { SimVenue } from '../../src/venue/sim-venue/sim-venue.js';

export const START_MS = 1_730_275_000_000;
export const LTC: SimMarketConfig = {
  symbol: 'LTC-USDT',
  tickSize: '0.01',
  lotSize: '0.001',
  minSize: '0.001',
  startPrice: '70',
  volatility: 0.8,
};

export interface SimRig {
  readonly clock: ManualClock;
  readonly engine: SimEngine;
  readonly flow: SyntheticFlow;
  readonly venue: SimVenue;
  readonly port: GatewayPort;
}

/** Engine with BTC, ETH, LTC; `minutes` of seeded synthetic flow; trader account funded. */
export async function simRig(minutes = 15, seed = 11): Promise<SimRig> {
  const clock = new ManualClock(START_MS);
  const engine = new SimEngine({ markets: [...DEFAULT_MARKETS, LTC], clock, seed });
  const flow = new SyntheticFlow(engine, {
    seed,
    ratePerSec: 4,
    startMs: START_MS,
    setTime: (t) => clock.set(t),
  });
  flow.advanceTo(START_MS + minutes * 60_000);
  engine.createAccount('trader');
  engine.depositText('trader', 'USDT', '1000000');
  engine.depositText('trader', 'BTC', '10');
  engine.depositText('trader', 'ETH', '100');
  engine.depositText('trader', 'LTC', '1000');
  const venue = new SimVenue({ engine, account: 'trader', clock });
  const up = await venue.connect();
  if (!up.ok) throw up.error;
  const port = createVenuePort(venue, createSimMarketData({ engine, account: 'trader' }));
  return { clock, engine, flow, venue, port };
}

export interface LogCapture {
  readonly logger: Logger;
  readonly lines: string[];
  text(): string;
}

export function captureLogs(): LogCapture {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  const logger = pino({ level: 'debug' }, stream);
  return { logger, lines, text: () => lines.join('') };
}

export interface FmzAnswer {
  status: number;
  body: { data?: unknown; raw?: unknown; error?: string };
}

export async function fmzPost(
  base: string,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<FmzAnswer> {
  const res = await fetch(base + path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as FmzAnswer['body'] };
}

/** The docker's envelope around one method call. */
export function call(method: string, params: Record<string, unknown>, keys = { ak: 'xxx', sk: 'xxx' }) {
  return { access_key: keys.ak, method, nonce: 1730275031047002000, params, secret_key: keys.sk };
}
