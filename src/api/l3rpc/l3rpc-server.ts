/**
 * The kucoin-level3-sdk compatible daemon of one symbol (S3.6, S3.7): a raw TCP JSON-RPC 1.0
 * server (not HTTP) on 127.0.0.1, default port 9090, plus the order-event fan-out to Redis.
 *
 * Wire: requests are JSON objects concatenated with no delimiter (json-stream.ts frames them);
 * each reply is one JSON object followed by `\n`, in request order per connection. A request
 * stream that is not JSON objects, or an object over `maxRequestBytes`, gets one error reply
 * (`{"id":null,"result":null,"error":"rpc: …"}`) and the connection is closed.
 *
 * Fan-out: every L3 event of the symbol (from the L3FeedSource) becomes its KuCoin v2 frame;
 * frames of registered orders are PUBLISHed whole to their channels (bus/kucoin-redis.ts).
 * Discovery: on start `kumexMarket:rpcKey:{symbol}:{rpckey}` = port (deleted again on close).
 */
import net from 'node:net';
import type { Redis } from 'ioredis';
import { publishFrame, registerRpcKey, unregisterRpcKey } from '../../bus/kucoin-redis.js';
import { systemClock, type Clock } from '../../core/clock.js';
import { dgError, ErrorCounter, isDeskgateError, type DeskgateError } from '../../core/errors.js';
import type { Instrument } from '../../core/instrument.js';
import type { GatewayPort } from '../gateway-port.js';
import { ClientOidFanout, type FanoutLimits } from './event-fanout.js';
import { JsonObjectSplitter } from './json-stream.js';
import type { L3FeedSource } from './l3-feed-source.js';
import { l3Frame } from './l3-frame.js';
import { L3RpcMethods, replyText, type RpcDialect, type RpcReply } from './rpc-methods.js';

export const DEFAULT_L3RPC_PORT = 9090;
const MAX_UNSENT_BYTES = 8 << 20;

export interface L3RpcServerOptions {
  readonly port: GatewayPort;
  /** Any notation the port understands, e.g. "BTC-USDT". */
  readonly symbol: string;
  readonly token: string;
  readonly feed: L3FeedSource;
  /** For the fan-out and the discovery key; without it frames are routed but not published. */
  readonly redis?: Redis;
  /** Discovery key suffix (`-rpckey`); no key is written without it. */
  readonly rpckey?: string;
  /** Listen address; default 127.0.0.1. */
  readonly host?: string;
  /** Default 9090; 0 picks a free port (read it back from `address().port`). */
  readonly listenPort?: number;
  readonly maxRequestBytes?: number;
  readonly maxConnections?: number;
  /** Requests received on one connection and not yet answered. Default 1024. */
  readonly maxQueuedRequests?: number;
  /** Frames waiting to be published to Redis before new ones are dropped (and counted). Default 10 000. */
  readonly maxPendingPublishes?: number;
  readonly maxLevels?: number;
  /** Reply encoding: 'v2' (default) or 'v1' (older KuMEX SDK demos; see rpc-methods.ts). */
  readonly dialect?: RpcDialect;
  readonly fanout?: FanoutLimits;
  readonly clock?: Clock;
}

export interface L3RpcStats {
  readonly connections: number;
  readonly requests: number;
  readonly framesPublished: number;
  readonly publishErrors: number;
  /** Frames dropped because the Redis backlog was full. */
  readonly framesDropped: number;
}

export class L3RpcServer {
  readonly fanout: ClientOidFanout;
  readonly errors = new ErrorCounter();
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private methods: L3RpcMethods | undefined;
  private inst: Instrument | undefined;
  private offFeed: (() => void) | undefined;
  private boundPort = 0;
  private keyWritten = false;
  private requests = 0;
  private published = 0;
  private publishErrors = 0;
  private publishChain: Promise<unknown> = Promise.resolve();
  private pendingPublishes = 0;
  private dropped = 0;

  constructor(private readonly o: L3RpcServerOptions) {
    this.fanout = new ClientOidFanout(o.fanout);
    this.server = net.createServer((s) => this.onConnection(s));
    this.server.maxConnections = o.maxConnections ?? 256;
  }

  get instrument(): Instrument | undefined {
    return this.inst;
  }

  address(): { host: string; port: number } {
    return { host: this.o.host ?? '127.0.0.1', port: this.boundPort };
  }

  stats(): L3RpcStats {
    return {
      connections: this.sockets.size,
      requests: this.requests,
      framesPublished: this.published,
      publishErrors: this.publishErrors,
      framesDropped: this.dropped,
    };
  }

  /** Resolve the symbol, sync its L3 book, start the fan-out, listen, write the discovery key. */
  async start(): Promise<void> {
    const inst = this.o.port.instrument(this.o.symbol);
    if (!inst) throw dgError('DG_E_UNKNOWN_INSTRUMENT', this.o.symbol);
    this.inst = inst;
    const clock = this.o.clock ?? systemClock;
    this.methods = new L3RpcMethods({
      port: this.o.port,
      instrument: inst,
      token: this.o.token,
      fanout: this.fanout,
      clock,
      ...(this.o.maxLevels !== undefined ? { maxLevels: this.o.maxLevels } : {}),
    });
    const book = await this.o.port.l3Book(inst);
    if (!book.ok) throw book.error;
    this.offFeed = this.o.feed.onL3(inst, (e) => {
      const frame = l3Frame(inst, e);
      if (!frame) return;
      const channels = this.fanout.route(frame);
      if (channels.length > 0) this.publish(channels, frame.text);
    });
    try {
      await new Promise<void>((resolve, reject) => {
        const onErr = (e: Error): void => reject(e);
        this.server.once('error', onErr);
        this.server.listen(this.o.listenPort ?? DEFAULT_L3RPC_PORT, this.o.host ?? '127.0.0.1', () => {
          this.server.off('error', onErr);
          resolve();
        });
      });
    } catch (e) {
      this.offFeed();
      this.offFeed = undefined;
      throw e;
    }
    const a = this.server.address();
    this.boundPort = typeof a === 'object' && a ? a.port : 0;
    if (this.o.redis && this.o.rpckey) {
      await registerRpcKey(this.o.redis, inst.native, this.o.rpckey, this.boundPort);
      this.keyWritten = true;
    }
  }

  /** Resolves once every frame routed so far has been handed to Redis (tests, shutdown). */
  async flush(): Promise<void> {
    await this.publishChain;
  }

  async close(): Promise<void> {
    this.offFeed?.();
    this.offFeed = undefined;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    await new Promise<void>((r) => this.server.close(() => r()));
    await this.flush();
    if (this.keyWritten && this.o.redis && this.o.rpckey && this.inst) {
      this.keyWritten = false;
      await unregisterRpcKey(this.o.redis, this.inst.native, this.o.rpckey).catch(() => undefined);
    }
  }

  private publish(channels: string[], text: string): void {
    const redis = this.o.redis;
    if (!redis) return;
    if (this.pendingPublishes >= (this.o.maxPendingPublishes ?? 10_000)) {
      this.dropped++;
      this.errors.record(dgError('DG_E_BUS_UNAVAILABLE', 'publish backlog full; frame dropped'));
      return;
    }
    this.pendingPublishes++;
    // One chain keeps frames in feed order on every channel.
    this.publishChain = this.publishChain.then(() =>
      publishFrame(redis, channels, text).then(
        () => {
          this.pendingPublishes--;
          this.published++;
        },
        (e: unknown) => {
          this.pendingPublishes--;
          this.publishErrors++;
          this.errors.record(isDeskgateError(e) ? e : dgError('DG_E_BUS_UNAVAILABLE', 'publish failed'));
        },
      ),
    );
  }

  private onConnection(sock: net.Socket): void {
    this.sockets.add(sock);
    sock.setNoDelay(true);
    const splitter = new JsonObjectSplitter(this.o.maxRequestBytes ?? 1 << 20);
    const maxQueued = this.o.maxQueuedRequests ?? 1024;
    let chain: Promise<void> = Promise.resolve();
    let queued = 0;
    let closing = false;
    let refused = false;
    const send = (r: RpcReply): void => {
      if (sock.destroyed) return;
      // A client that sends but never reads must not make replies pile up in memory.
      if (sock.writableLength > MAX_UNSENT_BYTES) {
        this.errors.record(dgError('DG_E_API_TOO_LARGE', 'client does not read its replies'));
        closing = true;
        sock.destroy();
        return;
      }
      sock.write(replyText(r, this.o.dialect) + '\n');
    };
    const refuse = (error: DeskgateError): void => {
      refused = true;
      chain = chain.then(() => {
        if (closing) return;
        closing = true;
        this.errors.record(error);
        send({ id: null, result: null, error: `rpc: ${error.message}` });
        sock.end();
      });
    };
    sock.on('data', (chunk: Buffer) => {
      if (closing || refused) return;
      const { objects, error } = splitter.push(chunk);
      for (const text of objects) {
        if (++queued > maxQueued) {
          refuse(dgError('DG_E_API_TOO_LARGE', `more than ${maxQueued} requests waiting`));
          return;
        }
        chain = chain.then(async () => {
          queued--;
          if (closing) return;
          this.requests++;
          let req: unknown;
          try {
            req = JSON.parse(text);
          } catch {
            this.errors.record(dgError('DG_E_API_BAD_REQUEST', 'invalid JSON'));
            closing = true;
            send({ id: null, result: null, error: 'rpc: request is not valid JSON' });
            sock.end();
            return;
          }
          const methods = this.methods;
          if (!methods) return;
          send(await methods.handle(req));
        });
      }
      if (error) refuse(error);
    });
    sock.on('error', () => undefined);
    sock.on('close', () => {
      closing = true;
      this.sockets.delete(sock);
    });
  }
}
