/**
 * Raw API passthrough (`exchange.IO("api", …)`) for a sim gateway: the sim's KuCoin-dialect server
 * (src/venue/sim/server) on an ephemeral loopback port, with a fresh random API key for the gateway's
 * engine account, and a plain ccxt `kucoin` (REST only) pointed at it. `__api_/api/v1/accounts` on
 * `/sim` then answers exactly as KuCoin would, from the same engine and account the port trades.
 */
import { randomBytes } from 'node:crypto';
import ccxt from 'ccxt';
import type { SimEngine } from '../../venue/sim/engine.js';
import { pointCcxtKucoinAt } from '../../venue/sim/server/ccxt-urls.js';
import { startSimServer } from '../../venue/sim/server/index.js';
import type { Passthrough } from './methods.js';
import { ccxtPassthrough } from './passthrough.js';

export interface SimPassthrough {
  readonly passthrough: Passthrough;
  /** The sim server's REST base (loopback). */
  readonly url: string;
  close(): Promise<void>;
}

export async function startSimPassthrough(engine: SimEngine, account: string): Promise<SimPassthrough> {
  const key = {
    key: randomBytes(12).toString('hex'),
    secret: randomBytes(24).toString('hex'),
    passphrase: randomBytes(12).toString('hex'),
    accountId: account,
  };
  const srv = await startSimServer({ engine, apiKeys: [key] });
  const ex = new ccxt.kucoin({ apiKey: key.key, secret: key.secret, password: key.passphrase, enableRateLimit: false });
  pointCcxtKucoinAt(ex as never, srv.url);
  return {
    passthrough: ccxtPassthrough(ex),
    url: srv.url,
    close: () => srv.close(),
  };
}
