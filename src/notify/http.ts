/** Minimal JSON-over-HTTP POST for notifiers: timeout, bounded reply size, no secrets in errors. */
import type { SendOutcome } from './types.js';

export interface HttpReply {
  readonly status: number;
  readonly headers: Headers;
  readonly body: string;
}

const MAX_REPLY = 64 * 1024;

export async function postJson(
  url: string,
  body: string,
  timeoutMs = 10_000,
  headers: Record<string, string> = {},
): Promise<HttpReply | SendOutcome> {
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
      body,
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'error',
    });
    const text = (await res.text()).slice(0, MAX_REPLY);
    return { status: res.status, headers: res.headers, body: text };
  } catch (e) {
    // Never echo the URL: for DingTalk, Slack and Telegram it carries the token.
    const name = e instanceof Error ? e.name : 'Error';
    const cause =
      e instanceof Error && e.cause instanceof Error
        ? ((e.cause as Error & { code?: string }).code ?? e.cause.name)
        : '';
    return { ok: false, code: 'DG_E_NOTIFY_UNREACHABLE', detail: `${name}${cause ? ` ${cause}` : ''}` };
  }
}

export function isReply(r: HttpReply | SendOutcome): r is HttpReply {
  return 'status' in r;
}

export function parseJson(body: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(body);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Retry-After header: delay-seconds or an HTTP date (relative to `now`). */
export function retryAfterMs(h: string | null, now: number, fallbackMs: number): number {
  if (!h) return fallbackMs;
  const s = Number(h);
  if (Number.isFinite(s) && s >= 0) return Math.min(s * 1000, 3_600_000);
  const d = Date.parse(h);
  return Number.isFinite(d) ? Math.max(0, Math.min(d - now, 3_600_000)) : fallbackMs;
}

/** Safe one-line description of a reply body (bounded; bodies of these services carry no secrets). */
export function brief(body: string): string {
  return body.replace(/\s+/g, ' ').slice(0, 200);
}

/** Cut a string to at most `maxBytes` UTF-8 bytes without splitting a character. */
export function truncateUtf8(s: string, maxBytes: number): string {
  if (Buffer.byteLength(s, 'utf8') <= maxBytes) return s;
  let out = Buffer.from(s, 'utf8').subarray(0, maxBytes).toString('utf8');
  if (out.endsWith('\uFFFD')) out = out.slice(0, -1);
  return out;
}
