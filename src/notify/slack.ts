/**
 * Slack incoming webhook: POST <webhook URL> {"text": "…"}; replies 200 "ok". About one message
 * per second: 429 with Retry-After (seconds). 403 invalid_token / 404 no_service / 410
 * channel_is_archived mean the URL is no longer valid. The URL itself is the secret.
 */
import type { Clock } from '../core/clock.js';
import { brief, isReply, postJson, retryAfterMs } from './http.js';
import type { Notifier, NotifyMessage, SendOutcome } from './types.js';

export interface SlackOptions {
  readonly name?: string;
  /** Full webhook URL (https://hooks.slack.com/services/T…/B…/…), or a base URL + `path`. */
  readonly webhookUrl: string;
  readonly perMinute?: number;
  readonly timeoutMs?: number;
}

export class SlackNotifier implements Notifier {
  readonly type = 'slack' as const;
  readonly name: string;
  readonly perMinute: number;
  readonly maxChars = 12_000;

  constructor(
    private readonly opts: SlackOptions,
    private readonly clock: Clock,
  ) {
    this.name = opts.name ?? 'slack';
    this.perMinute = opts.perMinute ?? 60;
  }

  async send(msg: NotifyMessage): Promise<SendOutcome> {
    const now = this.clock.now();
    const body = JSON.stringify({ text: `*${msg.title}*\n${msg.text}` });
    const reply = await postJson(this.opts.webhookUrl, body, this.opts.timeoutMs);
    if (!isReply(reply)) return reply;
    if (reply.status === 200) return { ok: true };
    if (reply.status === 429) {
      return {
        ok: false,
        code: 'DG_E_NOTIFY_RATE_LIMITED',
        retryAfterMs: retryAfterMs(reply.headers.get('retry-after'), now, 30_000),
        detail: 'slack 429',
      };
    }
    if (reply.status === 403 || reply.status === 404 || reply.status === 410) {
      return {
        ok: false,
        code: 'DG_E_NOTIFY_BAD_SIGNATURE',
        detail: `slack HTTP ${reply.status} ${brief(reply.body)}`,
      };
    }
    if (reply.status >= 500)
      return { ok: false, code: 'DG_E_NOTIFY_UNREACHABLE', detail: `slack HTTP ${reply.status}` };
    return { ok: false, code: 'DG_E_NOTIFY_REJECTED', detail: `slack HTTP ${reply.status} ${brief(reply.body)}` };
  }
}
