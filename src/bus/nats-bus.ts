/**
 * NATS transport.
 *
 * Events: subject `deskgate.<gateway>.evt.<type>` with the event JSON. With `jetstream: true`
 * (default) order and fill events are published through JetStream into `DESKGATE_<GATEWAY>` (core
 * subscribers still receive them; publish resolves once the server has stored the event; the
 * event id is the de-duplication id).
 *
 * Commands, at least once (`commandQueue`, default on unless `jetstream: false`): clients publish requests through
 * JetStream on `deskgate.<gateway>.cmdq` into the work-queue stream `DESKGATECMD_<GATEWAY>`, with
 * `replyTo` = an `_INBOX.` subject they subscribe to and the request id as `Nats-Msg-Id`. The
 * gateway takes them with a durable pull consumer and acks each only after its reply is published
 * (nats-cmd-queue.ts): requests wait in the stream while no gateway runs, and one a gateway died
 * holding is delivered again when the next one starts (past its `deadline`: DG_E_BUS_EXPIRED, not
 * run; otherwise run again — the kernel journals requests by key or id, so that is safe). The
 * stream is created by the first serveCommands; a client that finds no stream falls back to plain
 * request/reply (nats-client.ts).
 *
 * Commands, at most once (always served too): NATS request/reply on `deskgate.<gateway>.cmd`
 * (queue group `deskgate-<gateway>`), the reply goes to the message's own reply subject.
 * Both paths share one serial queue: requests are handled one at a time in arrival order.
 * One gateway process serves a name: a starting server takes over what the stream's consumer
 * had in hand.
 */
import type { JetStreamClient, Msg, NatsConnection, Subscription as NatsSubscription } from 'nats';
import { systemClock, type Clock } from '../core/clock.js';
import { dgError, ErrorCounter } from '../core/errors.js';
import type { Bus, EventInput, Subscription } from './bus.js';
import { runRequest, SerialQueue, type CommandHandler } from './commands.js';
import { buildEvent, deliverSafely } from './event-build.js';
import { ensureEventStream } from './jetstream.js';
import { NatsCommandQueue, type CommandQueueOptions } from './nats-cmd-queue.js';
import { checkEventType, checkGateway, DURABLE_EVENT_TYPES, natsNames } from './names.js';
import { DEFAULT_NATS_SERVERS, openNats } from './nats-connect.js';
import { errorReply, parseEvent, parseRequest, type BusEvent, type CommandReply } from './wire.js';

export interface NatsBusOptions {
  readonly gateway: string;
  readonly servers?: string | string[];
  readonly clock?: Clock;
  /** Keep order and fill events in a JetStream stream. Default true. */
  readonly jetstream?: boolean;
  /** Serve the at-least-once JetStream command queue (independent of `jetstream`). Default: `jetstream`. */
  readonly commandQueue?: boolean;
  /** Command queue consumer settings (ack wait 30 s, max deliver 5). */
  readonly queue?: CommandQueueOptions;
}

export class NatsBus implements Bus {
  readonly transport = 'nats' as const;
  readonly gateway: string;
  readonly errors = new ErrorCounter();
  readonly streamName: string | undefined;
  private readonly clock: Clock;
  private readonly durable = new Set<string>(DURABLE_EVENT_TYPES);
  private readonly subs = new Set<NatsSubscription>();
  private readonly queues = new Set<NatsCommandQueue>();
  private readonly commandQueue: boolean;
  private readonly queueOpts: CommandQueueOptions | undefined;

  private constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient | undefined,
    stream: string | undefined,
    opts: NatsBusOptions,
  ) {
    this.gateway = opts.gateway;
    this.clock = opts.clock ?? systemClock;
    this.streamName = stream;
    this.commandQueue = opts.commandQueue ?? opts.jetstream !== false;
    this.queueOpts = opts.queue;
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

  /** The command work-queue stream (created by serveCommands), if this bus serves one. */
  get commandStreamName(): string | undefined {
    return this.commandQueue ? natsNames.cmdStream(this.gateway) : undefined;
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

  /** Queued requests delivered again since this bus connected (a previous server held them, or ack wait). */
  get redelivered(): number {
    let n = 0;
    for (const q of this.queues) n += q.redelivered;
    return n + this.closedRedelivered;
  }
  private closedRedelivered = 0;

  /** Queued requests not run again after crashing the gateway too often (answered DG_E_BUS_POISON). */
  get poisoned(): number {
    let n = 0;
    for (const q of this.queues) n += q.poisoned;
    return n + this.closedPoisoned;
  }
  private closedPoisoned = 0;

  async serveCommands(handler: CommandHandler): Promise<Subscription> {
    const queue = new SerialQueue();
    let cq: NatsCommandQueue | undefined;
    if (this.commandQueue) {
      const deps = { nc: this.nc, gateway: this.gateway, clock: this.clock, errors: this.errors, queue, handler };
      cq = await NatsCommandQueue.start(deps, this.queueOpts);
      this.queues.add(cq);
    }
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
        if (cq) await this.stopQueue(cq);
        await queue.idle();
      },
    };
  }

  private async handleOne(m: Msg, handler: CommandHandler): Promise<void> {
    let reply: CommandReply;
    const p = parseRequest(m.data, 'nats');
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

  private async stopQueue(q: NatsCommandQueue): Promise<void> {
    if (!this.queues.delete(q)) return;
    await q.close();
    this.closedRedelivered += q.redelivered;
    this.closedPoisoned += q.poisoned;
  }

  async close(): Promise<void> {
    for (const q of [...this.queues]) await this.stopQueue(q);
    this.subs.clear();
    await this.nc.drain().catch(() => this.nc.close());
  }
}
