/**
 * Generic webhook: POST <url> {"title","text","markdown"}; any 2xx is success. With a secret,
 * headers X-Deskgate-Timestamp (ms) and X-Deskgate-Signature = sha256=<hex HMAC-SHA256(secret,
 * timestamp + "." + body)> let the receiver authenticate. 429 honours Retry-After.
 */
import type { Clock } from '../core/clock.js';
import { brief, isReply, postJson, retryAfterMs } from './http.js';
import { webhookSign } from './sign.js';
import type { Notifier, NotifyMessage, SendOutcome } from './types.js';

export interface WebhookOptions {
  readonly name?: string;
  readonly url: string;
  readonly secret?: string;
  readonly perMinute?: number;
  readonly timeoutMs?: number;
}

export class WebhookNotifier implements Notifier {
  readonly type = 'webhook' as const;
  readonly name: string;
  readonly perMinute: number;
  readonly maxChars = 100_000;

  constructor(
    private readonly opts: WebhookOptions,
    private readonly clock: Clock,
  ) {
    this.name = opts.name ?? 'webhook';
    this.perMinute = opts.perMinute ?? 60;
  }

  async send(msg: NotifyMessage): Promise<SendOutcome> {
    const now = this.clock.now();
    const body = JSON.stringify({ title: msg.title, text: msg.text, markdown: msg.markdown });
    const headers: Record<string, string> = {};
    if (this.opts.secret !== undefined) {
      headers['x-deskgate-timestamp'] = String(now);
      headers['x-deskgate-signature'] = `sha256=${webhookSign(now, body, this.opts.secret)}`;
    }
    const reply = await postJson(this.opts.url, body, this.opts.timeoutMs, headers);
    if (!isReply(reply)) return reply;
    if (reply.status >= 200 && reply.status < 300) return { ok: true };
    if (reply.status === 429) {
      return {
        ok: false,
        code: 'DG_E_NOTIFY_RATE_LIMITED',
        retryAfterMs: retryAfterMs(reply.headers.get('retry-after'), now, 30_000),
        detail: 'webhook 429',
      };
    }
    if (reply.status === 401 || reply.status === 403)
      return { ok: false, code: 'DG_E_NOTIFY_BAD_SIGNATURE', detail: `webhook HTTP ${reply.status}` };
    if (reply.status >= 500)
      return { ok: false, code: 'DG_E_NOTIFY_UNREACHABLE', detail: `webhook HTTP ${reply.status}` };
    return { ok: false, code: 'DG_E_NOTIFY_REJECTED', detail: `webhook HTTP ${reply.status} ${brief(reply.body)}` };
  }
}
