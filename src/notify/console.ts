/** Writes alert messages to a stream (stdout by default): the channel used when none is configured. */
import type { Notifier, NotifyMessage, SendOutcome } from './types.js';

export class ConsoleNotifier implements Notifier {
  readonly type = 'webhook' as const;
  readonly name: string;
  readonly perMinute = 1_000_000;
  readonly maxChars = 1_000_000;

  constructor(
    private readonly write: (s: string) => void = (s) => process.stdout.write(s),
    name = 'console',
  ) {
    this.name = name;
  }

  async send(msg: NotifyMessage): Promise<SendOutcome> {
    this.write(`${msg.title}\n${msg.text}\n`);
    return { ok: true };
  }
}
