/**
 * WebSocket session tokens handed out by `POST /api/v1/bullet-public` and `/bullet-private`.
 * A public token opens public topics only; a private token also carries the account whose
 * private topics (/spotMarket/tradeOrders, /account/balance) it may subscribe to.
 */
import { randomBytes } from 'node:crypto';

export interface TokenGrant {
  readonly private: boolean;
  readonly accountId: string | undefined;
  readonly expiresAt: number;
}

export class TokenStore {
  private readonly tokens = new Map<string, TokenGrant>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxTokens = 10_000,
  ) {}

  issue(nowMs: number, accountId?: string): string {
    if (this.tokens.size >= this.maxTokens) this.prune(nowMs);
    if (this.tokens.size >= this.maxTokens) {
      // still full: drop the oldest grant (Map keeps insertion order)
      const oldest = this.tokens.keys().next().value;
      if (oldest !== undefined) this.tokens.delete(oldest);
    }
    const token = randomBytes(48).toString('base64url');
    this.tokens.set(token, { private: accountId !== undefined, accountId, expiresAt: nowMs + this.ttlMs });
    return token;
  }

  check(token: string, nowMs: number): TokenGrant | undefined {
    const g = this.tokens.get(token);
    if (!g) return undefined;
    if (g.expiresAt < nowMs) {
      this.tokens.delete(token);
      return undefined;
    }
    return g;
  }

  private prune(nowMs: number): void {
    for (const [t, g] of this.tokens) if (g.expiresAt < nowMs) this.tokens.delete(t);
  }
}
