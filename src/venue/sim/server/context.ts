/**
 * What every route module of the KuCoin-dialect server shares: the engine port, key and token
 * stores, the clock, options, and small request helpers (envelope, auth, zod validation).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { Clock } from '../../../core/clock.js';
import type { SimMarket } from '../engine-types.js';
import type { ApiKey, KeyStore } from './auth.js';
import type { SimEnginePort } from './engine-port.js';
import { KC, KC_OK } from './kc-errors.js';
import type { TokenStore } from './tokens.js';

export interface ServerSettings {
  readonly timestampWindowMs: number;
  readonly pingIntervalMs: number;
  readonly pingTimeoutMs: number;
  readonly makerFeeRate: string;
  readonly takerFeeRate: string;
}

export interface ServerContext {
  readonly engine: SimEnginePort;
  readonly keys: KeyStore;
  readonly tokens: TokenStore;
  readonly clock: Clock;
  readonly settings: ServerSettings;
  /** ws://host:port/endpoint, known once the server listens. */
  wsEndpoint(): string;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Raw body text as received (for signatures). */
    rawBody?: string;
    /** The API key a private request authenticated with. */
    kcKey?: ApiKey;
  }
}

export function ok(reply: FastifyReply, data: unknown): FastifyReply {
  return reply.code(200).send({ code: KC_OK, data });
}

/** preHandler for private routes: verifies the KC-API-* headers. */
export function authHook(ctx: ServerContext) {
  return async (req: FastifyRequest): Promise<void> => {
    const res = ctx.keys.verify({
      headers: req.headers,
      method: req.method,
      target: req.raw.url ?? req.url,
      body: req.rawBody ?? '',
      nowMs: ctx.clock.now(),
      windowMs: ctx.settings.timestampWindowMs,
    });
    if (!res.ok) throw res.error;
    if (!ctx.engine.hasAccount(res.key.accountId)) throw KC.keyNotExists();
    req.kcKey = res.key;
  };
}

export function keyOf(req: FastifyRequest): ApiKey {
  const k = req.kcKey;
  if (!k) throw KC.headersMissing();
  return k;
}

/** Validate with zod; any issue becomes KuCoin 400100 naming the first bad field. */
export function parseWith<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const r = schema.safeParse(input ?? {});
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const where = issue && issue.path.length > 0 ? issue.path.join('.') : 'request';
  throw KC.badParams(`${where} invalid: ${issue?.message ?? 'bad value'}`.slice(0, 200));
}

/** Market-data lookup: unknown ⇒ KuCoin 900001. */
export function marketOr900001(ctx: ServerContext, symbol: string | undefined): SimMarket {
  if (!symbol) throw KC.badParams('symbol is required');
  const m = ctx.engine.market(symbol);
  if (!m) throw KC.symbolNotExists();
  return m;
}
