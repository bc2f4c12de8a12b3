/**
 * Point an unmodified ccxt `kucoin` / `ccxt.pro.kucoin` instance at the sim server: every REST
 * base URL in `exchange.urls.api` becomes the sim's. The WebSocket endpoint then reaches ccxt
 * through the bullet-public / bullet-private replies, as on the real venue.
 */
export interface CcxtUrlsHolder {
  urls: { api?: unknown };
}

export function pointCcxtKucoinAt<T extends CcxtUrlsHolder>(exchange: T, baseUrl: string): T {
  const api = exchange.urls.api;
  if (api === null || typeof api !== 'object') throw new Error('exchange.urls.api is not an object');
  const table = api as Record<string, unknown>;
  for (const k of Object.keys(table)) if (typeof table[k] === 'string') table[k] = baseUrl;
  return exchange;
}

export interface CcxtProHolder extends CcxtUrlsHolder {
  loadHttpProxyAgent?: () => Promise<unknown>;
}

/**
 * As `pointCcxtKucoinAt`, plus what ccxt.pro needs for a plain `ws://` endpoint on Node: it refuses
 * non-TLS WebSocket URLs until `loadHttpProxyAgent()` has run once (ccxt's own public method).
 */
export async function pointCcxtProKucoinAt<T extends CcxtProHolder>(exchange: T, baseUrl: string): Promise<T> {
  pointCcxtKucoinAt(exchange, baseUrl);
  if (typeof exchange.loadHttpProxyAgent === 'function') await exchange.loadHttpProxyAgent();
  return exchange;
}
