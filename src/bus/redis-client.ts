/**
 * Redis command client: LPUSH the request onto `deskgate:<gateway>:cmd` and wait for the reply on
 * this client's own list `deskgate:reply:<client id>` (one BRPOP loop serves all pending requests,
 * matched by id). On timeout the request is LREMoved from the queue if the gateway has not taken it
 * yet (the message then says so); either way the reply is DG_E_BUS_TIMEOUT.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { systemClock, type Clock } from '../core/clock.js';
import { asDeskgateError, dgError, ErrorCounter, isDeskgateError } from '../core/errors.js';
import type { CommandClient, SendOptions } from './bus.js';
import { checkGateway, REDIS_REPLY_PREFIX, redisNames } from './names.js';
import { DEFAULT_REDIS_URL, openRedis } from './redis-connect.js';
import { errorReply, parseReply, WIRE_VERSION, type CommandReply } from './wire.js';

export interface RedisClientOptions {
  readonly url?: string;
  readonly clock?: Clock;
}

interface Pending {
  resolve(r: CommandReply): void;
}

export class RedisCommandClient implements CommandClient {
  readonly transport = 'redis' as const;
  readonly errors = new ErrorCounter();
  readonly replyKey = `${REDIS_REPLY_PREFIX}${randomUUID()}`;
  private readonly pending = new Map<string, Pending>();
  private loop: Promise<void> | undefined;
  private closed = false;

  private constructor(
    private readonly cmd: Redis,
    private readonly blk: Redis,
    private readonly clock: Clock,
  ) {}

  static async connect(opts: RedisClientOptions = {}): Promise<RedisCommandClient> {
    const url = opts.url ?? DEFAULT_REDIS_URL;
    const cmd = await openRedis(url, 'deskgate-client');
    const blk = await openRedis(url, 'deskgate-client-reply').catch((e: unknown) => {
      cmd.disconnect();
      throw e;
    });
    return new RedisCommandClient(cmd, blk, opts.clock ?? systemClock);
  }

  async sendCommand(gateway: string, cmd: string, payload?: unknown, opts: SendOptions = {}): Promise<CommandReply> {
    const id = randomUUID();
    if (this.closed) return errorReply(id, dgError('DG_E_BUS_UNAVAILABLE', 'client closed'));
    try {
      checkGateway(gateway);
    } catch (e) {
      return errorReply(id, asDeskgateError(e));
    }
    const timeoutMs = opts.timeoutMs ?? 5000;
    const json = JSON.stringify({
      v: WIRE_VERSION,
      id,
      cmd,
      payload: payload ?? null,
      key: opts.key,
      deadline: this.clock.now() + timeoutMs,
      replyTo: this.replyKey,
    });
    const queue = redisNames.cmd(gateway);
    const reply = new Promise<CommandReply>((resolve) => this.pending.set(id, { resolve }));
    this.ensureLoop();
    try {
      await this.cmd.lpush(queue, json);
    } catch (e) {
      this.pending.delete(id);
      return errorReply(id, dgError('DG_E_BUS_UNAVAILABLE', e instanceof Error ? e.message : 'lpush'));
    }
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<CommandReply>((resolve) => {
      timer = setTimeout(() => {
        this.pending.delete(id);
        this.cmd
          .lrem(queue, 1, json)
          .then((n) => (n > 0 ? 'never delivered (withdrawn from the queue)' : 'taken by the gateway, outcome unknown'))
          .catch(() => 'outcome unknown')
          .then((what) =>
            resolve(errorReply(id, dgError('DG_E_BUS_TIMEOUT', `${gateway} ${cmd} after ${timeoutMs} ms: ${what}`))),
          );
      }, timeoutMs);
    });
    try {
      return await Promise.race([reply, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  private ensureLoop(): void {
    if (this.loop) return;
    this.loop = (async () => {
      while (!this.closed) {
        let popped: [string, string] | null;
        try {
          popped = await this.blk.brpop(this.replyKey, 1);
        } catch {
          if (this.closed) return;
          await new Promise((r) => setTimeout(r, 200));
          continue;
        }
        if (!popped) continue;
        const r = parseReply(popped[1]);
        if (isDeskgateError(r)) {
          this.errors.record(r);
          continue;
        }
        const p = this.pending.get(r.id);
        if (!p) continue; // late reply to a request that already timed out
        this.pending.delete(r.id);
        p.resolve(r);
      }
    })();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const [id, p] of this.pending) p.resolve(errorReply(id, dgError('DG_E_BUS_UNAVAILABLE', 'client closed')));
    this.pending.clear();
    this.blk.disconnect();
    await this.loop?.catch(() => undefined);
    await this.cmd.quit().catch(() => this.cmd.disconnect());
  }
}
