/**
 * The KuCoin WebSocket session protocol (spec S3) over `ws`:
 *   connect  endpoint?token=…&connectId=…      → {"id":"<connectId>","type":"welcome"}
 *   {"id","type":"ping"}                        → {"id","type":"pong","timestamp":<ms>}
 *   {"id","type":"subscribe","topic","privateChannel","response":true}   → {"id","type":"ack"}
 *   {"id","type":"unsubscribe","topic","response":true}                  → {"id","type":"ack"}
 *   anything wrong                              → {"id","type":"error","code":<int>,"data":"<text>"}
 * Topics may list several symbols (`/market/level2:BTC-USDT,ETH-USDT`); each symbol is one channel
 * key. Private topics need a token from bullet-private and deliver the token's account only.
 * Limits: frame size (ws maxPayload), symbols per request, channels per connection, send buffer.
 */
import { nodeTimers, type Timers } from '../../timers.js';
import type { WebSocket } from 'ws';
import { z } from 'zod';
import { DeskgateError, ErrorCounter, dgError } from '../../../core/errors.js';
import type { SimMessage } from '../engine-types.js';
import type { SimEnginePort } from './engine-port.js';
import { privateKey, publicKey, type FramePublisher, type TopicFamily } from './topics/family.js';
import type { TokenGrant } from './tokens.js';

export interface HubLimits {
  /** Channel keys one connection may hold (KuCoin: 100 topics per connection by default here). */
  readonly maxTopicsPerConnection: number;
  /** Symbols in one subscribe request (KuCoin: 100). */
  readonly maxSymbolsPerRequest: number;
  /** Close a connection whose unsent data exceeds this many bytes (slow consumer). */
  readonly maxBufferedBytes: number;
  /** Close a connection that sent nothing (not even a ping) for this long; 0 disables. */
  readonly idleTimeoutMs: number;
  /** Emulated network delay before each frame leaves (ms; 0 / absent = none). Order is kept. */
  readonly frameDelayMs?: number;
  /** Timers for that delay (tests inject their own); default the Node timers. */
  readonly frameTimers?: Timers;
}

interface Session {
  readonly connectId: string;
  readonly socket: WebSocket;
  readonly grant: TokenGrant;
  readonly keys: Set<string>;
  lastSeen: number;
}

const requestSchema = z.object({
  id: z
    .union([z.string().max(64), z.number().finite()])
    .transform(String)
    .optional(),
  type: z.string().max(32),
  topic: z.string().max(8192).optional(),
  privateChannel: z.boolean().optional(),
  response: z.boolean().optional(),
});

const SYMBOL_RE = /^[A-Z0-9]{1,20}-[A-Z0-9]{1,20}$/;

export class WsHub implements FramePublisher {
  private readonly families = new Map<string, TopicFamily>();
  private readonly subs = new Map<string, Set<Session>>();
  private readonly sessions = new Set<Session>();
  private readonly off: () => void;
  /** Frame-building failures by code (should stay empty). */
  readonly errors = new ErrorCounter();
  private readonly sweeper: NodeJS.Timeout | undefined;

  constructor(
    private readonly engine: SimEnginePort,
    families: readonly TopicFamily[],
    private readonly limits: HubLimits,
    private readonly now: () => number,
  ) {
    for (const f of families) this.families.set(f.prefix, f);
    const list = [...families];
    this.off = engine.on((m: SimMessage) => {
      // never let a frame builder throw into the engine's command
      for (const f of list) {
        try {
          f.onMessage(m, this);
        } catch (e) {
          this.errors.record(e instanceof DeskgateError ? e : dgError('DG_E_INTERNAL', `topic ${f.prefix}`));
        }
      }
    });
    if (limits.idleTimeoutMs > 0) {
      this.sweeper = setInterval(() => this.sweep(), Math.max(100, Math.floor(limits.idleTimeoutMs / 4)));
      this.sweeper.unref();
    }
  }

  /** KuCoin drops clients that stop pinging: close sessions silent for longer than the idle timeout. */
  private sweep(): void {
    const cutoff = this.now() - this.limits.idleTimeoutMs;
    for (const s of [...this.sessions]) {
      if (s.lastSeen < cutoff) {
        s.socket.close(1000, 'ping timeout');
        this.detach(s);
      }
    }
  }

  get connectionCount(): number {
    return this.sessions.size;
  }

  has(key: string): boolean {
    const s = this.subs.get(key);
    return s !== undefined && s.size > 0;
  }

  publish(key: string, frame: Record<string, unknown>): void {
    const set = this.subs.get(key);
    if (!set || set.size === 0) return;
    const text = JSON.stringify(frame);
    for (const s of set) this.send(s, text);
  }

  /** A new connection whose token was already checked. */
  attach(socket: WebSocket, grant: TokenGrant, connectId: string): void {
    const session: Session = { connectId, socket, grant, keys: new Set(), lastSeen: this.now() };
    this.sessions.add(session);
    socket.on('message', (raw: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
      try {
        this.onFrame(session, raw, isBinary);
      } catch {
        this.error(session, undefined, 500, 'internal error');
      }
    });
    socket.on('close', () => this.detach(session));
    socket.on('error', () => this.detach(session));
    this.send(session, JSON.stringify({ id: connectId, type: 'welcome' }));
  }

  /** Drop one client's connection (tests: forced disconnect). */
  disconnectAll(): void {
    for (const s of [...this.sessions]) s.socket.terminate();
  }

  close(): void {
    this.off();
    if (this.sweeper) clearInterval(this.sweeper);
    for (const s of [...this.sessions]) {
      s.socket.close(1001, 'server closing');
      this.detach(s);
    }
  }

  private detach(s: Session): void {
    if (!this.sessions.delete(s)) return;
    for (const k of s.keys) {
      const set = this.subs.get(k);
      if (set) {
        set.delete(s);
        if (set.size === 0) this.subs.delete(k);
      }
    }
    s.keys.clear();
  }

  private send(s: Session, text: string): void {
    const delay = this.limits.frameDelayMs ?? 0;
    // Timers of one duration fire in the order they were set, so delayed frames keep their order.
    if (delay > 0) (this.limits.frameTimers ?? nodeTimers).setTimeout(() => this.sendNow(s, text), delay);
    else this.sendNow(s, text);
  }

  private sendNow(s: Session, text: string): void {
    const sock = s.socket;
    if (sock.readyState !== 1 /* OPEN */) return;
    if (sock.bufferedAmount > this.limits.maxBufferedBytes) {
      sock.terminate();
      this.detach(s);
      return;
    }
    sock.send(text);
  }

  private error(s: Session, id: string | undefined, code: number, data: string): void {
    this.send(s, JSON.stringify({ id: id ?? '', type: 'error', code, data }));
  }

  private onFrame(s: Session, raw: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): void {
    s.lastSeen = this.now();
    if (isBinary) return this.error(s, undefined, 415, 'binary frames are not supported');
    const text = Buffer.isBuffer(raw)
      ? raw.toString('utf8')
      : Array.isArray(raw)
        ? Buffer.concat(raw).toString('utf8')
        : Buffer.from(raw).toString('utf8');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return this.error(s, undefined, 400, 'malformed JSON');
    }
    const parsed = requestSchema.safeParse(json);
    if (!parsed.success) return this.error(s, undefined, 400, 'missing or mistyped fields');
    const req = parsed.data;
    switch (req.type) {
      case 'ping':
        this.send(s, JSON.stringify({ id: req.id ?? '', type: 'pong', timestamp: this.now() * 1000 }));
        return;
      case 'subscribe':
      case 'unsubscribe': {
        if (req.topic === undefined || req.id === undefined)
          return this.error(s, req.id, 400, 'id and topic are required');
        const keys = this.resolve(s, req.topic, req.privateChannel === true, req.id);
        if (!keys) return;
        if (req.type === 'subscribe') {
          let added = 0;
          for (const k of keys) if (!s.keys.has(k)) added++;
          if (s.keys.size + added > this.limits.maxTopicsPerConnection) {
            return this.error(
              s,
              req.id,
              509,
              `exceed max subscription count limitation of ${this.limits.maxTopicsPerConnection} per session`,
            );
          }
          for (const k of keys) {
            s.keys.add(k);
            let set = this.subs.get(k);
            if (!set) this.subs.set(k, (set = new Set()));
            set.add(s);
          }
        } else {
          for (const k of keys) {
            s.keys.delete(k);
            const set = this.subs.get(k);
            if (set) {
              set.delete(s);
              if (set.size === 0) this.subs.delete(k);
            }
          }
        }
        if (req.response !== false) this.send(s, JSON.stringify({ id: req.id, type: 'ack' }));
        return;
      }
      default:
        return this.error(s, req.id, 415, 'type is not supported');
    }
  }

  /** Topic text → channel keys, or undefined after sending the error frame. */
  private resolve(s: Session, topic: string, privateChannel: boolean, id: string): string[] | undefined {
    const colon = topic.indexOf(':');
    const prefix = colon < 0 ? topic : topic.slice(0, colon);
    const family = this.families.get(prefix);
    if (!family) {
      this.error(s, id, 404, `topic ${topic.slice(0, 100)} is not found`);
      return undefined;
    }
    if (family.private) {
      if (!s.grant.private || s.grant.accountId === undefined) {
        this.error(s, id, 401, 'private topics need a token from bullet-private');
        return undefined;
      }
      void privateChannel;
      return [privateKey(prefix, s.grant.accountId)];
    }
    if (colon < 0) {
      this.error(s, id, 400, `topic ${prefix} needs symbols`);
      return undefined;
    }
    const symbols = topic.slice(colon + 1).split(',');
    if (symbols.length > this.limits.maxSymbolsPerRequest) {
      this.error(s, id, 509, `exceed max symbols per request ${this.limits.maxSymbolsPerRequest}`);
      return undefined;
    }
    const keys: string[] = [];
    for (const sym of symbols) {
      if (sym === 'all' && family.allowAll) {
        keys.push(publicKey(prefix, 'all'));
        continue;
      }
      if (!SYMBOL_RE.test(sym) || !this.engine.market(sym)) {
        this.error(s, id, 404, `topic ${prefix}:${sym.slice(0, 40)} is not found`);
        return undefined;
      }
      keys.push(publicKey(prefix, sym));
    }
    return keys;
  }
}
