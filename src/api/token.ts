/**
 * Constant-time token comparison shared by every API that takes a token (FMZ and native REST
 * bearer headers, the KuCoin L3 RPC `token` field). Both sides are hashed with SHA-256 first, so
 * the comparison is over equal lengths and leaks neither the token's length nor a prefix match.
 * Each caller keeps its own input checks (header syntax, size bounds) before calling this.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

/** SHA-256 of a token; compute once for the configured token. */
export function tokenDigest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** True when `given` equals the token whose digest is `expected`, in constant time. */
export function tokenMatches(given: string, expected: Buffer): boolean {
  return timingSafeEqual(tokenDigest(given), expected);
}
