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
 *
 * Poison requests: the consumer is replaced at every start, so its delivery count (and maxDeliver)
 * only covers one server's life, and a request whose handling kills the gateway would come back
 * first at every start forever. So before a valid request runs, its count in the KV bucket
 * `deskgate_<gateway>_attempts` (key: request id, base64url) is raised and stored; it is purged after
 * the ack. A request taken more than `maxDeliveries` times in all (default 3; redeliveries after the
 * ack wait count too) is not run: it is published to `deskgate.<gateway>.cmd.dead` (stream
 * `DESKGATEDEAD_<GATEWAY>`, created on first use, newest 1000 kept, de-duplicated on its stream
 * sequence), answered DG_E_BUS_POISON and acked; `poisoned` counts it. If the count cannot be
 * stored the request is not run and not acked (it comes again).
 */
import type { ConsumerMessages, JetStreamManager, JsMsg, NatsConnection } from 'nats';
import type { Clock } from '../core/clock.js';
import { dgError, type DeskgateError, type ErrorCounter } from '../core/errors.js';
import { runRequest, type CommandHandler, type SerialQueue } from './commands.js';
import { ensureCommandStream, ensureDeadLetterStream, RequestAttempts, resetCommandConsumer } from './jetstream.js';
import { DEFAULT_MAX_DELIVERIES, NATS_CMD_CONSUMER, natsNames } from './names.js';
import { errorReply, parseRequest, type CommandReply, type CommandRequest } from './wire.js';

export interface CommandQueueOptions {
  /** Ack wait of the consumer; in-progress is signalled every third of it. Default 30 s. */
  readonly ackWaitMs?: number;
  /** Deliveries of one request within one server's life (raised to maxDeliveries + 1). Default 5. */
  readonly maxDeliver?: number;
  /** A request taken this many times in all (across restarts) is refused DG_E_BUS_POISON the next time. Default 3. */
  readonly maxDeliveries?: number;
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
  /** Requests refused DG_E_BUS_POISON (and dead-lettered). */
  poisoned = 0;
  private stopped = false;
  private deadStream: Promise<string> | undefined;

  private constructor(
    private readonly deps: QueueDeps,
    private readonly jsm: JetStreamManager,
    private readonly attempts: RequestAttempts,
    private readonly maxDeliveries: number,
    private readonly ackWaitMs: number,
    private readonly messages: ConsumerMessages,
    private inHand: number,
  ) {}

  static async start(deps: QueueDeps, opts: CommandQueueOptions = {}): Promise<NatsCommandQueue> {
    const ackWaitMs = opts.ackWaitMs ?? 30_000;
    const maxDeliveries = opts.maxDeliveries ?? DEFAULT_MAX_DELIVERIES;
    if (!(Number.isSafeInteger(maxDeliveries) && maxDeliveries >= 1))
      throw dgError('DG_E_BAD_INPUT', `maxDeliveries must be a positive integer, got ${String(maxDeliveries)}`);
    const jsm = await deps.nc.jetstreamManager();
    const stream = await ensureCommandStream(jsm, { gateway: deps.gateway });
    const attempts = await RequestAttempts.open(deps.nc, jsm, deps.gateway);
    // The poison answer must come before the server gives up on the request within one life.
    const maxDeliver = Math.max(opts.maxDeliver ?? 5, maxDeliveries + 1);
    const inHand = await resetCommandConsumer(jsm, stream, { ackWaitMs, maxDeliver });
    const consumer = await deps.nc.jetstream().consumers.get(stream, NATS_CMD_CONSUMER);
    const messages = await consumer.consume({ max_messages: 1 });
    const q = new NatsCommandQueue(deps, jsm, attempts, maxDeliveries, ackWaitMs, messages, inHand);
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
    let counted: string | undefined;
    let poison: DeskgateError | undefined;
    const p = parseRequest(m.data, 'nats');
    if (!p.ok) {
      errors.record(p.error);
      replyTo = p.replyTo;
      reply = errorReply(p.id ?? '', p.error);
    } else if (!p.request.replyTo) {
      errors.record(dgError('DG_E_BUS_BAD_REQUEST', 'replyTo is required on the NATS command queue'));
    } else {
      replyTo = p.request.replyTo;
      counted = p.request.id;
      let taken: number;
      try {
        // Stored before the handler runs: a crash while handling counts.
        taken = await this.attempts.bump(counted);
      } catch (e) {
        // Not run, not acked: delivered again (after the ack wait, or at the next start).
        return void errors.record(dgError('DG_E_BUS_UNAVAILABLE', `attempts: ${message(e)}`));
      }
      if (taken > this.maxDeliveries) {
        poison = dgError('DG_E_BUS_POISON', `taken ${taken - 1} times without an answer`);
        reply = errorReply(p.request.id, poison);
        try {
          await this.deadLetter(m);
        } catch (e) {
          return void errors.record(dgError('DG_E_BUS_UNAVAILABLE', `dead letter: ${message(e)}`));
        }
      } else {
        reply = await this.runInProgress(m, p.request);
      }
    }
    try {
      if (replyTo && reply) this.deps.nc.publish(replyTo, JSON.stringify(reply));
      // Same connection, so the server sees the reply before the ack.
      await m.ackAck();
    } catch (e) {
      // Not acked: delivered again (after the ack wait, or at the next start) and answered then.
      return void errors.record(dgError('DG_E_BUS_UNAVAILABLE', `reply/ack: ${message(e)}`));
    }
    if (poison) {
      this.poisoned++;
      errors.record(poison);
    }
    if (counted !== undefined) {
      // Left behind on failure: it expires with the command stream's max age.
      await this.attempts.clear(counted).catch((e: unknown) => {
        errors.record(dgError('DG_E_BUS_UNAVAILABLE', `attempts clear: ${message(e)}`));
      });
    }
  }

  /** Run the command, marking the request in progress every third of the ack wait meanwhile. */
  private async runInProgress(m: JsMsg, request: CommandRequest): Promise<CommandReply> {
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
      return await runRequest(
        request,
        this.deps.handler,
        { gateway: this.deps.gateway, transport: 'nats' },
        this.deps.clock,
      );
    } finally {
      clearInterval(beat);
    }
  }

  /** Keep the raw request in the dead-letter stream (stored before the request is acked). */
  private async deadLetter(m: JsMsg): Promise<void> {
    this.deadStream ??= ensureDeadLetterStream(this.jsm, this.deps.gateway);
    try {
      await this.deadStream;
    } catch (e) {
      this.deadStream = undefined;
      throw e;
    }
    // De-duplicated on the command's stream sequence: dying between this and the ack stores it once.
    await this.deps.nc.jetstream().publish(natsNames.cmdDead(this.deps.gateway), m.data, {
      msgID: `${natsNames.cmdStream(this.deps.gateway)}-${m.seq}`,
    });
  }

  /** Stop taking requests; waits for the one in hand to be answered and acked. */
  async close(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.messages.stop();
    await this.loop;
  }
}
