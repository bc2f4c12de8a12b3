/**
 * The gateway side of at-least-once NATS commands (see nats-bus.ts for the whole picture).
 *
 * A client publishes the request JSON through JetStream on `deskgate.<gateway>.cmdq`; the
 * work-queue stream `DESKGATECMD_<GATEWAY>` keeps it until the gateway acks it. The gateway takes
 * requests one at a time with the durable pull consumer `deskgate` (explicit ack, one in hand),
 * runs each through the same serial queue as plain requests, publishes the reply on the request's
 * `replyTo` (a `_INBOX.` subject) and only then acks (waiting for the server's confirmation).
 * While a command runs the request is marked in progress every third of the ack wait, so a slow
 * venue round trip is not redelivered under it.
 *
 * Crash: a request taken and not acked stays in the stream. The next server replaces the consumer
 * when it starts (jetstream.ts resetCommandConsumer), so the request is delivered again at once,
 * before anything newer; past its `deadline` it is answered DG_E_BUS_EXPIRED without running,
 * otherwise it runs again and the kernel's journal (keyed by `key` or request id) answers a repeated
 * place/cancel with the order's state. While the server lives, a request it neither acks nor
 * marks in progress (lost connection) is redelivered after the ack wait, at most `maxDeliver` times.
 * Unparseable requests are answered when a usable id/replyTo can be read, counted otherwise, and
 * acked either way (never redelivered).
 */
import type { ConsumerMessages, JsMsg, NatsConnection } from 'nats';
import type { Clock } from '../core/clock.js';
import { dgError, type ErrorCounter } from '../core/errors.js';
import { runRequest, type CommandHandler, type SerialQueue } from './commands.js';
import { ensureCommandStream, resetCommandConsumer } from './jetstream.js';
import { NATS_CMD_CONSUMER } from './names.js';
import { errorReply, parseRequest, type CommandReply } from './wire.js';

export interface CommandQueueOptions {
  /** Ack wait of the consumer; in-progress is signalled every third of it. Default 30 s. */
  readonly ackWaitMs?: number;
  /** Deliveries of one request within one server's life. Default 5. */
  readonly maxDeliver?: number;
}

interface QueueDeps {
  readonly nc: NatsConnection;
  readonly gateway: string;
  readonly clock: Clock;
  readonly errors: ErrorCounter;
  readonly queue: SerialQueue;
  readonly handler: CommandHandler;
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export class NatsCommandQueue {
  /** Requests delivered again (held by a previous server, or redelivered after the ack wait). */
  redelivered = 0;
  private stopped = false;

  private constructor(
    private readonly deps: QueueDeps,
    private readonly ackWaitMs: number,
    private readonly messages: ConsumerMessages,
    private inHand: number,
  ) {}

  static async start(deps: QueueDeps, opts: CommandQueueOptions = {}): Promise<NatsCommandQueue> {
    const ackWaitMs = opts.ackWaitMs ?? 30_000;
    const jsm = await deps.nc.jetstreamManager();
    const stream = await ensureCommandStream(jsm, { gateway: deps.gateway });
    const inHand = await resetCommandConsumer(jsm, stream, { ackWaitMs, maxDeliver: opts.maxDeliver ?? 5 });
    const consumer = await deps.nc.jetstream().consumers.get(stream, NATS_CMD_CONSUMER);
    const messages = await consumer.consume({ max_messages: 1 });
    const q = new NatsCommandQueue(deps, ackWaitMs, messages, inHand);
    q.loop = q.run();
    return q;
  }

  private loop: Promise<void> = Promise.resolve();

  private async run(): Promise<void> {
    try {
      for await (const m of this.messages) {
        if (this.inHand > 0) {
          this.inHand--;
          this.redelivered++;
        } else if (m.redelivered) this.redelivered++;
        await this.deps.queue.push(() => this.handle(m));
      }
    } catch (e) {
      if (!this.stopped) this.deps.errors.record(dgError('DG_E_BUS_UNAVAILABLE', `command queue: ${message(e)}`));
    }
  }

  private async handle(m: JsMsg): Promise<void> {
    const { errors } = this.deps;
    let reply: CommandReply | undefined;
    let replyTo: string | undefined;
    const p = parseRequest(m.data, 'nats');
    if (!p.ok) {
      errors.record(p.error);
      replyTo = p.replyTo;
      reply = errorReply(p.id ?? '', p.error);
    } else if (!p.request.replyTo) {
      errors.record(dgError('DG_E_BUS_BAD_REQUEST', 'replyTo is required on the NATS command queue'));
    } else {
      replyTo = p.request.replyTo;
      const beat = setInterval(
        () => {
          try {
            m.working();
          } catch {
            // connection gone: the request is delivered again at the next start
          }
        },
        Math.max(Math.floor(this.ackWaitMs / 3), 100),
      );
      try {
        reply = await runRequest(
          p.request,
          this.deps.handler,
          { gateway: this.deps.gateway, transport: 'nats' },
          this.deps.clock,
        );
      } finally {
        clearInterval(beat);
      }
    }
    try {
      if (replyTo && reply) this.deps.nc.publish(replyTo, JSON.stringify(reply));
      // Same connection, so the server sees the reply before the ack.
      await m.ackAck();
    } catch (e) {
      // Not acked: delivered again (after the ack wait, or at the next start) and answered then.
      errors.record(dgError('DG_E_BUS_UNAVAILABLE', `reply/ack: ${message(e)}`));
    }
  }

  /** Stop taking requests; waits for the one in hand to be answered and acked. */
  async close(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.messages.stop();
    await this.loop;
  }
}
