/**
 * Redis transport.
 *
 * Events: PUBLISH `deskgate:<gateway>:evt:<type>` with the event JSON (wire.ts). Subscribers
 * (P)SUBSCRIBE those channels; pub/sub is fire-and-forget (a subscriber that is down misses events;
 * use NATS JetStream for durable order/fill history).
 *
 * Commands: the client LPUSHes the request JSON onto the list `deskgate:<gateway>:cmd`; the
 * gateway BRPOPs it (FIFO), handles commands one at a time, and replies with LPUSH onto the
 * request's `replyTo` key (`deskgate:reply:<client id>`) followed by PEXPIRE, in one MULTI. A request
 * whose `deadline` has passed is answered DG_E_BUS_EXPIRED without running. Unparseable requests
 * are answered when a usable id/replyTo can be recovered, counted otherwise; the loop goes on.
 */
import type { Redis } from 'ioredis';
import { systemClock, type Clock } from '../core/clock.js';
import { asDeskgateError, dgError, ErrorCounter } from '../core/errors.js';
import type { Bus, EventInput, Subscription } from './bus.js';
import { runRequest, type CommandHandler } from './commands.js';
import { buildEvent, deliverSafely } from './event-build.js';
import { checkEventType, checkGateway, redisNames } from './names.js';
import { DEFAULT_REDIS_URL, openRedis } from './redis-connect.js';
import { errorReply, parseEvent, parseRequest, type BusEvent, type CommandReply } from './wire.js';

export interface RedisBusOptions {
  readonly gateway: string;
  readonly url?: string;
  readonly clock?: Clock;
  /** Reply keys expire after this long if the client never reads them. Default 60 s. */
  readonly replyTtlMs?: number;
  /** BRPOP block time; bounds how long close() waits. Default 1 s. */
  readonly blockSeconds?: number;
}

export class RedisBus implements Bus {
  readonly transport = 'redis' as const;
  readonly gateway: string;
  readonly errors = new ErrorCounter();
  private readonly url: string;
  private readonly clock: Clock;
  private readonly replyTtlMs: number;
  private readonly blockSeconds: number;
  private readonly extra = new Set<Redis>();
  private readonly loops = new Set<Promise<void>>();
  private closed = false;

  private constructor(
    private readonly pub: Redis,
    opts: RedisBusOptions,
  ) {
    this.gateway = opts.gateway;
    this.url = opts.url ?? DEFAULT_REDIS_URL;
    this.clock = opts.clock ?? systemClock;
    this.replyTtlMs = opts.replyTtlMs ?? 60_000;
    this.blockSeconds = opts.blockSeconds ?? 1;
  }

  static async connect(opts: RedisBusOptions): Promise<RedisBus> {
    checkGateway(opts.gateway);
    return new RedisBus(await openRedis(opts.url, `deskgate-${opts.gateway}`), opts);
  }

  /** The command connection, for helpers that PUBLISH/SET on it (kucoin-redis.ts). */
  get redis(): Redis {
    return this.pub;
  }

  async publish(input: EventInput): Promise<void> {
    const { event, json } = buildEvent(this.gateway, input, this.clock);
    await this.pub.publish(redisNames.evt(this.gateway, event.type), json);
  }

  async subscribe(types: readonly string[] | '*', onEvent: (event: BusEvent) => void): Promise<Subscription> {
    const sub = await this.open('sub');
    let open = true;
    const deliver = (raw: string): void => {
      if (!open) return;
      const e = parseEvent(raw);
      if (!e || e.gateway !== this.gateway)
        return void this.errors.record(dgError('DG_E_BUS_BAD_REQUEST', 'malformed event'));
      deliverSafely(onEvent, e, this.errors);
    };
    if (types === '*') {
      sub.on('pmessage', (_p: string, _c: string, m: string) => deliver(m));
      await sub.psubscribe(redisNames.evtPattern(this.gateway));
    } else {
      const channels = types.map((t) => redisNames.evt(this.gateway, checkEventType(t)));
      sub.on('message', (_c: string, m: string) => deliver(m));
      await sub.subscribe(...channels);
    }
    return {
      close: async () => {
        open = false;
        await this.drop(sub);
      },
    };
  }

  async serveCommands(handler: CommandHandler): Promise<Subscription> {
    const blk = await this.open('cmd');
    const key = redisNames.cmd(this.gateway);
    let stop = false;
    const loop = (async () => {
      while (!stop && !this.closed) {
        let popped: [string, string] | null;
        try {
          popped = await blk.brpop(key, this.blockSeconds);
        } catch (e) {
          if (stop || this.closed) return;
          this.errors.record(dgError('DG_E_BUS_UNAVAILABLE', e instanceof Error ? e.message : 'brpop'));
          await new Promise((r) => setTimeout(r, 200));
          continue;
        }
        if (!popped) continue;
        await this.handleOne(popped[1], handler);
      }
    })();
    this.loops.add(loop);
    return {
      close: async () => {
        stop = true;
        await loop;
        this.loops.delete(loop);
        await this.drop(blk);
      },
    };
  }

  private async handleOne(raw: string, handler: CommandHandler): Promise<void> {
    let reply: CommandReply;
    let replyTo: string | undefined;
    const p = parseRequest(raw);
    if (!p.ok) {
      this.errors.record(p.error);
      replyTo = p.replyTo;
      reply = errorReply(p.id ?? '', p.error);
    } else if (!p.request.replyTo) {
      const e = dgError('DG_E_BUS_BAD_REQUEST', 'replyTo is required on Redis');
      this.errors.record(e);
      return;
    } else {
      replyTo = p.request.replyTo;
      reply = await runRequest(p.request, handler, { gateway: this.gateway, transport: 'redis' }, this.clock);
    }
    if (!replyTo) return;
    try {
      await this.pub.multi().lpush(replyTo, JSON.stringify(reply)).pexpire(replyTo, this.replyTtlMs).exec();
    } catch (e) {
      this.errors.record(asDeskgateError(e));
    }
  }

  private async open(role: string): Promise<Redis> {
    if (this.closed) throw dgError('DG_E_BUS_UNAVAILABLE', 'bus closed');
    const r = await openRedis(this.url, `deskgate-${this.gateway}-${role}`);
    this.extra.add(r);
    return r;
  }

  private async drop(r: Redis): Promise<void> {
    if (!this.extra.delete(r)) return;
    r.disconnect();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.loops]);
    for (const r of this.extra) r.disconnect();
    this.extra.clear();
    await this.pub.quit().catch(() => this.pub.disconnect());
  }
}
