/** Build notifiers from validated desk config channels. */
import type { Clock } from '../core/clock.js';
import type { ChannelConfig } from '../desk/config.js';
import { DingTalkNotifier } from './dingtalk.js';
import { FeishuNotifier } from './feishu.js';
import { SlackNotifier } from './slack.js';
import { TelegramNotifier } from './telegram.js';
import type { Notifier } from './types.js';
import { WebhookNotifier } from './webhook.js';

export function notifierFor(c: ChannelConfig, clock: Clock): Notifier {
  switch (c.type) {
    case 'dingtalk':
      return new DingTalkNotifier(c, clock);
    case 'feishu':
      return new FeishuNotifier(c, clock);
    case 'slack':
      return new SlackNotifier(c, clock);
    case 'telegram':
      return new TelegramNotifier(c, clock);
    case 'webhook':
      return new WebhookNotifier(c, clock);
  }
}

export function notifiersFor(channels: readonly ChannelConfig[], clock: Clock): Notifier[] {
  const names = new Set<string>();
  return channels.map((c) => {
    if (names.has(c.name)) throw new Error(`duplicate channel name ${c.name}`);
    names.add(c.name);
    return notifierFor(c, clock);
  });
}
