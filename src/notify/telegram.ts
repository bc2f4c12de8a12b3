/**
 * Telegram Bot API sendMessage: POST {baseUrl}/bot<token>/sendMessage {"chat_id","text"}.
 * Text ≤ 4096 characters: longer messages are split on line boundaries and sent in order.
 * Replies {"ok":true,"result":{…}}; 429 {"ok":false,"error_code":429,"parameters":{"retry_after":N}};
 * 401 = bad token. The token is part of the URL and never logged.
 */
import type { Clock } from '../core/clock.js';
import { brief, isReply, parseJson, postJson, retryAfterMs } from './http.js';
import type { Notifier, NotifyMessage, SendOutcome } from './types.js';

export const TELEGRAM_MAX_CHARS = 4096;

export interface TelegramOptions {
  readonly name?: string;
  readonly baseUrl?: string;
  readonly botToken: string;
  readonly chatId: string;
  readonly perMinute?: number;
  readonly timeoutMs?: number;
}

/** Split text into chunks of ≤ max characters (code points), preferring line breaks. */
export function splitMessage(text: string, max = TELEGRAM_MAX_CHARS): string[] {
  const chars = [...text];
  if (chars.length <= max) return [text];
  const out: string[] = [];
  let start = 0;
  while (start < chars.length) {
    let end = Math.min(start + max, chars.length);
    if (end < chars.length) {
      const nl = chars.lastIndexOf('\n', end - 1);
      if (nl > start) end = nl + 1;
    }
    out.push(chars.slice(start, end).join(''));
    start = end;
  }
  return out;
}

export class TelegramNotifier implements Notifier {
  readonly type = 'telegram' as const;
  readonly name: string;
  readonly perMinute: number;
  readonly maxChars = TELEGRAM_MAX_CHARS;
  private readonly baseUrl: string;

  constructor(
    private readonly opts: TelegramOptions,
    private readonly clock: Clock,
  ) {
    this.name = opts.name ?? 'telegram';
    this.perMinute = opts.perMinute ?? 20;
    this.baseUrl = (opts.baseUrl ?? 'https://api.telegram.org').replace(/\/+$/, '');
  }

  async send(msg: NotifyMessage): Promise<SendOutcome> {
    const url = `${this.baseUrl}/bot${this.opts.botToken}/sendMessage`;
    for (const part of splitMessage(`${msg.title}\n${msg.text}`)) {
      const now = this.clock.now();
      const reply = await postJson(url, JSON.stringify({ chat_id: this.opts.chatId, text: part }), this.opts.timeoutMs);
      if (!isReply(reply)) return reply;
      const j = parseJson(reply.body);
      if (reply.status === 200 && j?.ok === true) continue;
      const params = j?.parameters as { retry_after?: unknown } | undefined;
      if (reply.status === 429) {
        const ra =
          typeof params?.retry_after === 'number'
            ? params.retry_after * 1000
            : retryAfterMs(reply.headers.get('retry-after'), now, 30_000);
        return { ok: false, code: 'DG_E_NOTIFY_RATE_LIMITED', retryAfterMs: ra, detail: 'telegram 429' };
      }
      if (reply.status === 401 || reply.status === 404)
        return { ok: false, code: 'DG_E_NOTIFY_BAD_SIGNATURE', detail: `telegram HTTP ${reply.status}` };
      if (reply.status >= 500)
        return { ok: false, code: 'DG_E_NOTIFY_UNREACHABLE', detail: `telegram HTTP ${reply.status}` };
      return {
        ok: false,
        code: 'DG_E_NOTIFY_REJECTED',
        detail: `telegram HTTP ${reply.status} ${brief(String(j?.description ?? reply.body))}`,
      };
    }
    return { ok: true };
  }
}
