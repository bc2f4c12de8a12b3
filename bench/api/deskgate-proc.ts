/**
 * The `api` benchmark's deskgate process, deployed as a real gateway would be against a remote
 * venue: a CcxtVenue (ccxt.pro `kucoin`, pointed at the venue process's URL, signed with its API
 * key) whose BTC-USDT / ETH-USDT books are synced from the venue's WebSocket L3 feed (deskgate's
 * KuCoin L3 decoder + BookSync), live market data (src/api/market-data-live.ts: ticker bid/ask from
 * that book, 24 h stats from the venue's `/market/snapshot` push) and deskgate's FMZ server
 * (`startFmzServer`, path `/kucoin`, its pino logger at the default `info` level writing to
 * /dev/null). Also hosts the floor server (bench/api-floor.ts) so its p99 shows what this very
 * process gets from the machine. Args: JSON `{venueUrl, key}` in argv[2].
 */
import { pino } from 'pino';
import { createCcxtMarketData } from '../../src/api/market-data-ccxt.js';
import { createLiveMarketData } from '../../src/api/market-data-live.js';
import { createVenuePort } from '../../src/api/venue-port.js';
import { startFmzServer } from '../../src/api/fmz/server.js';
import { CcxtVenue } from '../../src/venue/ccxt/ccxt-venue.js';
import { pointCcxtProKucoinAt } from '../../src/venue/sim/server/ccxt-urls.js';
import { startFloorServer } from '../api-floor.js';
import { serveChild } from './proc.js';
import type { VenueInfo } from './venue-proc.js';

export interface DeskgateInfo {
  readonly fmzPort: number;
  readonly floorPort: number;
  readonly path: string;
}

if (process.argv[2] !== undefined && process.send !== undefined) {
  const args = JSON.parse(process.argv[2]) as { venueUrl: string; key: VenueInfo['key']; symbols: string[] };
  const venue = await CcxtVenue.create({
    exchangeId: 'kucoin',
    credentials: { apiKey: args.key.key, secret: args.key.secret, password: args.key.passphrase },
    configure: (ex) => pointCcxtProKucoinAt(ex as never, args.venueUrl),
    symbols: args.symbols,
  });
  const up = await venue.connect();
  if (!up.ok) throw up.error;
  const md = createLiveMarketData({
    venue,
    exchange: venue.exchange,
    fallback: createCcxtMarketData({ exchange: venue.exchange }),
  });
  const port = createVenuePort(venue, md, { name: 'kucoin' });
  const logger = pino({ level: 'info' }, pino.destination({ dest: '/dev/null', sync: false }));
  const fmz = await startFmzServer({ port: 0, gateways: [port], ccxt: false, logger });
  // warm the feeds: the first ticker / depth call of a symbol subscribes its book and ticker feed
  const warm = async (method: string, symbol: string): Promise<string> => {
    const body = JSON.stringify({ access_key: 'bench', secret_key: 'bench', nonce: 1, method, params: { symbol } });
    const res = await fetch(`${fmz.url}/kucoin`, { method: 'POST', body });
    const text = await res.text();
    if (!text.startsWith('{"data":')) throw new Error(`deskgate ${method} ${symbol}: ${text.slice(0, 300)}`);
    return text;
  };
  let tickerReply = '';
  for (const s of args.symbols) {
    const t = await warm('ticker', s.replace('/', '_'));
    if (tickerReply === '') tickerReply = t;
    await warm('depth', s.replace('/', '_'));
  }
  const floor = await startFloorServer(tickerReply);
  serveChild({ fmzPort: fmz.port, floorPort: floor.port, path: '/kucoin' } satisfies DeskgateInfo, {}, async () => {
    md.close();
    await floor.close();
    await fmz.close();
    await venue.close();
  });
}
