/**
 * The `api` benchmark's venue process, run the way `deskgate sim` runs the simulated exchange:
 * the sim engine with seeded synthetic flow driven in real time, behind the sim's KuCoin-dialect
 * REST + WebSocket server. Options come as JSON in argv[2]: `latencyMs` and `publicRateLimit` (the
 * server's opt-in venue emulation, docs/sim-server.md), `flowRate` (commands/s, all markets).
 * Info: the REST base URL and the API key deskgate's CcxtVenue signs with.
 */
import { systemClock } from '../../src/core/clock.js';
import { DEFAULT_MARKETS } from '../../src/venue/sim/default-markets.js';
import { SimEngine } from '../../src/venue/sim/engine.js';
import { RealtimeDriver } from '../../src/venue/sim/flow/realtime-driver.js';
import { SyntheticFlow } from '../../src/venue/sim/flow/synthetic-flow.js';
import { startSimServer } from '../../src/venue/sim/server/index.js';
import { serveChild } from './proc.js';

export interface VenueArgs {
  readonly latencyMs: number;
  readonly publicRateLimit: boolean;
  readonly flowRate: number;
  readonly seed: number;
}

export interface VenueInfo {
  readonly url: string;
  readonly key: { readonly key: string; readonly secret: string; readonly passphrase: string };
}

export const BENCH_KEY = { key: 'bench-key', secret: 'bench-secret', passphrase: 'bench-pass', accountId: 'deskgate' };

if (process.argv[2] !== undefined && process.send !== undefined) {
  const args = JSON.parse(process.argv[2]) as VenueArgs;
  const clock = systemClock;
  const engine = new SimEngine({ markets: DEFAULT_MARKETS, clock, seed: args.seed });
  const flow = new SyntheticFlow(engine, {
    seed: args.seed,
    ratePerSec: args.flowRate / DEFAULT_MARKETS.length,
    startMs: clock.now(),
  });
  const driver = new RealtimeDriver(flow, { clock });
  driver.start();
  const srv = await startSimServer({
    engine,
    apiKeys: [BENCH_KEY],
    latencyMs: args.latencyMs,
    publicRateLimit: args.publicRateLimit,
  });
  serveChild(
    { url: srv.url, key: BENCH_KEY } satisfies VenueInfo,
    {
      counters: () => ({ rateLimited: srv.rateLimited, lagged: driver.lagged, wsConnections: srv.connectionCount }),
    },
    async () => {
      driver.stop();
      await srv.close();
    },
  );
}
