/**
 * Feishu / Lark custom bot: POST {baseUrl}/open-apis/bot/v2/hook/<hook id> with JSON
 * {"timestamp":"<seconds>","sign":"…","msg_type":"text","content":{"text":"…"}}.
 * sign = base64(HMAC-SHA256(key = timestamp + "\n" + secret, msg = empty)).
 * Replies {"code":0,"msg":"success"} (older: {"StatusCode":0}); 19021 = signature or timestamp
 * check failed; 11232 = frequency limited (100/min, 5/s per bot); HTTP 429 likewise.
 */
import type { Clock } from '../core/clock.js';
import { brief, isReply, parseJson, postJson, retryAfterMs } from './http.js';
import { feishuSign } from './sign.js';
import type { Notifier, NotifyMessage, SendOutcome } from './types.js';

export interface FeishuOptions {
  readonly name?: string;
  /** https://open.feishu.cn (Feishu) or https://open.larksuite.com (Lark). */
  readonly baseUrl?: string;
  readonly hookId: string;
  readonly secret?: string;
  readonly perMinute?: number;
  readonly timeoutMs?: number;
}

export const FEISHU_BAD_SIGNATURE = 19021;
export const FEISHU_RATE_LIMITED = 11232;

export class FeishuNotifier implements Notifier {
  readonly type = 'feishu' as const;
  readonly name: string;
  readonly perMinute: number;
  readonly maxChars = 15_000;
  private readonly baseUrl: string;

  constructor(
    private readonly opts: FeishuOptions,
    private readonly clock: Clock,
  ) {
    this.name = opts.name ?? 'feishu';
    this.perMinute = opts.perMinute ?? 100;
    this.baseUrl = (opts.baseUrl ?? 'https://open.feishu.cn').replace(/\/+$/, '');
  }

  body(msg: NotifyMessage, nowMs: number): string {
    const content = { msg_type: 'text', content: { text: `${msg.title}\n${msg.text}` } };
    if (this.opts.secret === undefined) return JSON.stringify(content);
    const ts = Math.floor(nowMs / 1000);
    return JSON.stringify({ timestamp: String(ts), sign: feishuSign(ts, this.opts.secret), ...content });
  }

  async send(msg: NotifyMessage): Promise<SendOutcome> {
    const now = this.clock.now();
    const url = `${this.baseUrl}/open-apis/bot/v2/hook/${encodeURIComponent(this.opts.hookId)}`;
    const reply = await postJson(url, this.body(msg, now), this.opts.timeoutMs);
    if (!isReply(reply)) return reply;
    const j = parseJson(reply.body);
    const code = j
      ? typeof j.code === 'number'
        ? j.code
        : typeof j.StatusCode === 'number'
          ? j.StatusCode
          : undefined
      : undefined;
    if (reply.status === 200 && code === 0) return { ok: true };
    if (reply.status === 429 || code === FEISHU_RATE_LIMITED) {
      return {
        ok: false,
        code: 'DG_E_NOTIFY_RATE_LIMITED',
        retryAfterMs: retryAfterMs(reply.headers.get('retry-after'), now, 60_000),
        detail: `feishu ${code ?? reply.status}`,
      };
    }
    if (code === FEISHU_BAD_SIGNATURE)
      return { ok: false, code: 'DG_E_NOTIFY_BAD_SIGNATURE', detail: `feishu 19021 ${brief(String(j?.msg ?? ''))}` };
    if (reply.status >= 500)
      return { ok: false, code: 'DG_E_NOTIFY_UNREACHABLE', detail: `feishu HTTP ${reply.status}` };
    return {
      ok: false,
      code: 'DG_E_NOTIFY_REJECTED',
      detail: `feishu HTTP ${reply.status} code ${code ?? '?'} ${brief(String(j?.msg ?? reply.body))}`,
    };
  }
}
