/**
 * KuCoin private-request authentication (spec S3):
 *   KC-API-SIGN       = base64(HMAC-SHA256(secret, timestamp + METHOD + endpoint[?query] + body))
 *   KC-API-PASSPHRASE = base64(HMAC-SHA256(secret, passphrase)) for key version 2/3, plain for 1
 *   KC-API-TIMESTAMP  = client ms, accepted within a window of the server clock
 *   KC-API-KEY / KC-API-KEY-VERSION
 * KuCoin signs the URL text *before* URL-encoding; ccxt sends it un-encoded anyway. Both the raw
 * and the decoded request target are accepted. Comparisons are constant-time; secrets never leave
 * this module and are never logged.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { KC, type KcFailure } from './kc-errors.js';

export const apiKeySchema = z.object({
  key: z.string().min(1).max(128),
  secret: z.string().min(1).max(256),
  passphrase: z.string().min(1).max(128),
  accountId: z.string().min(1).max(64),
  /** What `GET /api/v1/hf/accounts/opened` answers for this key (ccxt then uses the HF endpoints). */
  hf: z.boolean().default(true),
});
export type ApiKeyConfig = z.input<typeof apiKeySchema>;
export type ApiKey = z.output<typeof apiKeySchema>;

export function kcHmac(secret: string, text: string): string {
  return createHmac('sha256', secret).update(text, 'utf8').digest('base64');
}

/** The headers a KuCoin client sends for one private request (used by tests and examples). */
export function kcSignHeaders(
  key: { key: string; secret: string; passphrase: string },
  method: string,
  endpoint: string,
  body: string,
  timestampMs: number,
): Record<string, string> {
  const ts = String(timestampMs);
  return {
    'KC-API-KEY': key.key,
    'KC-API-TIMESTAMP': ts,
    'KC-API-KEY-VERSION': '2',
    'KC-API-PASSPHRASE': kcHmac(key.secret, key.passphrase),
    'KC-API-SIGN': kcHmac(key.secret, ts + method.toUpperCase() + endpoint + body),
  };
}

function safeEqual(a: string, b: string): boolean {
  const ba = Buffer.from(a, 'utf8');
  const bb = Buffer.from(b, 'utf8');
  if (ba.length !== bb.length) return false;
  return timingSafeEqual(ba, bb);
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  if (Array.isArray(v)) return v[0];
  return v;
}

export interface AuthInput {
  readonly headers: Record<string, string | string[] | undefined>;
  readonly method: string;
  /** Request target as received: path plus `?query`. */
  readonly target: string;
  /** Raw body text ("" when none). */
  readonly body: string;
  readonly nowMs: number;
  readonly windowMs: number;
}

export type AuthResult = { ok: true; key: ApiKey } | { ok: false; error: KcFailure };

export class KeyStore {
  private readonly byKey = new Map<string, ApiKey>();

  constructor(keys: readonly ApiKeyConfig[]) {
    for (const k of keys) {
      const parsed = apiKeySchema.parse(k);
      this.byKey.set(parsed.key, parsed);
    }
  }

  get(key: string): ApiKey | undefined {
    return this.byKey.get(key);
  }

  verify(input: AuthInput): AuthResult {
    const key = header(input.headers, 'KC-API-KEY');
    const sign = header(input.headers, 'KC-API-SIGN');
    const ts = header(input.headers, 'KC-API-TIMESTAMP');
    const pass = header(input.headers, 'KC-API-PASSPHRASE');
    const version = header(input.headers, 'KC-API-KEY-VERSION') ?? '1';
    if (!key || !sign || !ts || !pass) return { ok: false, error: KC.headersMissing() };
    if (version !== '1' && version !== '2' && version !== '3') return { ok: false, error: KC.badKeyVersion() };
    if (!/^\d{1,16}$/.test(ts) || Math.abs(Number(ts) - input.nowMs) > input.windowMs) {
      return { ok: false, error: KC.badTimestamp() };
    }
    const k = this.byKey.get(key);
    if (!k) return { ok: false, error: KC.keyNotExists() };
    const expectedPass = version === '1' ? k.passphrase : kcHmac(k.secret, k.passphrase);
    if (!safeEqual(pass, expectedPass)) return { ok: false, error: KC.badPassphrase() };
    const method = input.method.toUpperCase();
    const candidates = [input.target];
    try {
      const decoded = decodeURIComponent(input.target);
      if (decoded !== input.target) candidates.push(decoded);
    } catch {
      // malformed escapes: only the raw target can match
    }
    for (const target of candidates) {
      if (safeEqual(sign, kcHmac(k.secret, ts + method + target + input.body))) return { ok: true, key: k };
    }
    return { ok: false, error: KC.badSignature() };
  }
}
