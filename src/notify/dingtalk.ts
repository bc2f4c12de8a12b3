/**
 * DingTalk custom robot: POST {baseUrl}/robot/send?access_token=…&timestamp=<ms>&sign=<s> with a
 * markdown message. s = urlencode(base64(HMAC-SHA256(secret, timestamp + "\n" + secret))).
 * Replies {"errcode":0,"errmsg":"ok"}; 130101 = sending too fast (the robot is then blocked for
 * 10 minutes); 310000 = signature / keyword / IP check failed. 20 messages per minute per robot;
 * body ≤ 20,000 bytes.
 */
import type { Clock } from '../core/clock.js';
import { brief, isReply, parseJson, postJson, truncateUtf8 } from './http.js';
import { dingtalkSign } from './sign.js';
import type { Notifier, NotifyMessage, SendOutcome } from './types.js';

export interface DingTalkOptions {
  readonly name?: string;
  readonly baseUrl?: string;
  readonly accessToken: string;
  /** Signing secret ("加签"); omit when the robot uses keywords or IP allow-lists instead. */
  readonly secret?: string;
  readonly perMinute?: number;
  readonly atMobiles?: readonly string[];
  readonly timeoutMs?: number;
}

export const DINGTALK_RATE_LIMITED = 130101;
export const DINGTALK_BAD_SIGNATURE = 310000;
const MAX_BODY_BYTES = 20_000;

export class DingTalkNotifier implements Notifier {
  readonly type = 'dingtalk' as const;
  readonly name: string;
  readonly perMinute: number;
  readonly maxChars = 6000;
  private readonly baseUrl: string;

  constructor(
    private readonly opts: DingTalkOptions,
    private readonly clock: Clock,
  ) {
    this.name = opts.name ?? 'dingtalk';
    this.perMinute = opts.perMinute ?? 20;
    this.baseUrl = (opts.baseUrl ?? 'https://oapi.dingtalk.com').replace(/\/+$/, '');
  }

  url(timestampMs: number): string {
    const q = new URLSearchParams({ access_token: this.opts.accessToken });
    if (this.opts.secret !== undefined) {
      q.set('timestamp', String(timestampMs));
      q.set('sign', dingtalkSign(timestampMs, this.opts.secret));
    }
    return `${this.baseUrl}/robot/send?${q.toString()}`;
  }

  body(msg: NotifyMessage): string {
    const at = this.opts.atMobiles ?? [];
    const mention = at.length ? `\n\n${at.map((m) => `@${m}`).join(' ')}` : '';
    const payload = (text: string): string =>
      JSON.stringify({
        msgtype: 'markdown',
        markdown: { title: msg.title, text: text + mention },
        at: { atMobiles: at, isAtAll: false },
      });
    let out = payload(msg.markdown);
    if (Buffer.byteLength(out, 'utf8') > MAX_BODY_BYTES) {
      out = payload(truncateUtf8(msg.markdown, MAX_BODY_BYTES - 1000) + '\n\n…');
    }
    return out;
  }

  async send(msg: NotifyMessage): Promise<SendOutcome> {
    const reply = await postJson(this.url(this.clock.now()), this.body(msg), this.opts.timeoutMs);
    if (!isReply(reply)) return reply;
    const j = parseJson(reply.body);
    const code = j && typeof j.errcode === 'number' ? j.errcode : undefined;
    if (reply.status === 200 && code === 0) return { ok: true };
    if (code === DINGTALK_RATE_LIMITED || reply.status === 429) {
      return {
        ok: false,
        code: 'DG_E_NOTIFY_RATE_LIMITED',
        retryAfterMs: 600_000,
        detail: `dingtalk ${code ?? reply.status}`,
      };
    }
    if (code === DINGTALK_BAD_SIGNATURE) {
      return {
        ok: false,
        code: 'DG_E_NOTIFY_BAD_SIGNATURE',
        detail: `dingtalk 310000 ${brief(String(j?.errmsg ?? ''))}`,
      };
    }
    if (reply.status >= 500)
      return { ok: false, code: 'DG_E_NOTIFY_UNREACHABLE', detail: `dingtalk HTTP ${reply.status}` };
    return {
      ok: false,
      code: 'DG_E_NOTIFY_REJECTED',
      detail: `dingtalk HTTP ${reply.status} errcode ${code ?? '?'} ${brief(String(j?.errmsg ?? reply.body))}`,
    };
  }
}
