/**
 * Token checks shared by every API that takes a token: the one `Authorization: Bearer <token>` rule
 * (FMZ plugin server, native REST API, /metrics) and the constant-time comparison under it (also
 * used for the KuCoin L3 RPC `token` field, which carries its own size bound).
 *
 * Comparison: both sides are hashed with SHA-256 first, so it runs over equal lengths and leaks
 * neither the token's length nor a prefix match.
 *
 * Bearer rule: the header is exactly `Bearer ` (case as written) followed by 1–512 visible ASCII
 * characters (0x21–0x7e); anything else (missing header, other scheme, empty, longer, spaces,
 * control or non-ASCII characters) is refused without a match being possible.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { dgError } from '../core/errors.js';

/** Longest bearer token accepted, in characters. */
export const BEARER_TOKEN_MAX = 512;

const TOKEN_RE = /^[\x21-\x7e]{1,512}$/;
const BEARER_RE = /^Bearer ([\x21-\x7e]{1,512})$/;
const BEARER_HEADER_MAX = 'Bearer '.length + BEARER_TOKEN_MAX;

/** SHA-256 of a token; compute once for the configured token. */
export function tokenDigest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** True when `given` equals the token whose digest is `expected`, in constant time. */
export function tokenMatches(given: string, expected: Buffer): boolean {
  return timingSafeEqual(tokenDigest(given), expected);
}

/** True when `token` can be sent under the bearer rule (1–512 visible ASCII characters). */
export function isBearerToken(token: string): boolean {
  return TOKEN_RE.test(token);
}

/**
 * Digest of a configured bearer token, for bearerAuthorized. A token the bearer rule could never
 * accept is a configuration error here rather than a server that refuses every request; the
 * message names the rule, never the token.
 */
export function bearerDigest(token: string, what = 'token'): Buffer {
  if (!isBearerToken(token)) {
    throw dgError('DG_E_BAD_CONFIG', `${what} must be 1-${BEARER_TOKEN_MAX} visible ASCII characters (no spaces)`);
  }
  return tokenDigest(token);
}

/**
 * True when an `Authorization` header carries `Bearer <token>` under the bearer rule and the token
 * matches `expected` (a bearerDigest). A malformed header still costs one hash and one compare.
 */
export function bearerAuthorized(header: string | undefined, expected: Buffer): boolean {
  const m = header !== undefined && header.length <= BEARER_HEADER_MAX ? BEARER_RE.exec(header) : null;
  const ok = tokenMatches(m ? m[1] : '', expected);
  return ok && m !== null;
}
