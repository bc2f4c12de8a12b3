/**
 * Alert channels: DingTalk, Feishu/Lark, Slack, Telegram, generic webhook. Each notifier turns
 * one message into the service's wire request and its reply into an outcome with a stable
 * error code. Secrets (tokens, signing keys, secret URLs) never appear in outcomes or logs.
 */
import type { ErrorCode } from '../core/errors.js';

export interface NotifyMessage {
  readonly title: string;
  /** Markdown body (DingTalk markdown; others get it as plain text). */
  readonly markdown: string;
  /** Plain text body. */
  readonly text: string;
}

export type SendOutcome =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly code: ErrorCode;
      /** Service-given (or documented) wait before the next attempt. */
      readonly retryAfterMs?: number;
      /** Safe to log: never contains secrets. */
      readonly detail: string;
    };

export interface Notifier {
  readonly name: string;
  readonly type: 'dingtalk' | 'feishu' | 'slack' | 'telegram' | 'webhook';
  /** Messages per minute the service allows (the outbox merges alerts to stay under it). */
  readonly perMinute: number;
  /** Longest text one message may carry. */
  readonly maxChars: number;
  send(msg: NotifyMessage): Promise<SendOutcome>;
}
