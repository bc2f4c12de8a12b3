/**
 * Paper-trade with an unmodified ccxt client on deskgate's simulated exchange (loopback only).
 *
 *   npx tsx examples/paper-trade-ccxt.ts [seconds]
 *
 * Starts the matching engine, the seeded synthetic flow in real time and the KuCoin-dialect
 * server on 127.0.0.1 (ephemeral port); then a `ccxt.pro.kucoin` client loads markets, watches
 * the order book, rests a bid below the market, market-buys a little, prints its balance and trades,
 * and cancels what is left.
 */
import ccxt from 'ccxt';
import { systemClock } from '../src/core/clock.js';
import { defaultMarkets } from '../src/venue/sim/default-markets.js';
import { SimEngine } from '../src/venue/sim/engine.js';
import { RealtimeDriver } from '../src/venue/sim/flow/realtime-driver.js';
import { SyntheticFlow } from '../src/venue/sim/flow/synthetic-flow.js';
import { pointCcxtProKucoinAt } from '../src/venue/sim/server/ccxt-urls.js';
import { startSimServer } from '../src/venue/sim/server/index.js';

const seconds = Number(process.argv[2] ?? '5');
const key = { key: 'paper-key', secret: 'paper-secret', passphrase: 'paper-pass', accountId: 'paper' };

const markets = defaultMarkets(['BTC-USDT', 'ETH-USDT']);
const engine = new SimEngine({ markets, clock: systemClock, seed: 1 });
const flow = new SyntheticFlow(engine, { seed: 1, ratePerSec: 200, startMs: systemClock.now() });
const driver = new RealtimeDriver(flow, { clock: systemClock });
driver.start();

const srv = await startSimServer({ engine, apiKeys: [key] });
engine.depositText('paper', 'USDT', '100000');
console.log(`sim server: REST ${srv.url}  WebSocket ${srv.wsUrl}`);

const ex = await pointCcxtProKucoinAt(
  new ccxt.pro.kucoin({ apiKey: key.key, secret: key.secret, password: key.passphrase }),
  srv.url,
);
try {
  await ex.loadMarkets();
  const book = await ex.watchOrderBook('BTC/USDT');
  console.log(`BTC/USDT book: bid ${book.bids[0]?.[0]} ask ${book.asks[0]?.[0]} (nonce ${book.nonce})`);
  const bid = ex.priceToPrecision('BTC/USDT', (book.bids[0]?.[0] ?? 60000) * 0.99);
  const resting = await ex.createOrder('BTC/USDT', 'limit', 'buy', 0.01, Number(bid));
  console.log(`rested buy 0.01 @ ${bid}: ${resting.id}`);
  const taken = await ex.createOrder('BTC/USDT', 'market', 'buy', 0.002);
  console.log(`market buy 0.002: ${taken.id}`);
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    const ob = await ex.watchOrderBook('BTC/USDT');
    process.stdout.write(`\rbid ${ob.bids[0]?.[0]}  ask ${ob.asks[0]?.[0]}  nonce ${ob.nonce}   `);
  }
  process.stdout.write('\n');
  const bal = await ex.fetchBalance();
  console.log(`balance: USDT free ${bal.USDT?.free} used ${bal.USDT?.used}; BTC total ${bal.BTC?.total}`);
  const fills = await ex.fetchMyTrades('BTC/USDT');
  console.log(`my trades: ${fills.length}, last ${fills.at(-1)?.amount} @ ${fills.at(-1)?.price}`);
  await ex.cancelOrder(resting.id as string, 'BTC/USDT');
  console.log(`open orders after cancel: ${(await ex.fetchOpenOrders('BTC/USDT')).length}`);
} finally {
  await ex.close();
  driver.stop();
  await srv.close();
}
