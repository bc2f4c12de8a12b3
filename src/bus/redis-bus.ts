/**
 * Redis transport.
 *
 * Events: PUBLISH `deskgate:<gateway>:evt:<type>` with the event JSON (wire.ts). Subscribers
 * (P)SUBSCRIBE those channels; pub/sub is fire-and-forget (a subscriber that is down misses events;
 * use NATS JetStream for durable order/fill history).
 *
 * Commands, at least once: the client LPUSHes the request JSON onto the list `deskgate:<gateway>:cmd`;
 * the gateway takes the oldest with BLMOVE into `deskgate:<gateway>:cmd:processing`, handles
 * commands one at a time, and answers in one MULTI: LPUSH of the reply onto the request's `replyTo`
 * key (`deskgate:reply:<client id>`), PEXPIRE of that key, LREM of the request from the processing
 * list. A request whose `deadline` has passed is answered DG_E_BUS_EXPIRED without running.
 * Unparseable requests are answered when a usable id/replyTo can be recovered, counted otherwise;
 * either way they leave the processing list and the loop goes on.
 *
 * Crash: a request stays in the processing list until its reply is pushed, so a gateway that dies
 * between taking and answering loses nothing. When serveCommands starts (and after the blocking
 * connection failed), before taking anything new, it re-handles what is left there, oldest first:
 *   - past its deadline: answered DG_E_BUS_EXPIRED, not run now. It may have run before the crash;
 *     the client has already given up with DG_E_BUS_TIMEOUT "taken by the gateway, outcome unknown"
 *     and finds out with a `query` (order events also tell).
 *   - otherwise it runs again, and the client, still waiting, gets its one reply a restart later.
 *     The handler must be idempotent for that: the gateway kernel journals every bus request under
 *     its `key` (or its request id) and answers a repeated place or cancel with the order's current
 *     state, as if the first attempt had replied (gateway/command-handler.ts). A request that never
 *     reached the journal simply runs for the first time.
 * Reply and LREM are one MULTI, so a request is answered once. One server per gateway name: the
 * processing list belongs to it (a second server would re-handle the first one's request in hand).
 *
 * Poison requests: one whose handling kills the gateway every time would be re-handled at every
 * start forever, and every later command would wait behind it. So before a valid request is run
 * (taken or re-handled) the gateway HINCRBYs its field (the request id) in
 * `deskgate:<gateway>:cmd:attempts`; the answering MULTI HDELs it. A request taken more than
 * `maxDeliveries` times (default 3) is not run: it is answered DG_E_BUS_POISON and moved, in the same
 * MULTI, to `deskgate:<gateway>:cmd:dead` (LPUSH, trimmed to the newest 1000) for an operator to
 * inspect; `poisoned` counts it. The count is written before the handler runs, so a crash while
 * handling counts. Recovery drops fields whose request is no longer in the processing list.
 */
import type { Redis } from 'ioredis';
import { systemClock, type Clock } from '../core/clock.js';
import { asDeskgateError, dgError, ErrorCounter, type DeskgateError } from '../core/errors.js';
import type { Bus, EventInput, Subscription } from './bus.js';
import { runRequest, type CommandHandler } from './commands.js';
import { buildEvent, deliverSafely } from './event-build.js';
import { checkEventType, checkGateway, DEAD_LETTER_MAX, DEFAULT_MAX_DELIVERIES, redisNames } from './names.js';
import { DEFAULT_REDIS_URL, openRedis } from './redis-connect.js';
import { errorReply, parseEvent, parseRequest, type BusEvent, type CommandReply } from './wire.js';

const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface RedisBusOptions {
  readonly gateway: string;
  readonly url?: string;
  readonly clock?: Clock;
  /** Reply keys expire after this long if the client never reads them. Default 60 s. */
  readonly replyTtlMs?: number;
  /** BLMOVE block time; bounds how long close() waits. Default 1 s. */
  readonly blockSeconds?: number;
  /** A request taken this many times without an answer is refused DG_E_BUS_POISON the next time. Default 3. */
  readonly maxDeliveries?: number;
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
  private redeliveredCount = 0;
  private poisonedCount = 0;
  private readonly maxDeliveries: number;
  private readonly attempts: string;
  private readonly dead: string;

  private constructor(
    private readonly pub: Redis,
    opts: RedisBusOptions,
  ) {
    this.gateway = opts.gateway;
    this.url = opts.url ?? DEFAULT_REDIS_URL;
    this.clock = opts.clock ?? systemClock;
    this.replyTtlMs = opts.replyTtlMs ?? 60_000;
    this.blockSeconds = opts.blockSeconds ?? 1;
    this.maxDeliveries = opts.maxDeliveries ?? DEFAULT_MAX_DELIVERIES;
    this.attempts = redisNames.cmdAttempts(opts.gateway);
    this.dead = redisNames.cmdDead(opts.gateway);
  }

  static async connect(opts: RedisBusOptions): Promise<RedisBus> {
    checkGateway(opts.gateway);
    const max = opts.maxDeliveries;
    if (max !== undefined && !(Number.isSafeInteger(max) && max >= 1))
      throw dgError('DG_E_BAD_INPUT', `maxDeliveries must be a positive integer, got ${String(max)}`);
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
    const processing = redisNames.cmdProcessing(this.gateway);
    let stop = false;
    const halted = (): boolean => stop || this.closed;
    const loop = (async () => {
      // What a previous server (or this one, before a lost connection) took and never answered.
      let recover = true;
      while (!halted()) {
        if (recover) {
          try {
            recover = !(await this.recover(processing, handler, halted));
          } catch (e) {
            this.errors.record(dgError('DG_E_BUS_UNAVAILABLE', e instanceof Error ? e.message : 'recover'));
          }
          if (recover && !halted()) await pause(200);
          continue;
        }
        let taken: string | null;
        try {
          taken = await blk.blmove(key, processing, 'RIGHT', 'LEFT', this.blockSeconds);
        } catch (e) {
          if (halted()) return;
          this.errors.record(dgError('DG_E_BUS_UNAVAILABLE', e instanceof Error ? e.message : 'blmove'));
          // The server may have moved a request whose answer never reached us: it is in the list.
          recover = true;
          await pause(200);
          continue;
        }
        if (taken === null) continue;
        if (!(await this.handleOne(taken, handler, processing))) recover = true;
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

  /** Requests re-handled from the processing list since this bus connected. */
  get redelivered(): number {
    return this.redeliveredCount;
  }

  /** Requests refused DG_E_BUS_POISON (and moved to the dead-letter list) since this bus connected. */
  get poisoned(): number {
    return this.poisonedCount;
  }

  /** Re-handle the processing list, oldest (its tail) first. True when it was emptied. */
  private async recover(processing: string, handler: CommandHandler, halted: () => boolean): Promise<boolean> {
    const left = await this.pub.lrange(processing, 0, -1);
    await this.dropStaleAttempts(left);
    for (let i = left.length - 1; i >= 0; i--) {
      if (halted()) return false;
      this.redeliveredCount++;
      if (!(await this.handleOne(left[i], handler, processing))) return false;
    }
    return true;
  }

  /** Attempt counters whose request is no longer in the processing list (removed by hand, say). */
  private async dropStaleAttempts(left: readonly string[]): Promise<void> {
    const fields = await this.pub.hkeys(this.attempts);
    if (fields.length === 0) return;
    const held = new Set<string>();
    for (const raw of left) {
      const p = parseRequest(raw);
      if (p.ok) held.add(p.request.id);
    }
    const stale = fields.filter((f) => !held.has(f));
    if (stale.length > 0) await this.pub.hdel(this.attempts, ...stale);
  }

  /** Handle one taken request and answer it; false if the answer could not be written (it stays taken). */
  private async handleOne(raw: string, handler: CommandHandler, processing: string): Promise<boolean> {
    let reply: CommandReply | undefined;
    let replyTo: string | undefined;
    let counted: string | undefined;
    let poison: DeskgateError | undefined;
    const p = parseRequest(raw);
    if (!p.ok) {
      this.errors.record(p.error);
      replyTo = p.replyTo;
      reply = errorReply(p.id ?? '', p.error);
    } else if (!p.request.replyTo) {
      this.errors.record(dgError('DG_E_BUS_BAD_REQUEST', 'replyTo is required on Redis'));
    } else {
      replyTo = p.request.replyTo;
      counted = p.request.id;
      let taken: number;
      try {
        // Counted before the handler runs: a crash while handling counts.
        taken = await this.pub.hincrby(this.attempts, counted, 1);
      } catch (e) {
        this.errors.record(asDeskgateError(e));
        return false;
      }
      if (taken > this.maxDeliveries) {
        poison = dgError('DG_E_BUS_POISON', `taken ${taken - 1} times without an answer`);
        reply = errorReply(p.request.id, poison);
      } else {
        reply = await runRequest(p.request, handler, { gateway: this.gateway, transport: 'redis' }, this.clock);
      }
    }
    const tx = this.pub.multi();
    if (replyTo && reply) tx.lpush(replyTo, JSON.stringify(reply)).pexpire(replyTo, this.replyTtlMs);
    if (poison) tx.lpush(this.dead, raw).ltrim(this.dead, 0, DEAD_LETTER_MAX - 1);
    tx.lrem(processing, 1, raw);
    if (counted !== undefined) tx.hdel(this.attempts, counted);
    try {
      const res = await tx.exec();
      if (!res) throw dgError('DG_E_BUS_UNAVAILABLE', 'reply transaction aborted');
      for (const [err] of res) if (err) this.errors.record(asDeskgateError(err));
      if (poison) {
        this.poisonedCount++;
        this.errors.record(poison);
      }
      return true;
    } catch (e) {
      this.errors.record(asDeskgateError(e));
      return false;
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
