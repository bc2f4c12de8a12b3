/**
 * The native HTTP API of a gateway (docs/http-api.md): REST under /v1, WebSocket /v1/stream, the
 * OpenAPI document at /docs/openapi.json. Fastify with its own JSON body parser, zod validation of
 * every input, RFC 9457 problem JSON for every error (never a stack), a body limit, a token bucket
 * per client address, a constant-time bearer check when a token is configured, and a Host check
 * on loopback binds (no DNS rebinding).
 *
 *   const api = await startHttpApi({ port, ledger: kernelLedgerAccess(kernel), portNumber: 0 });
 *   fetch(`${api.url}/v1/book/BTC-USDT?depth=10`)
 */
import { randomBytes } from 'node:crypto';
import websocket from '@fastify/websocket';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { systemClock, type Clock } from '../../core/clock.js';
import { asDeskgateError, dgError, isDeskgateError, type DeskgateError } from '../../core/errors.js';
import type { GatewayPort } from '../gateway-port.js';
import { bearerAuthorized, bearerDigest } from '../token.js';
import { ClientBuckets, DEFAULT_RATE_LIMIT, hostName, isLoopbackHost, type ClientRateLimit } from './guards.js';
import type { LedgerAccess } from './ledger-access.js';
import { buildOpenApi, docsPage, type ExtraPath } from './openapi.js';
import { errorsPage, PROBLEM_CONTENT_TYPE, toProblem } from './problem.js';
import type { RouteDef } from './route-def.js';
import { algoRoutes, type AlgoControl } from './algo-routes.js';
import { buildRoutes } from './routes.js';
import { issueText } from './schemas.js';
import { StreamHub, type StreamOptions } from './stream.js';

export interface HttpApiOptions {
  readonly port: GatewayPort;
  /** Sub-account slots and the allocate/release/adjust commands (e.g. kernelLedgerAccess(kernel)). */
  readonly ledger?: LedgerAccess;
  /** Default 127.0.0.1. Any other address requires `token`. */
  readonly host?: string;
  /** TCP port; 0 (default) = ephemeral, read it back from `url`. */
  readonly portNumber?: number;
  /** When set, every route except /v1/health and /docs needs `Authorization: Bearer <token>`. */
  readonly token?: string;
  /** One line per request (method, route, status, code, ms) and per server event; never a body or token. */
  readonly log?: (line: string) => void;
  /** Largest request body in bytes (default 64 KiB). */
  readonly bodyLimit?: number;
  /** Per client address (default 50/s, burst 100). */
  readonly rateLimit?: ClientRateLimit;
  readonly stream?: StreamOptions;
  /** The gateway's algo service: /v1/algos routes and the `algos` stream channel (algo-routes.ts). */
  readonly algos?: AlgoControl;
  /** Largest WebSocket message from a client (default 16 KiB). */
  readonly maxMessageBytes?: number;
  readonly clock?: Clock;
}

export interface HttpApi {
  /** http://host:port (no trailing slash). */
  readonly url: string;
  readonly app: FastifyInstance;
  /** The OpenAPI document served at /docs/openapi.json. */
  readonly openapi: Record<string, unknown>;
  /** Every route the server registered (method, path), HEAD routes excluded. */
  readonly routes: ReadonlyArray<{ readonly method: string; readonly url: string }>;
  close(): Promise<void>;
}

const DOC_PATHS: readonly ExtraPath[] = [
  { method: 'GET', url: '/docs', summary: 'This API, as an HTML page', tag: 'docs', contentType: 'text/html' },
  {
    method: 'GET',
    url: '/docs/openapi.json',
    summary: 'OpenAPI 3.1 document',
    tag: 'docs',
    contentType: 'application/json',
  },
  {
    method: 'GET',
    url: '/docs/errors',
    summary: 'Error code registry (target of problem `type`)',
    tag: 'docs',
    contentType: 'text/html',
  },
  {
    method: 'GET',
    url: '/v1/stream',
    summary: 'WebSocket upgrade: book, trades, orders, balances, algos channels (see x-websocket)',
    tag: 'stream',
    contentType: 'application/json',
    description: 'Switching Protocols (101) to a WebSocket',
  },
];

/** Matches a concrete path against a route path (":param" = one segment). */
function pathPattern(url: string): RegExp {
  const body = url
    .split('/')
    .map((seg) => (seg.startsWith(':') ? '[^/]+' : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${body}/?$`);
}

export async function startHttpApi(opts: HttpApiOptions): Promise<HttpApi> {
  const host = opts.host ?? '127.0.0.1';
  const loopback = isLoopbackHost(host);
  if (!loopback && !opts.token) throw dgError('DG_E_BAD_CONFIG', `HTTP API on non-loopback host ${host} needs a token`);
  const clock = opts.clock ?? systemClock;
  const log = opts.log ?? (() => {});
  const bodyLimit = opts.bodyLimit ?? 64 << 10;
  const digest = opts.token === undefined ? undefined : bearerDigest(opts.token, 'HTTP API token');
  const buckets = new ClientBuckets(opts.rateLimit ?? DEFAULT_RATE_LIMIT, clock);
  const started = clock.now();
  const idPrefix = `h${randomBytes(4).toString('hex')}`;
  let idSeq = 0;

  const hub = new StreamHub(
    opts.port,
    opts.ledger,
    { ...opts.stream, ...(opts.algos ? { algos: opts.algos } : {}) },
    clock,
  );
  const routes: RouteDef[] = [
    ...buildRoutes({
      port: opts.port,
      ledger: opts.ledger,
      newClientOrderId: () => `${idPrefix}-${(++idSeq).toString(36)}`,
      ledgerChanged: () => hub.ledgerChanged(),
      uptimeMs: () => clock.now() - started,
    }),
    ...(opts.algos ? algoRoutes(opts.algos) : []),
  ];
  const openapi = buildOpenApi(routes, DOC_PATHS, `deskgate ${opts.port.name} gateway API`);
  const publicPaths = new Set(['/v1/health', '/docs', '/docs/openapi.json', '/docs/errors']);
  const allPaths = [
    ...routes.map((r) => ({ re: pathPattern(r.url), method: r.method as string })),
    ...DOC_PATHS.map((d) => ({ re: pathPattern(d.url), method: d.method as string })),
  ];

  const app = Fastify({
    logger: false,
    bodyLimit,
    return503OnClosing: true,
    forceCloseConnections: true,
    routerOptions: { maxParamLength: 200 },
  });

  // First, so that its own hooks (which close a refused upgrade's socket) run before ours answer.
  await app.register(websocket, { options: { maxPayload: opts.maxMessageBytes ?? 16 << 10 } });

  function sendProblem(reply: FastifyReply, req: FastifyRequest, e: DeskgateError): FastifyReply {
    const p = toProblem(e, req.url.split('?')[0].slice(0, 200));
    // A refused WebSocket upgrade: the raw socket is ours, end it with the answer.
    if (req.headers.upgrade !== undefined) void reply.header('connection', 'close');
    return reply.code(p.status).type(PROBLEM_CONTENT_TYPE).send(p);
  }

  // Bodies: JSON only, parsed here so that malformed JSON gets our problem, not fastify's.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    /^application\/(.+\+)?json(;.*)?$/i,
    { parseAs: 'string', bodyLimit },
    (_req, body, done) => {
      const text = typeof body === 'string' ? body : body.toString('utf8');
      if (text.trim() === '') {
        done(null, undefined);
        return;
      }
      try {
        done(null, JSON.parse(text) as unknown);
      } catch {
        done(dgError('DG_E_MALFORMED_JSON', 'request body is not valid JSON'), undefined);
      }
    },
  );

  app.setErrorHandler((err: unknown, req, reply) => {
    let e: DeskgateError;
    if (isDeskgateError(err)) e = err;
    else {
      const f = err as { code?: string; statusCode?: number };
      if (f.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || f.statusCode === 413)
        e = dgError('DG_E_API_TOO_LARGE', `limit ${bodyLimit} bytes`);
      else if (f.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || f.statusCode === 415)
        e = dgError('DG_E_API_UNSUPPORTED_MEDIA');
      else if (f.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || f.code === 'FST_ERR_CTP_INVALID_CONTENT_LENGTH')
        e = dgError('DG_E_API_BAD_REQUEST', 'request body unreadable');
      else if (typeof f.statusCode === 'number' && f.statusCode >= 400 && f.statusCode < 500)
        e = dgError('DG_E_API_BAD_REQUEST', 'request not understood');
      else {
        e = asDeskgateError(err);
        log(
          `http internal error on ${req.method} ${req.routeOptions.url ?? '?'}: ${err instanceof Error ? err.name : 'unknown'}`,
        );
      }
    }
    void sendProblem(reply, req, e);
  });

  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0];
    const matched = new Set(allPaths.filter((p) => p.re.test(path)).map((p) => p.method));
    if (matched.has('GET')) matched.add('HEAD');
    const allowed = ['GET', 'HEAD', 'POST', 'DELETE'].filter((m) => matched.has(m));
    if (allowed.length > 0) {
      void reply.header('allow', allowed.join(', '));
      return sendProblem(
        reply,
        req,
        dgError('DG_E_API_METHOD_NOT_ALLOWED', `${req.method} ${path.slice(0, 100)}; allowed: ${allowed.join(', ')}`),
      );
    }
    return sendProblem(reply, req, dgError('DG_E_API_NOT_FOUND', `${req.method} ${path.slice(0, 100)}`));
  });

  // Guards, before any body is read: Host, rate limit, token.
  app.addHook('onRequest', async (req, reply) => {
    if (loopback && !isLoopbackHost(hostName(req.headers.host))) {
      return sendProblem(reply, req, dgError('DG_E_API_BAD_HOST', String(req.headers.host ?? '').slice(0, 64)));
    }
    const wait = buckets.take(req.ip);
    if (wait > 0) {
      void reply.header('retry-after', String(Math.ceil(wait / 1000)));
      return sendProblem(reply, req, dgError('DG_E_RATE_LIMITED', `per-client limit, next request in ${wait} ms`));
    }
    if (digest && !publicPaths.has(req.url.split('?')[0]) && !bearerAuthorized(req.headers.authorization, digest)) {
      void reply.header('www-authenticate', 'Bearer');
      return sendProblem(reply, req, dgError('DG_E_API_BAD_TOKEN', 'Authorization: Bearer <token> required'));
    }
    return undefined;
  });

  app.addHook('onResponse', async (req, reply) => {
    const ms = reply.elapsedTime.toFixed(1);
    log(
      `http ${req.method} ${req.routeOptions.url ?? req.url.split('?')[0].slice(0, 100)} ${reply.statusCode} ${ms}ms`,
    );
  });

  const registered: Array<{ method: string; url: string }> = [];
  app.addHook('onRoute', (r) => {
    for (const m of Array.isArray(r.method) ? r.method : [r.method]) {
      if (m !== 'HEAD') registered.push({ method: m, url: r.url });
    }
  });

  for (const r of routes) {
    app.route({
      method: r.method,
      url: r.url,
      handler: async (req, reply) => {
        const parse = (schema: RouteDef['params'], value: unknown, what: string): unknown => {
          if (!schema) return undefined;
          const p = schema.safeParse(value ?? {});
          if (!p.success) throw dgError('DG_E_API_BAD_REQUEST', `${what} ${issueText(p.error)}`);
          return p.data;
        };
        if (r.body && (req.body === undefined || req.body === null)) {
          throw dgError('DG_E_API_BAD_REQUEST', 'a JSON body is required');
        }
        if (!r.body && req.body !== undefined && req.body !== null) {
          throw dgError('DG_E_API_BAD_REQUEST', 'this route takes no body');
        }
        const input = {
          params: parse(r.params, req.params, 'path'),
          query: parse(r.query, req.query, 'query'),
          body: parse(r.body, req.body, 'body'),
          headers: parse(r.headers, req.headers, 'header'),
          client: req.ip,
        };
        const out = await r.handle(input);
        return reply.code(out.status).send(out.body);
      },
    });
  }

  const docsHtml = docsPage(openapi);
  const errorsHtml = errorsPage();
  app.get('/docs', async (_req, reply) => reply.type('text/html; charset=utf-8').send(docsHtml));
  app.get('/docs/openapi.json', async (_req, reply) => reply.type('application/json').send(openapi));
  app.get('/docs/errors', async (_req, reply) => reply.type('text/html; charset=utf-8').send(errorsHtml));
  app.route({
    method: 'GET',
    url: '/v1/stream',
    handler: async (req, reply) => {
      void reply.header('upgrade', 'websocket');
      return sendProblem(reply, req, dgError('DG_E_API_UPGRADE_REQUIRED', 'connect with a WebSocket client'));
    },
    wsHandler: (socket) => {
      hub.attach(socket);
    },
  });

  const address = await app.listen({ host, port: opts.portNumber ?? 0 });
  const url = address;
  log(`http api of ${opts.port.name} on ${url}`);
  return {
    url,
    app,
    openapi,
    routes: registered,
    async close() {
      hub.close();
      await app.close();
    },
  };
}
