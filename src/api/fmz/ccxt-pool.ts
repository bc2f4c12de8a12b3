/**
 * Ports for ccxt exchanges named in the URL path (`/OKX`, `/binance`) but not configured: one
 * CcxtVenue + ccxt MarketDataSource + port (+ a FuturesDesk when the exchange lists contracts) per
 * (exchange id, hash of access_key + secret_key),
 * built from the request's credentials, kept in a bounded LRU (the least recently used account is
 * closed when the pool is full). Concurrent first calls of one account share one connect. A connect
 * that fails is not kept (bad keys do not occupy the pool).
 */
import ccxt, { type Exchange } from 'ccxt';
import { dgError, isDeskgateError } from '../../core/errors.js';
import { CcxtVenue, type CcxtCreateOptions } from '../../venue/ccxt/ccxt-venue.js';
import { createCcxtMarketData } from '../market-data-ccxt.js';
import { createVenuePort } from '../venue-port.js';
import { nodeTimers } from '../../venue/timers.js';
import { credentialKey, type FmzCredentials } from './credentials.js';
import { ccxtFutures } from './futures-ccxt.js';
import type { FmzTarget } from './methods.js';
import { ccxtPassthrough } from './passthrough.js';

export interface CcxtPoolOptions {
  /** Accounts kept connected at once (default 16). */
  readonly maxEntries?: number;
  /** Exchange ids allowed (lower-case ccxt ids); default every ccxt.pro exchange. */
  readonly allow?: readonly string[];
  /** Extra ccxt constructor options (never logged). */
  readonly ccxtOptions?: Readonly<Record<string, unknown>>;
  /** Set-up of each new ccxt instance (URL overrides; tests point kucoin at the sim server). */
  readonly configure?: (ex: Exchange, exchangeId: string) => Promise<unknown> | unknown;
  /** CcxtVenue options for every venue (rate limit, timeouts, book mode …). */
  readonly venue?: Omit<CcxtCreateOptions, 'exchangeId' | 'credentials' | 'ccxtOptions' | 'configure'>;
}

interface Entry {
  readonly ready: Promise<{ target: FmzTarget; venue: CcxtVenue }>;
}

/** Lower-case ccxt.pro id for a path name, or undefined. */
export function ccxtExchangeId(name: string): string | undefined {
  const id = name.toLowerCase();
  const list = (ccxt.pro as unknown as { exchanges?: readonly string[] }).exchanges ?? [];
  return list.includes(id) ? id : undefined;
}

export class CcxtPool {
  private readonly entries = new Map<string, Entry>();
  private readonly max: number;
  private closed = false;

  constructor(private readonly opts: CcxtPoolOptions = {}) {
    this.max = Math.max(1, opts.maxEntries ?? 16);
  }

  get size(): number {
    return this.entries.size;
  }

  allows(exchangeId: string): boolean {
    return this.opts.allow === undefined || this.opts.allow.includes(exchangeId);
  }

  /** The target of one account; throws a DeskgateError when it cannot be connected. */
  async target(exchangeId: string, accessKey: string, secretKey: string, creds: FmzCredentials): Promise<FmzTarget> {
    if (this.closed) throw dgError('DG_E_VENUE_UNAVAILABLE', 'server closing');
    const key = credentialKey(exchangeId, accessKey, secretKey);
    let entry = this.entries.get(key);
    if (entry) {
      this.entries.delete(key); // refresh LRU position
      this.entries.set(key, entry);
    } else {
      entry = { ready: this.build(exchangeId, creds) };
      this.entries.set(key, entry);
      entry.ready.catch(() => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
      });
      this.evict();
    }
    return (await entry.ready).target;
  }

  private evict(): void {
    while (this.entries.size > this.max) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) return;
      const e = this.entries.get(oldest);
      this.entries.delete(oldest);
      e?.ready.then(
        ({ venue }) => venue.close(),
        () => undefined,
      );
    }
  }

  private async build(exchangeId: string, creds: FmzCredentials): Promise<{ target: FmzTarget; venue: CcxtVenue }> {
    let venue: CcxtVenue;
    try {
      venue = await CcxtVenue.create({
        ...(this.opts.venue ?? {}),
        exchangeId,
        credentials: {
          apiKey: creds.apiKey,
          secret: creds.secret,
          ...(creds.password !== undefined ? { password: creds.password } : {}),
        },
        ccxtOptions: { ...(this.opts.ccxtOptions ?? {}), ...(creds.simulate ? { sandbox: true } : {}) },
        configure: (ex) => this.opts.configure?.(ex, exchangeId),
      });
    } catch (e) {
      throw isDeskgateError(e) ? e : dgError('DG_E_VENUE_UNAVAILABLE', `${exchangeId}: could not create the exchange`);
    }
    const up = await venue.connect();
    if (!up.ok) {
      await venue.close();
      throw up.error;
    }
    const ex = venue.exchange;
    const md = createCcxtMarketData({ exchange: ex });
    const port = createVenuePort(venue, md, { name: exchangeId });
    const tickers = md.tickers?.bind(md);
    // derivatives through the same ccxt instance (markets loaded, keys set); one rate budget per account
    const futures = ccxtFutures(ex, { gate: () => venue.limiter.acquire(nodeTimers) });
    return {
      target: {
        port,
        passthrough: ccxtPassthrough(ex),
        ...(tickers ? { tickers } : {}),
        ...(futures ? { futures } : {}),
      },
      venue,
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(
      all.map((e) =>
        e.ready.then(
          ({ venue }) => venue.close(),
          () => undefined,
        ),
      ),
    );
  }
}
