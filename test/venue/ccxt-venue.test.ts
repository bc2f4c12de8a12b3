/**
 * CcxtVenue through ccxt.pro's own kucoin class against the sim's KuCoin-compatible server over
 * real loopback sockets: REST + private WebSocket streams through ccxt, the book through KuCoin's
 * native L3 feed (deskgate decoder + BookSync).
 */
import { systemClock } from '../../src/core/clock.js';
import { seededRandom } from '../../src/venue/backoff.js';
import { CcxtVenue, type CcxtCreateOptions } from '../../src/venue/ccxt/ccxt-venue.js';
import { pointCcxtProKucoinAt } from '../../src/venue/sim/server/ccxt-urls.js';
import { startSimServer } from '../../src/venue/sim/server/index.js';
import { makeEngine, TestFlow, TRADER } from '../sim-server/support.js';
import { runVenueConformance, type ConformanceContext } from './conformance.js';

async function ccxtContext(over: Partial<CcxtCreateOptions>, seed: number): Promise<ConformanceContext> {
  const engine = makeEngine(systemClock, seed);
  const flow = new TestFlow(engine, 'BTC-USDT', seed + 10);
  flow.seed(40);
  for (let i = 0; i < 200; i++) flow.step();
  const srv = await startSimServer({ engine, apiKeys: [TRADER] });
  const venue = await CcxtVenue.create({
    exchangeId: 'kucoin',
    credentials: { apiKey: TRADER.key, secret: TRADER.secret, password: TRADER.passphrase },
    ccxtOptions: { enableRateLimit: false },
    configure: (ex) => pointCcxtProKucoinAt(ex as never, srv.url),
    rateLimit: { ratePerSec: 200, burst: 50 },
    reconnect: { baseMs: 50, maxMs: 1000 },
    random: seededRandom(5),
    requestTimeoutMs: 5000,
    ...over,
  });
  return {
    venue,
    engine,
    account: TRADER.accountId,
    symbol: 'BTC-USDT',
    stepFlow: (n) => {
      for (let i = 0; i < n; i++) flow.step();
    },
    drop: () => srv.dropConnections(),
    close: async () => {
      await venue.close();
      await srv.close();
    },
  };
}

// kucoin as it is: native L3 book (deskgate decoder + BookSync), client-id query and cancel
runVenueConformance('CcxtVenue (ccxt.pro kucoin → sim server, native L3)', () => ccxtContext({}, 13));

// the generic ccxt paths: watchOrderBook L2 book, client-id query by scanning open/closed orders
runVenueConformance('CcxtVenue (generic paths: ccxt L2 book, client-id scan)', () =>
  ccxtContext({ book: 'l2', clientIds: { native: false } }, 14),
);
