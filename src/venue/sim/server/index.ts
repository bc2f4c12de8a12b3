/**
 * `startSimServer` — the simulated exchange's KuCoin-dialect REST + WebSocket server (spec S3 wire
 * facts; docs/sim-server.md). Loopback by default, port 0 unless given; returns the bound URLs.
 *
 *   const srv = await startSimServer({ engine, apiKeys: [{ key, secret, passphrase, accountId }] });
 *   srv.url   // http://127.0.0.1:PORT       REST base for ccxt's urls.api.*
 *   srv.wsUrl // ws://127.0.0.1:PORT/endpoint (handed out by bullet-public / bullet-private)
 *   await srv.close();
 */
import websocket from '@fastify/websocket';
import Fastify, { type FastifyInstance } from 'fastify';
import { systemClock, type Clock } from '../../../core/clock.js';
import { nodeTimers, sleepWith, type Timers } from '../../timers.js';
import { KeyStore, type ApiKeyConfig } from './auth.js';
import type { ServerContext, ServerSettings } from './context.js';
import type { SimEnginePort } from './engine-port.js';
import { KC, KcFailure, kcError } from './kc-errors.js';
import { PublicRateLimiter, type PublicRateLimitOptions } from './rate-limit.js';
import { registerAccountRoutes } from './rest-account.js';
import { registerMarketRoutes } from './rest-market.js';
import { registerOrderRoutes } from './rest-orders.js';
import { TokenStore } from './tokens.js';
import { BalanceTopic } from './topics/balance.js';
import { Level2Topic } from './topics/level2.js';
import { Level3Topic } from './topics/level3.js';
import { MatchTopic } from './topics/match.js';
import { OrdersTopic, OrdersV2Topic } from './topics/orders.js';
import { SnapshotTopic, TickerTopic } from './topics/ticker.js';
import { WsHub } from './ws-hub.js';
import { fmtFeeRate } from './wire-format.js';

export type { ApiKeyConfig } from './auth.js';
export { kcSignHeaders, kcHmac } from './auth.js';
export type { SimEnginePort } from './engine-port.js';
export { KC_PUBLIC_WEIGHTS, type PublicRateLimitOptions } from './rate-limit.js';

/** The engine plus account creation (SimEngine has both). */
export interface SimServerEngine extends SimEnginePort {
  createAccount(id: string): void;
}

export interface SimServerOptions {
  readonly engine: SimServerEngine;
  readonly host?: string;
  readonly port?: number;
  readonly apiKeys?: readonly ApiKeyConfig[];
  readonly clock?: Clock;
  /** KC-API-TIMESTAMP tolerance (default 5000 ms, as KuCoin). */
  readonly timestampWindowMs?: number;
  /** Advertised in bullet replies (KuCoin: 18000 / 10000). */
  readonly pingIntervalMs?: number;
  readonly pingTimeoutMs?: number;
  /** Close WebSocket sessions silent (no ping) for longer than this; default pingInterval + pingTimeout, 0 = never. */
  readonly idleTimeoutMs?: number;
  /** Channel keys per WebSocket connection (default 300). */
  readonly maxTopicsPerConnection?: number;
  /** Fee rates reported in tickers and fills, bps (default 10 / 10 like the engine). */
  readonly makerFeeBps?: number;
  readonly takerFeeBps?: number;
  /** Lifetime of WebSocket tokens (default 24 h). */
  readonly tokenTtlMs?: number;
  /** pino request logging (KC-API-* headers redacted). Default off. */
  readonly logger?: boolean;
  /**
   * Emulated network delay (ms) added before each REST reply is written and each WebSocket frame is
   * sent, as if the venue were one round trip away (opt-in; default 0 = loopback speed). Frames keep
   * their order.
   */
  readonly latencyMs?: number;
  /** Timers for the `latencyMs` delays (tests inject their own); default the Node timers. */
  readonly timers?: Timers;
  /**
   * KuCoin's public REST rate limit (rate-limit.ts: Public pool 2000 weight / 30 s per client IP,
   * HTTP 429 + code 429000 beyond it). `true` = KuCoin's figures. Opt-in; default unlimited.
   */
  readonly publicRateLimit?: boolean | PublicRateLimitOptions;
}

export interface SimServer {
  readonly url: string;
  readonly wsUrl: string;
  readonly port: number;
  /** Terminates every WebSocket connection (tests: forced disconnect); the server stays up. */
  dropConnections(): void;
  readonly connectionCount: number;
  /** Public REST calls answered 429 (with `publicRateLimit`; 0 otherwise). */
  readonly rateLimited: number;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export async function startSimServer(opts: SimServerOptions): Promise<SimServer> {
  const host = opts.host ?? '127.0.0.1';
  if (!LOOPBACK.has(host)) throw new Error(`the sim server binds loopback only, not ${host}`);
  const clock = opts.clock ?? systemClock;
  const engine = opts.engine;
  const keys = new KeyStore(opts.apiKeys ?? []);
  for (const k of opts.apiKeys ?? []) if (!engine.hasAccount(k.accountId)) engine.createAccount(k.accountId);

  const settings: ServerSettings = {
    timestampWindowMs: opts.timestampWindowMs ?? 5000,
    pingIntervalMs: opts.pingIntervalMs ?? 18_000,
    pingTimeoutMs: opts.pingTimeoutMs ?? 10_000,
    makerFeeRate: fmtFeeRate(opts.makerFeeBps ?? 10),
    takerFeeRate: fmtFeeRate(opts.takerFeeBps ?? 10),
  };
  let wsEndpoint = '';
  const ctx: ServerContext = {
    engine,
    keys,
    tokens: new TokenStore(opts.tokenTtlMs ?? 24 * 3600_000),
    clock,
    settings,
    wsEndpoint: () => wsEndpoint,
  };

  const app: FastifyInstance = Fastify({
    logger: opts.logger
      ? { redact: ['req.headers["kc-api-sign"]', 'req.headers["kc-api-passphrase"]', 'req.headers["kc-api-key"]'] }
      : false,
    bodyLimit: 64 * 1024,
    routerOptions: { maxParamLength: 200 },
  });

  // Keep the raw body text for KC-API-SIGN; parse JSON ourselves so bad JSON is a KuCoin error.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (req, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    req.rawBody = text;
    if (text.length === 0) return done(null, undefined);
    try {
      done(null, JSON.parse(text) as unknown);
    } catch {
      done(kcError('400100', 'Invalid JSON body', 400), undefined);
    }
  });

  app.setErrorHandler((err, _req, reply) => {
    const kc =
      err instanceof KcFailure
        ? err.kc
        : (err as { statusCode?: number }).statusCode === 413
          ? { code: '400100', msg: 'Request body too large', http: 413 }
          : (err as { statusCode?: number }).statusCode !== undefined &&
              (err as { statusCode: number }).statusCode < 500
            ? { code: '400100', msg: 'Bad request', http: 400 }
            : KC.internal().kc;
    void reply.code(kc.http).send({ code: kc.code, msg: kc.msg });
  });
  const latencyMs = Math.max(0, opts.latencyMs ?? 0);
  const timers = opts.timers ?? nodeTimers;
  const limiter =
    opts.publicRateLimit === undefined || opts.publicRateLimit === false
      ? undefined
      : new PublicRateLimiter(opts.publicRateLimit === true ? {} : opts.publicRateLimit);
  if (limiter) {
    // Public pool: per client IP, weight by route (unknown or signed routes are not charged here).
    app.addHook('onRequest', async (req, reply) => {
      const weight = PublicRateLimiter.weightOf(req.routeOptions.url);
      if (weight === undefined) return;
      const d = limiter.take(req.ip, weight, clock.now());
      void reply.header('gw-ratelimit-limit', String(d.limit));
      void reply.header('gw-ratelimit-remaining', String(Math.max(0, d.remaining)));
      void reply.header('gw-ratelimit-reset', String(Math.ceil(d.resetMs)));
      if (!d.allowed) {
        const kc = KC.tooManyRequests().kc;
        await reply.code(kc.http).send({ code: kc.code, msg: kc.msg });
        return reply;
      }
      return undefined;
    });
  }
  if (latencyMs > 0) {
    // Every reply (errors and 429s too) is held back as if it crossed the network.
    app.addHook('onSend', async (_req, _reply, payload) => {
      await sleepWith(timers, latencyMs);
      return payload;
    });
  }
  app.setNotFoundHandler((_req, reply) => {
    const kc = KC.notFound().kc;
    void reply.code(kc.http).send({ code: kc.code, msg: kc.msg });
  });

  const accountType = (accountId: string): string => {
    for (const k of opts.apiKeys ?? []) if (k.accountId === accountId) return k.hf === false ? 'trade' : 'trade_hf';
    return 'trade_hf';
  };
  const hub = new WsHub(
    engine,
    [
      new Level2Topic(engine),
      new Level3Topic(engine),
      new MatchTopic(engine),
      new TickerTopic(engine),
      new SnapshotTopic(engine),
      new OrdersTopic(engine),
      new OrdersV2Topic(engine),
      new BalanceTopic(engine, accountType),
    ],
    {
      maxTopicsPerConnection: opts.maxTopicsPerConnection ?? 300,
      maxSymbolsPerRequest: 100,
      maxBufferedBytes: 16 * 1024 * 1024,
      idleTimeoutMs: opts.idleTimeoutMs ?? settings.pingIntervalMs + settings.pingTimeoutMs,
      frameDelayMs: latencyMs,
      frameTimers: timers,
    },
    () => clock.now(),
  );

  await app.register(websocket, { options: { maxPayload: 64 * 1024 } });
  app.register(async (scope) => {
    scope.get('/endpoint', { websocket: true }, (socket, req) => {
      const q = (req.query ?? {}) as Record<string, unknown>;
      const token = typeof q.token === 'string' ? q.token : '';
      const rawId = typeof q.connectId === 'string' ? q.connectId : '';
      const connectId = /^[A-Za-z0-9_.-]{1,64}$/.test(rawId) ? rawId : `sim${Math.floor(clock.now())}`;
      const grant = ctx.tokens.check(token, clock.now());
      if (!grant) {
        socket.send(JSON.stringify({ id: connectId, type: 'error', code: 401, data: 'token is expired' }));
        socket.close(1008, 'invalid token');
        return;
      }
      hub.attach(socket, grant, connectId);
    });
    registerMarketRoutes(scope, ctx);
    registerAccountRoutes(scope, ctx);
    registerOrderRoutes(scope, ctx);
  });

  await app.listen({ host, port: opts.port ?? 0 });
  const addr = app.server.address();
  if (addr === null || typeof addr === 'string') throw new Error('sim server: no TCP address');
  const hostText = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  const url = `http://${hostText}:${addr.port}`;
  wsEndpoint = `ws://${hostText}:${addr.port}/endpoint`;

  return {
    url,
    wsUrl: wsEndpoint,
    port: addr.port,
    dropConnections: () => hub.disconnectAll(),
    get connectionCount() {
      return hub.connectionCount;
    },
    get rateLimited() {
      return limiter?.rejected ?? 0;
    },
    close: async () => {
      hub.close();
      await app.close();
    },
  };
}
