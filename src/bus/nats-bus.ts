/**
 * NATS transport.
 *
 * Events: subject `deskgate.<gateway>.evt.<type>` with the event JSON. With `jetstream: true`
 * (default) order and fill events are published through JetStream into `DESKGATE_<GATEWAY>` (core
 * subscribers still receive them; publish resolves once the server has stored the event; the
 * event id is the de-duplication id).
 *
 * Commands: request/reply on `deskgate.<gateway>.cmd` (queue group `deskgate-<gateway>`), the reply
 * goes to the request's NATS reply subject. Requests are handled one at a time in arrival order.
 */
import type { JetStreamClient, Msg, NatsConnection, Subscription as NatsSubscription } from 'nats';
import { systemClock, type Clock } from '../core/clock.js';
import { dgError, ErrorCounter } from '../core/errors.js';
import type { Bus, EventInput, Subscription } from './bus.js';
import { runRequest, SerialQueue, type CommandHandler } from './commands.js';
import { buildEvent, deliverSafely } from './event-build.js';
import { ensureEventStream } from './jetstream.js';
import { checkEventType, checkGateway, DURABLE_EVENT_TYPES, natsNames } from './names.js';
import { DEFAULT_NATS_SERVERS, openNats } from './nats-connect.js';
import { errorReply, parseEvent, parseRequest, type BusEvent, type CommandReply } from './wire.js';

export interface NatsBusOptions {
  readonly gateway: string;
  readonly servers?: string | string[];
  readonly clock?: Clock;
  /** Keep order and fill events in a JetStream stream. Default true. */
  readonly jetstream?: boolean;
}

export class NatsBus implements Bus {
  readonly transport = 'nats' as const;
  readonly gateway: string;
  readonly errors = new ErrorCounter();
  readonly streamName: string | undefined;
  private readonly clock: Clock;
  private readonly durable = new Set<string>(DURABLE_EVENT_TYPES);
  private readonly subs = new Set<NatsSubscription>();

  private constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient | undefined,
    stream: string | undefined,
    opts: NatsBusOptions,
  ) {
    this.gateway = opts.gateway;
    this.clock = opts.clock ?? systemClock;
    this.streamName = stream;
  }

  static async connect(opts: NatsBusOptions): Promise<NatsBus> {
    checkGateway(opts.gateway);
    const nc = await openNats(opts.servers ?? DEFAULT_NATS_SERVERS, `deskgate-${opts.gateway}`);
    try {
      if (opts.jetstream === false) return new NatsBus(nc, undefined, undefined, opts);
      const stream = await ensureEventStream(await nc.jetstreamManager(), { gateway: opts.gateway });
      return new NatsBus(nc, nc.jetstream(), stream, opts);
    } catch (e) {
      await nc.close();
      throw e;
    }
  }

  get connection(): NatsConnection {
    return this.nc;
  }

  async publish(input: EventInput): Promise<void> {
    const { event, json } = buildEvent(this.gateway, input, this.clock);
    const subject = natsNames.evt(this.gateway, event.type);
    if (this.js && this.durable.has(event.type)) {
      try {
        await this.js.publish(subject, json, { msgID: event.id });
      } catch (e) {
        throw dgError('DG_E_BUS_UNAVAILABLE', `jetstream publish: ${e instanceof Error ? e.message : String(e)}`);
      }
    } else {
      this.nc.publish(subject, json);
    }
  }

  async subscribe(types: readonly string[] | '*', onEvent: (event: BusEvent) => void): Promise<Subscription> {
    const subjects =
      types === '*'
        ? [natsNames.evtAll(this.gateway)]
        : types.map((t) => natsNames.evt(this.gateway, checkEventType(t)));
    const subs = subjects.map((s) =>
      this.nc.subscribe(s, {
        callback: (err, m) => {
          if (err) return void this.errors.record(dgError('DG_E_BUS_UNAVAILABLE', err.message));
          const e = parseEvent(m.data);
          if (!e || e.gateway !== this.gateway)
            return void this.errors.record(dgError('DG_E_BUS_BAD_REQUEST', 'malformed event'));
          deliverSafely(onEvent, e, this.errors);
        },
      }),
    );
    for (const s of subs) this.subs.add(s);
    await this.nc.flush(); // interest registered on the server before we return
    return { close: async () => this.unsub(subs) };
  }

  async serveCommands(handler: CommandHandler): Promise<Subscription> {
    const queue = new SerialQueue();
    const sub = this.nc.subscribe(natsNames.cmd(this.gateway), {
      queue: `deskgate-${this.gateway}`,
      callback: (err, m) => {
        if (err) return void this.errors.record(dgError('DG_E_BUS_UNAVAILABLE', err.message));
        void queue.push(() => this.handleOne(m, handler));
      },
    });
    this.subs.add(sub);
    await this.nc.flush();
    return {
      close: async () => {
        await this.unsub([sub]);
        await queue.idle();
      },
    };
  }

  private async handleOne(m: Msg, handler: CommandHandler): Promise<void> {
    let reply: CommandReply;
    const p = parseRequest(m.data);
    if (!p.ok) {
      this.errors.record(p.error);
      reply = errorReply(p.id ?? '', p.error);
    } else {
      reply = await runRequest(p.request, handler, { gateway: this.gateway, transport: 'nats' }, this.clock);
    }
    if (!m.reply) return void this.errors.record(dgError('DG_E_BUS_BAD_REQUEST', 'request without reply subject'));
    m.respond(JSON.stringify(reply));
  }

  private async unsub(subs: readonly NatsSubscription[]): Promise<void> {
    for (const s of subs) {
      if (!this.subs.delete(s)) continue;
      s.unsubscribe();
    }
  }

  async close(): Promise<void> {
    this.subs.clear();
    await this.nc.drain().catch(() => this.nc.close());
  }
}
