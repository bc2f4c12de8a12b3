/**
 * Credentials from an FMZ request (spec S1.2) and their redaction (S1.7). The platform carries a
 * passphrase inside the secret: `secret,passphrase[,simulate]` (OKX; KuCoin's passphrase the same
 * way); `simulate` ⇒ the exchange's demo trading (ccxt sandbox mode: OKX's x-simulated-trading).
 */
import { createHash } from 'node:crypto';

export interface FmzCredentials {
  readonly apiKey: string;
  readonly secret: string;
  readonly password: string | undefined;
  readonly simulate: boolean;
}

export function parseCredentials(accessKey: string, secretKey: string): FmzCredentials {
  const parts = secretKey.split(',');
  const secret = parts[0] ?? '';
  const password = parts.length > 1 && parts[1].length > 0 ? parts[1] : undefined;
  const simulate = parts.length > 2 && parts[2].trim().toLowerCase() === 'simulate';
  return { apiKey: accessKey, secret, password, simulate };
}

/** Cache key of one account: never the keys themselves. */
export function credentialKey(exchangeId: string, accessKey: string, secretKey: string): string {
  const h = createHash('sha256').update(accessKey).update('\u0000').update(secretKey).digest('hex');
  return `${exchangeId}:${h.slice(0, 32)}`;
}

/** Every secret-bearing string of a request, longest first (so substrings are covered too). */
export function secretsOf(accessKey: string, secretKey: string): string[] {
  const set = new Set<string>();
  for (const s of [accessKey, secretKey, ...secretKey.split(',')]) if (s.length >= 4) set.add(s);
  return [...set].sort((a, b) => b.length - a.length);
}

/** Replace every occurrence of a secret in `text` with "***". */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length > 0) out = out.split(s).join('***');
  return out;
}
