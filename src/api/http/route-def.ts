/**
 * One REST route as data: method, path, zod schemas of its inputs, its documented responses and
 * the handler. The server registers these and the OpenAPI document is built from the same list,
 * so a route cannot exist without being documented.
 */
import type { z } from 'zod';
import { dgError, type ErrorCode } from '../../core/errors.js';
import type { VenueResult } from '../../venue/venue.js';

export type HttpMethod = 'GET' | 'POST' | 'DELETE';

export interface RouteInput<P, Q, B, H = undefined> {
  readonly params: P;
  readonly query: Q;
  readonly body: B;
  /** The request headers the route's `headers` schema names (lower-case keys), parsed. */
  readonly headers: H;
  /** Client address (for logs). */
  readonly client: string;
}

export interface RouteAnswer {
  readonly status: number;
  readonly body: unknown;
}

export interface RouteDef {
  readonly method: HttpMethod;
  /** Fastify path syntax: /v1/book/:symbol. */
  readonly url: string;
  readonly summary: string;
  readonly tag: string;
  readonly params?: z.ZodType;
  readonly query?: z.ZodType;
  readonly body?: z.ZodType;
  /** Request headers the route reads (an object schema, lower-case names; other headers are ignored). */
  readonly headers?: z.ZodType;
  /** Success status → description (errors are documented once for all routes). */
  readonly ok: Readonly<Record<number, string>>;
  /** Schema of the success answer (OpenAPI). */
  readonly response?: z.ZodType;
  /** Error codes this route answers besides the common ones. */
  readonly errors: readonly ErrorCode[];
  /** Served without the bearer token (health, docs). */
  readonly public?: boolean;
  handle(input: RouteInput<unknown, unknown, unknown, unknown>): Promise<RouteAnswer>;
}

export function defineRoute<P = undefined, Q = undefined, B = undefined, H = undefined>(r: {
  method: HttpMethod;
  url: string;
  summary: string;
  tag: string;
  params?: z.ZodType<P>;
  query?: z.ZodType<Q>;
  body?: z.ZodType<B>;
  headers?: z.ZodType<H>;
  ok: Record<number, string>;
  response?: z.ZodType;
  errors?: ErrorCode[];
  public?: boolean;
  handle(input: RouteInput<P, Q, B, H>): Promise<RouteAnswer>;
}): RouteDef {
  return {
    ...r,
    errors: r.errors ?? [],
    handle: r.handle as RouteDef['handle'],
  } as RouteDef;
}

/** Unwrap a port result: its value, or throw its DeskgateError. */
export function must<T>(r: VenueResult<T>): T {
  if (!r.ok) throw r.error;
  return r.value;
}

export function badRequest(detail: string): never {
  throw dgError('DG_E_API_BAD_REQUEST', detail);
}
