/**
 * Request guards of the native API: a token bucket per client address (src/venue/token-bucket.ts in
 * 'reject' mode) and the Host-header check that keeps a loopback-bound server out of reach of
 * DNS-rebinding pages. The bearer-token check is src/api/token.ts (shared with FMZ and /metrics).
 */
import type { Clock } from '../../core/clock.js';
import { TokenBucket } from '../../venue/token-bucket.js';

export interface ClientRateLimit {
  /** Sustained requests per second per client address (default 50). */
  readonly ratePerSec: number;
  /** Requests allowed back to back (default 100). */
  readonly burst: number;
}

export const DEFAULT_RATE_LIMIT: ClientRateLimit = { ratePerSec: 50, burst: 100 };

/** Token buckets by client address; the least recently used are dropped beyond `maxClients`. */
export class ClientBuckets {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    private readonly limit: ClientRateLimit,
    private readonly clock: Clock,
    private readonly maxClients = 10_000,
  ) {}

  /** 0 when the request may go, else the milliseconds until the client's next token. */
  take(client: string): number {
    let b = this.buckets.get(client);
    if (b) {
      this.buckets.delete(client);
    } else {
      b = new TokenBucket({ ratePerSec: this.limit.ratePerSec, burst: this.limit.burst, mode: 'reject' }, this.clock);
      if (this.buckets.size >= this.maxClients) this.buckets.delete(this.buckets.keys().next().value as string);
    }
    this.buckets.set(client, b);
    if (b.available() >= 1) {
      b.reserve(1);
      return 0;
    }
    return Math.max(1, Math.ceil(((1 - b.available()) * 1000) / this.limit.ratePerSec));
  }

  get size(): number {
    return this.buckets.size;
  }
}

const LOOPBACK_NAMES = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_NAMES.has(host);
}

/** Host header without its port; lower case. */
export function hostName(header: string | undefined): string {
  if (!header) return '';
  const h = header.trim().toLowerCase();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    return end < 0 ? h : h.slice(0, end + 1);
  }
  const colon = h.lastIndexOf(':');
  return colon < 0 ? h : h.slice(0, colon);
}
