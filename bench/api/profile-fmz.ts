/**
 * Profiling aid for the FMZ ticker/depth path alone (not part of `npm run bench`): deskgate's FMZ
 * server over the in-process sim (SimVenue + sim market data, flow running) in this process, load
 * from a forked bench/api-load.ts. Run under `node --cpu-prof --import tsx bench/api/profile-fmz.ts
 * [ticker|depth] [seconds]` and read the profile; it prints the closed-loop rate and CPU per request.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { systemClock } from '../../src/core/clock.js';
import { startFmzServer } from '../../src/api/fmz/server.js';
import { createSimMarketData } from '../../src/api/market-data-sim.js';
import { createVenuePort } from '../../src/api/venue-port.js';
import { DEFAULT_MARKETS } from '../../src/venue/sim/default-markets.js';
import { SimEngine } from '../../src/venue/sim/engine.js';
import { RealtimeDriver } from '../../src/venue/sim/flow/realtime-driver.js';
import { SyntheticFlow } from '../../src/venue/sim/flow/synthetic-flow.js';
import { SimVenue } from '../../src/venue/sim-venue/sim-venue.js';
import type { LoadResult } from '../api-load.js';

const method = process.argv[2] ?? 'ticker';
const seconds = Number(process.argv[3] ?? 5);
const clock = systemClock;
const engine = new SimEngine({ markets: DEFAULT_MARKETS, clock, seed: 7 });
const flow = new SyntheticFlow(engine, { seed: 7, ratePerSec: 100, startMs: clock.now() });
const driver = new RealtimeDriver(flow, { clock });
engine.createAccount('fmz');
const venue = new SimVenue({ engine, account: 'fmz', clock });
const up = await venue.connect();
if (!up.ok) throw up.error;
driver.start();
const port = createVenuePort(venue, createSimMarketData({ engine, account: 'fmz' }));
const logger = pino({ level: 'info' }, pino.destination({ dest: '/dev/null', sync: false }));
const fmz = await startFmzServer({ port: 0, gateways: [port], ccxt: false, logger });
const child = fork(fileURLToPath(new URL('../api-load.ts', import.meta.url)), ['api-load-child'], {
  execArgv: ['--import', 'tsx'],
  stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
});
let cpu0 = process.cpuUsage();
const r = await new Promise<LoadResult>((resolve, reject) => {
  child.on('message', (m: { mark?: string; ok?: boolean; result?: LoadResult; error?: string }) => {
    if (m.mark === 'start') cpu0 = process.cpuUsage();
    else if (m.mark === undefined) {
      if (m.ok === true && m.result) resolve(m.result);
      else reject(new Error(m.error));
    }
  });
  const params = method === 'depth' ? { symbol: 'BTC_USDT', limit: 20 } : { symbol: 'BTC_USDT' };
  child.send({
    kind: 'closed',
    target: {
      port: fmz.port,
      path: '/sim',
      body: JSON.stringify({ access_key: 'a', secret_key: 'b', nonce: 1, method, params }),
    },
    connections: 32,
    warmupMs: 500,
    durationMs: seconds * 1000,
    sampleEvery: 1000,
  });
});
const cpu = process.cpuUsage(cpu0);
const cpuMs = (cpu.user + cpu.system) / 1000;
process.stdout.write(
  `${method}: ${r.rps} req/s, errors ${r.errors}, p99 ${r.p99} ms, server CPU ${Math.round(cpuMs)} ms → ` +
    `${Math.round((cpuMs * 1000) / r.requests)} µs per request\n`,
);
child.kill();
driver.stop();
await fmz.close();
await venue.close();
process.exit(0);
