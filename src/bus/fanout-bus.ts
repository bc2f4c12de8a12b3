/**
 * Several transports as one Bus (e.g. Redis and NATS, each optional): publish goes to every
 * transport, subscribe listens on the first, and serveCommands serves every transport through ONE
 * serial queue, so the kernel sees commands one at a time whichever transport they came by.
 */
import { randomUUID } from 'node:crypto';
import { dgError } from '../core/errors.js';
import type { Bus, EventInput, Subscription } from './bus.js';
import { SerialQueue, type CommandHandler, type CommandResult } from './commands.js';
import type { BusEvent } from './wire.js';

export class FanoutBus implements Omit<Bus, 'transport'> {
  readonly gateway: string;

  constructor(readonly buses: readonly Bus[]) {
    if (buses.length === 0) throw dgError('DG_E_BAD_CONFIG', 'FanoutBus needs at least one bus');
    const names = new Set(buses.map((b) => b.gateway));
    if (names.size !== 1) throw dgError('DG_E_BAD_CONFIG', 'all buses must belong to the same gateway');
    this.gateway = buses[0]!.gateway;
  }

  /** Publish on every transport; rejects (after trying all) if any failed. */
  async publish(event: EventInput): Promise<void> {
    const id = event.id ?? randomUUID(); // same id everywhere, so consumers can de-duplicate across transports
    const results = await Promise.allSettled(this.buses.map((b) => b.publish({ ...event, id })));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  subscribe(types: readonly string[] | '*', onEvent: (event: BusEvent) => void): Promise<Subscription> {
    return this.buses[0]!.subscribe(types, onEvent);
  }

  async serveCommands(handler: CommandHandler): Promise<Subscription> {
    const queue = new SerialQueue();
    const serial: CommandHandler = (cmd, payload, ctx) => {
      let out!: CommandResult;
      return queue
        .push(async () => {
          out = await handler(cmd, payload, ctx);
        })
        .then(() => out);
    };
    const subs: Subscription[] = [];
    try {
      for (const b of this.buses) subs.push(await b.serveCommands(serial));
    } catch (e) {
      await Promise.allSettled(subs.map((s) => s.close()));
      throw e;
    }
    return { close: async () => void (await Promise.allSettled(subs.map((s) => s.close()))) };
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.buses.map((b) => b.close()));
  }
}
