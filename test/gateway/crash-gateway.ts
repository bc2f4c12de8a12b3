/**
 * The gateway process of the crash test (test/gateway/crash.test.ts): a GatewayKernel on CcxtVenue
 * (ccxt.pro kucoin, unmodified) against the sim's KuCoin server in the parent process, journaling
 * to a SQLite file. A built-in driver keeps a few resting orders per strategy through the kernel's
 * command path. The parent kills this process with SIGKILL at random points and starts it again
 * on the same journal.
 *
 * env: CRASH_URL, CRASH_JOURNAL, CRASH_SHM, CRASH_KEY, CRASH_SECRET, CRASH_PASS, CRASH_SEED, CRASH_RUN
 * IPC in:  {type:'report'} → stop placing, settle every order in doubt, reconcile, reply
 * IPC out: {type:'ready', start}, {type:'report', snapshot, invariants}
 */
import { GatewayKernel } from '../../src/gateway/kernel.js';
import { Journal } from '../../src/store/journal.js';
import { seededRandom } from '../../src/venue/backoff.js';
import { CcxtVenue } from '../../src/venue/ccxt/ccxt-venue.js';
import { pointCcxtProKucoinAt } from '../../src/venue/sim/server/ccxt-urls.js';
import { Rng } from '../../src/venue/sim/rng.js';

const env = (k: string): string => {
  const v = process.env[k];
  if (v === undefined) throw new Error(`missing ${k}`);
  return v;
};
const send = (m: unknown): void => {
  process.send?.(m);
};

const STRATEGIES = ['mm', 'grid'] as const;
const rng = new Rng(Number(env('CRASH_SEED')) * 1000 + Number(env('CRASH_RUN')));

const venue = await CcxtVenue.create({
  exchangeId: 'kucoin',
  credentials: { apiKey: env('CRASH_KEY'), secret: env('CRASH_SECRET'), password: env('CRASH_PASS') },
  ccxtOptions: { enableRateLimit: false },
  configure: (ex) => pointCcxtProKucoinAt(ex as never, env('CRASH_URL')),
  rateLimit: { ratePerSec: 1000, burst: 200 },
  reconnect: { baseMs: 50, maxMs: 500 },
  random: seededRandom(7),
  requestTimeoutMs: 5000,
  symbols: ['BTC/USDT'],
});
const journal = new Journal({ file: env('CRASH_JOURNAL') });
const kernel = new GatewayKernel({
  name: 'crashgw',
  venue,
  journal,
  strategies: { mm: 2, grid: 3 },
  shmPath: env('CRASH_SHM'),
  settleMs: 100,
  lagMs: 400,
  queryIntervalMs: 200,
  reconcileIntervalMs: 2000,
  notFoundGraceMs: 1500,
  onStartStep: (step) => send({ type: 'step', step }),
});
const started = await kernel.start();
if (!started.ok) {
  process.stderr.write(`start failed: ${started.error.message}\n`);
  process.exit(2);
}
for (const s of STRATEGIES) {
  // Idempotency keys: a restart does not allocate twice (the journal refuses the key).
  await kernel.command(
    'allocate',
    { strategy: s, cmd: 'allocate', currency: 'USDT', amount: '20000', index: s === 'mm' ? 2 : 3 },
    `alloc-${s}-usdt`,
  );
  await kernel.command(
    'allocate',
    { strategy: s, cmd: 'allocate', currency: 'BTC', amount: '0.4', index: s === 'mm' ? 2 : 3 },
    `alloc-${s}-btc`,
  );
}
send({ type: 'ready', start: started.value });

let driving = true;
let inFlight = 0;
async function drive(): Promise<void> {
  while (driving) {
    for (const s of STRATEGIES) {
      if (!driving) break;
      if (kernel.state.tracker.openCount(s) + inFlight >= 8) continue;
      const buy = rng.chance(0.5);
      // Buys rest below 60 000, sells above: the parent's taker crosses them; they never cross each other.
      const price = buy ? 59_900 + rng.int(0, 50) / 10 : 60_100 + rng.int(0, 50) / 10;
      const size = (rng.int(20, 60) / 100_000).toFixed(5);
      inFlight++;
      await kernel.command('place', {
        strategy: s,
        instrument: 'BTC-USDT',
        side: buy ? 'buy' : 'sell',
        price: String(price),
        size,
      });
      inFlight--;
    }
    await new Promise((r) => setTimeout(r, 5));
  }
}
const driver = drive();

process.on('message', (m: { type?: string }) => {
  if (m?.type !== 'report') return;
  void (async () => {
    driving = false;
    await driver;
    for (let i = 0; i < 100; i++) {
      await kernel.querySweep(true);
      const snap = kernel.snapshot();
      const pending = snap.orders.filter(
        (o) => o.state === 'pending-new' || o.state === 'unknown' || o.state === 'pending-cancel',
      );
      if (snap.counters.lagging === 0 && snap.counters.unknown === 0 && pending.length === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await kernel.reconcile();
    const inv = kernel.state.requireLedger().checkInvariants();
    send({ type: 'report', snapshot: kernel.snapshot(), invariants: inv.ok ? 'ok' : inv.error.message });
  })();
});
