/** Request signatures of the chat services (wire facts in shared/spec.md "Alerts"). */
import { createHmac } from 'node:crypto';

/** DingTalk: base64(HMAC-SHA256(key = secret, msg = timestamp + "\n" + secret)); the caller URL-encodes it. */
export function dingtalkSign(timestampMs: number, secret: string): string {
  return createHmac('sha256', secret).update(`${timestampMs}\n${secret}`).digest('base64');
}

/** Feishu/Lark: base64(HMAC-SHA256(key = timestamp + "\n" + secret, msg = empty)), timestamp in seconds. */
export function feishuSign(timestampSec: number, secret: string): string {
  return createHmac('sha256', `${timestampSec}\n${secret}`).update('').digest('base64');
}

/** Generic webhook: hex HMAC-SHA256(secret, timestamp + "." + body). */
export function webhookSign(timestampMs: number, body: string, secret: string): string {
  return createHmac('sha256', secret).update(`${timestampMs}.${body}`).digest('hex');
}
