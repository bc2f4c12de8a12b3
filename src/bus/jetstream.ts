/**
 * JetStream for durable order and fill events: a stream per gateway (`DESKGATE_<GATEWAY>` over
 * `deskgate.<gateway>.evt.order` and `.evt.fill`, file storage), created if missing, and durable
 * pull consumers that resume where they left off after a restart (explicit acks; an event that was
 * delivered but not acked is delivered again after `ackWaitMs`).
 *
 * Also the gateway's command queue (nats-cmd-queue.ts): a work-queue stream `DESKGATECMD_<GATEWAY>`
 * over `deskgate.<gateway>.cmdq` (a request leaves it when the gateway acks it) and its one durable
 * pull consumer; the KV bucket `deskgate_<gateway>_attempts` that counts how many times each
 * request was taken across consumer resets (RequestAttempts); and the dead-letter stream
 * `DESKGATEDEAD_<GATEWAY>` over `deskgate.<gateway>.cmd.dead` where poison requests are kept.
 */
import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  nanos,
  RetentionPolicy,
  StorageType,
  type JetStreamManager,
  type JsMsg,
  type KV,
  type NatsConnection,
  type StreamConfig,
} from 'nats';
import { dgError, ErrorCounter } from '../core/errors.js';
import {
  checkEventType,
  checkGateway,
  DEAD_LETTER_MAX,
  DURABLE_EVENT_TYPES,
  NATS_CMD_CONSUMER,
  natsNames,
} from './names.js';
import { DEFAULT_NATS_SERVERS, openNats } from './nats-connect.js';
import { parseEvent, type BusEvent } from './wire.js';

export interface StreamOptions {
  readonly gateway: string;
  /** Event types kept; default order and fill. */
  readonly types?: readonly string[];
  /** Drop events older than this; default 0 = keep (bounded by maxMessages). */
  readonly maxAgeMs?: number;
  /** Keep at most this many events; default 10 million. */
  readonly maxMessages?: number;
  /** Publishes with the same event id inside this window are stored once. Default 2 minutes. */
  readonly duplicateWindowMs?: number;
}

/** Create the gateway's stream if missing (an existing stream's subjects are extended if needed). Returns its name. */
export async function ensureEventStream(jsm: JetStreamManager, opts: StreamOptions): Promise<string> {
  const name = natsNames.stream(opts.gateway);
  const subjects = (opts.types ?? DURABLE_EVENT_TYPES).map((t) => natsNames.evt(opts.gateway, t));
  try {
    const info = await jsm.streams.info(name);
    const missing = subjects.filter((s) => !info.config.subjects?.includes(s));
    if (missing.length > 0)
      await jsm.streams.update(name, { ...info.config, subjects: [...(info.config.subjects ?? []), ...missing] });
    return name;
  } catch (e) {
    if (!/not found/i.test(e instanceof Error ? e.message : ''))
      throw dgError('DG_E_BUS_UNAVAILABLE', `jetstream: ${String(e)}`);
  }
  await jsm.streams.add({
    name,
    subjects,
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    max_age: nanos(opts.maxAgeMs ?? 0),
    max_msgs: opts.maxMessages ?? 10_000_000,
    duplicate_window: nanos(opts.duplicateWindowMs ?? 120_000),
  });
  return name;
}

export interface CommandStreamOptions {
  readonly gateway: string;
  /** Requests nobody took within this long are dropped. Default 24 h (requests carry deadlines). */
  readonly maxAgeMs?: number;
  /** At most this many waiting requests; a publish beyond it fails. Default 100 000. */
  readonly maxMessages?: number;
  /** Publishes with the same request id inside this window are stored once. Default 2 minutes. */
  readonly duplicateWindowMs?: number;
}

const notFound = (e: unknown): boolean => /not found/i.test(e instanceof Error ? e.message : String(e));

/** Create stream `cfg.name` unless it exists; any failure but "not found" is DG_E_BUS_UNAVAILABLE. Returns its name. */
async function ensureStream(jsm: JetStreamManager, cfg: Partial<StreamConfig> & { name: string }): Promise<string> {
  try {
    await jsm.streams.info(cfg.name);
    return cfg.name;
  } catch (e) {
    if (!notFound(e)) throw dgError('DG_E_BUS_UNAVAILABLE', `jetstream: ${String(e)}`);
  }
  try {
    await jsm.streams.add(cfg);
  } catch (e) {
    throw dgError('DG_E_BUS_UNAVAILABLE', `jetstream: ${String(e)}`);
  }
  return cfg.name;
}

/** Create the gateway's command work-queue stream if missing. Returns its name. */
export function ensureCommandStream(jsm: JetStreamManager, opts: CommandStreamOptions): Promise<string> {
  return ensureStream(jsm, {
    name: natsNames.cmdStream(opts.gateway),
    subjects: [natsNames.cmdQueue(opts.gateway)],
    storage: StorageType.File,
    retention: RetentionPolicy.Workqueue,
    discard: DiscardPolicy.New,
    max_age: nanos(opts.maxAgeMs ?? 24 * 3600_000),
    max_msgs: opts.maxMessages ?? 100_000,
    duplicate_window: nanos(opts.duplicateWindowMs ?? 120_000),
  });
}

export interface CommandConsumerOptions {
  /** A request taken and neither acked nor marked in progress within this long is delivered again. */
  readonly ackWaitMs: number;
  /** Deliveries of one request within one consumer's life. */
  readonly maxDeliver: number;
}

/**
 * (Re)create the command consumer: one request in hand at a time (`max_ack_pending` 1, so arrival
 * order holds across redeliveries). A previous server's consumer is replaced, so what it took and
 * never acked is delivered again at once, oldest first, instead of after its ack wait. Returns how
 * many requests the previous consumer had in hand (they come first).
 */
export async function resetCommandConsumer(
  jsm: JetStreamManager,
  stream: string,
  opts: CommandConsumerOptions,
): Promise<number> {
  let inHand = 0;
  try {
    const info = await jsm.consumers.info(stream, NATS_CMD_CONSUMER);
    inHand = info.num_ack_pending;
    await jsm.consumers.delete(stream, NATS_CMD_CONSUMER);
  } catch (e) {
    if (!notFound(e)) throw dgError('DG_E_BUS_UNAVAILABLE', `jetstream: ${String(e)}`);
  }
  await jsm.consumers.add(stream, {
    durable_name: NATS_CMD_CONSUMER,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: nanos(opts.ackWaitMs),
    max_deliver: opts.maxDeliver,
    max_ack_pending: 1,
  });
  return inHand;
}

/**
 * How many times each queued request was taken, kept in the KV bucket `deskgate_<gateway>_attempts`
 * (key: the request id, base64url; value: the count as text). The consumer's own delivery count
 * starts again whenever resetCommandConsumer replaces it, so it cannot bound re-deliveries across
 * restarts; this count survives them. Entries expire with the command stream's max age, so one left
 * behind by a crash between the ack and the clear does not stay.
 */
export class RequestAttempts {
  private constructor(
    private readonly jsm: JetStreamManager,
    private readonly kv: KV,
    private readonly bucket: string,
    private readonly stream: string,
  ) {}

  /** Open (create if missing) the gateway's bucket; entries live as long as the command stream keeps requests. */
  static async open(nc: NatsConnection, jsm: JetStreamManager, gateway: string): Promise<RequestAttempts> {
    const bucket = natsNames.attemptsBucket(gateway);
    try {
      const info = await jsm.streams.info(natsNames.cmdStream(gateway));
      const ttlMs = Math.floor((info.config.max_age ?? 0) / 1e6);
      const kv = await nc.jetstream().views.kv(bucket, {
        history: 1,
        storage: StorageType.File,
        ...(ttlMs > 0 ? { ttl: ttlMs } : {}),
      });
      return new RequestAttempts(jsm, kv, bucket, natsNames.attemptsStream(gateway));
    } catch (e) {
      throw dgError('DG_E_BUS_UNAVAILABLE', `jetstream attempts bucket: ${String(e)}`);
    }
  }

  /** The KV key of a request id (ids may hold characters KV keys may not). */
  static key(id: string): string {
    return Buffer.from(id, 'utf8').toString('base64url');
  }

  /** Count one more take of `id` (stored before returning) and return the new count. */
  async bump(id: string): Promise<number> {
    const key = RequestAttempts.key(id);
    const e = await this.kv.get(key);
    const before = e && e.operation === 'PUT' ? Number(e.string()) || 0 : 0;
    await this.kv.put(key, String(before + 1));
    return before + 1;
  }

  /** Forget `id` (answered). Purges the subject, so no delete marker is left in the bucket. */
  async clear(id: string): Promise<void> {
    await this.jsm.streams.purge(this.stream, { filter: `$KV.${this.bucket}.${RequestAttempts.key(id)}` });
  }
}

/** Create the gateway's dead-letter stream if missing (newest DEAD_LETTER_MAX poison requests). Returns its name. */
export function ensureDeadLetterStream(jsm: JetStreamManager, gateway: string): Promise<string> {
  return ensureStream(jsm, {
    name: natsNames.deadStream(gateway),
    subjects: [natsNames.cmdDead(gateway)],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    max_msgs: DEAD_LETTER_MAX,
    duplicate_window: nanos(120_000),
  });
}

export interface DurableReaderOptions {
  readonly gateway: string;
  /** Durable consumer name: the position survives restarts under this name. */
  readonly durable: string;
  readonly servers?: string | string[];
  /** Only this event type (e.g. 'fill'); default all types in the stream. */
  readonly type?: string;
  /** Redelivery delay for unacked events. Default 30 s. */
  readonly ackWaitMs?: number;
}

export interface DurableDelivery {
  readonly event: BusEvent;
  /** Stream sequence. */
  readonly streamSeq: number;
  readonly redelivered: boolean;
  /** Ack and wait for the server to confirm it (so a restart right after cannot redeliver). */
  ack(): Promise<void>;
}

const DURABLE = /^[A-Za-z0-9_-]{1,64}$/;

export class DurableEventReader {
  readonly errors = new ErrorCounter();
  private constructor(
    private readonly nc: NatsConnection,
    private readonly stream: string,
    private readonly durable: string,
  ) {}

  static async open(opts: DurableReaderOptions): Promise<DurableEventReader> {
    checkGateway(opts.gateway);
    if (!DURABLE.test(opts.durable)) throw dgError('DG_E_BUS_BAD_NAME', 'durable consumer name');
    const nc = await openNats(opts.servers ?? DEFAULT_NATS_SERVERS, `deskgate-reader-${opts.durable}`);
    try {
      const jsm = await nc.jetstreamManager();
      const stream = await ensureEventStream(jsm, { gateway: opts.gateway });
      const exists = await jsm.consumers.info(stream, opts.durable).then(
        () => true,
        () => false,
      );
      if (!exists) {
        await jsm.consumers.add(stream, {
          durable_name: opts.durable,
          ack_policy: AckPolicy.Explicit,
          deliver_policy: DeliverPolicy.All,
          ack_wait: nanos(opts.ackWaitMs ?? 30_000),
          ...(opts.type ? { filter_subject: natsNames.evt(opts.gateway, checkEventType(opts.type)) } : {}),
        });
      }
      return new DurableEventReader(nc, stream, opts.durable);
    } catch (e) {
      await nc.close();
      throw e;
    }
  }

  /** Fetch up to `max` events, waiting at most `expiresMs` for them. */
  async fetch(max: number, expiresMs = 1000): Promise<DurableDelivery[]> {
    const consumer = await this.nc.jetstream().consumers.get(this.stream, this.durable);
    const batch = await consumer.fetch({ max_messages: max, expires: Math.max(expiresMs, 1000) });
    const out: DurableDelivery[] = [];
    for await (const m of batch) {
      const event = parseEvent(m.data);
      if (!event) {
        this.errors.record(dgError('DG_E_BUS_BAD_REQUEST', `malformed event at stream seq ${m.seq}`));
        m.term(); // never redeliver garbage
        continue;
      }
      out.push(delivery(m, event));
    }
    return out;
  }

  async close(): Promise<void> {
    await this.nc.drain().catch(() => this.nc.close());
  }
}

function delivery(m: JsMsg, event: BusEvent): DurableDelivery {
  return {
    event,
    streamSeq: m.seq,
    redelivered: m.redelivered,
    ack: async () => {
      await m.ackAck();
    },
  };
}
