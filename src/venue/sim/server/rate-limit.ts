/**
 * KuCoin's REST rate limit for the *public* resource pool (opt-in `publicRateLimit` of the sim
 * server), as KuCoin's "Rate Limit" page documents it (https://www.kucoin.com/docs-new/rate-limit):
 *
 *   - a quota of 2000 weight per 30 s for the Public pool, at every VIP level; public endpoints are
 *     limited per client IP;
 *   - each call deducts its endpoint's weight; the 30 s window starts at the arrival of the client's
 *     first request (a fixed window, not a sliding one);
 *   - once the quota is used up: HTTP 429 with `{"code":"429000","msg":"Too Many Requests"}` until the
 *     window resets; the `gw-ratelimit-limit`, `gw-ratelimit-remaining` and `gw-ratelimit-reset`
 *     (ms until reset) headers tell the client where it stands.
 *
 * Weights per endpoint are KuCoin's per-endpoint "Public weight" figures as ccxt 4.5 carries them
 * (`node_modules/ccxt/js/src/kucoin.js`, `api.public.get` costs): market/stats 15, allTickers 15,
 * orderbook level1 2, level2_20 2, level2_100 4, symbols 4, currencies / markets / histories /
 * candles / timestamp / status 3, bullet-public 10. Private (signed) endpoints belong to other pools
 * and are not limited here. A rejected call deducts nothing. Pure: time is passed in.
 */

export interface PublicRateLimitOptions {
  /** Weight per window (KuCoin Public pool: 2000). */
  readonly quota?: number;
  /** Window length in ms (KuCoin: 30 000). */
  readonly windowMs?: number;
}

/** Public endpoint (fastify route pattern) → weight. Routes not listed are not limited. */
export const KC_PUBLIC_WEIGHTS: Readonly<Record<string, number>> = {
  '/api/v1/timestamp': 3,
  '/api/v1/status': 3,
  '/api/v1/symbols': 4,
  '/api/v2/symbols': 4,
  '/api/v1/symbols/:symbol': 4,
  '/api/v2/symbols/:symbol': 4,
  '/api/v1/markets': 3,
  '/api/v1/currencies': 3,
  '/api/v3/currencies': 3,
  '/api/v1/currencies/:currency': 3,
  '/api/v3/currencies/:currency': 3,
  '/api/v1/market/orderbook/level1': 2,
  '/api/v1/market/allTickers': 15,
  '/api/v1/market/stats': 15,
  '/api/v1/market/orderbook/level2_20': 2,
  '/api/v1/market/orderbook/level2_100': 4,
  '/api/v1/market/histories': 3,
  '/api/v1/market/candles': 3,
  '/api/v1/bullet-public': 10,
};

export interface RateDecision {
  readonly allowed: boolean;
  readonly limit: number;
  readonly remaining: number;
  /** ms until the client's window resets. */
  readonly resetMs: number;
}

interface Window {
  start: number;
  used: number;
}

export class PublicRateLimiter {
  readonly quota: number;
  readonly windowMs: number;
  /** Calls answered 429 since start. */
  rejected = 0;
  private readonly windows = new Map<string, Window>();

  constructor(opts: PublicRateLimitOptions = {}) {
    this.quota = opts.quota ?? 2000;
    this.windowMs = opts.windowMs ?? 30_000;
  }

  /** Weight of a route pattern, undefined when the route is not in the public pool. */
  static weightOf(route: string | undefined): number | undefined {
    return route === undefined ? undefined : KC_PUBLIC_WEIGHTS[route];
  }

  /** Charge `weight` to `client` at `now`; refuses (and counts) when the window's quota cannot cover it. */
  take(client: string, weight: number, now: number): RateDecision {
    let w = this.windows.get(client);
    if (!w || now - w.start >= this.windowMs) {
      w = { start: now, used: 0 };
      this.windows.set(client, w);
    }
    const resetMs = Math.max(0, w.start + this.windowMs - now);
    if (w.used + weight > this.quota) {
      this.rejected++;
      return { allowed: false, limit: this.quota, remaining: this.quota - w.used, resetMs };
    }
    w.used += weight;
    return { allowed: true, limit: this.quota, remaining: this.quota - w.used, resetMs };
  }
}
