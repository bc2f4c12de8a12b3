/**
 * The FMZ General Protocol plugin server (spec S1, docs/fmz.md): the FMZ docker POSTs each platform
 * call to `http://127.0.0.1:6666/<exchange>`; the path names a configured gateway port (`/sim`) or
 * any ccxt exchange id (`/OKX`, `/binance`, case-insensitive; a CcxtVenue per account built from the
 * request's keys, see ccxt-pool.ts). Replies are `{"data": …, "raw"?: …}` or `{"error": "…"}` with
 * HTTP 200 (the docker reads the body), 401 only for a refused bearer token.
 *
 * Security: binds 127.0.0.1 by default; any other host needs `authToken` (checked in constant time
 * against `Authorization: Bearer …`). Request bodies are never logged; the request's keys are
 * redacted from every error message and log line (S1.7).
 */
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { pino, type Logger } from 'pino';
import { systemClock, type Clock } from '../../core/clock.js';
import { asDeskgateError, dgError, isDeskgateError, type DeskgateError } from '../../core/errors.js';
import type { GatewayPort } from '../gateway-port.js';
import { bearerAuthorized, bearerDigest } from '../token.js';
import { CcxtPool, ccxtExchangeId, type CcxtPoolOptions } from './ccxt-pool.js';
import { parseCredentials, redact, secretsOf } from './credentials.js';
import { callFmzMethod, type FmzReply, type FmzTarget } from './methods.js';
import { parseEnvelope, type Envelope } from './request.js';

export interface FmzServerOptions {
  /** Default 127.0.0.1; a non-loopback host requires `authToken`. */
  readonly host?: string;
  /** Default 6666; 0 = ephemeral (read it back from `port`). */
  readonly port?: number;
  /** When set, every request needs `Authorization: Bearer <authToken>` (1-512 visible ASCII, src/api/token.ts). */
  readonly authToken?: string;
  /** Gateway ports served under their name (`/sim`), or targets with a raw-API passthrough. */
  readonly gateways?: ReadonlyArray<GatewayPort | FmzTarget>;
  /** ccxt exchanges by path; `false` serves configured gateways only. */
  readonly ccxt?: CcxtPoolOptions | false;
  /** Largest request body (default 1 MiB). */
  readonly bodyLimit?: number;
  /** pino logger; default pino at info on stdout; false = silent. */
  readonly logger?: Logger | false;
  readonly clock?: Clock;
  /** Depth levels when a depth call gives no limit (default 30). */
  readonly depthLimit?: number;
}

export interface FmzServer {
  readonly url: string;
  readonly port: number;
  readonly app: FastifyInstance;
  /** The ccxt accounts pool (undefined with `ccxt: false`). */
  readonly pool: CcxtPool | undefined;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);
const NAME_RE = /^[A-Za-z0-9_.-]{1,64}$/;

function isTarget(g: GatewayPort | FmzTarget): g is FmzTarget {
  return 'port' in g && typeof (g as FmzTarget).port === 'object';
}

export function fmzError(e: DeskgateError, secrets: readonly string[] = []): { error: string } {
  return { error: redact(`${e.message} [${e.code}]`, secrets) };
}

export async function startFmzServer(opts: FmzServerOptions = {}): Promise<FmzServer> {
  const host = opts.host ?? '127.0.0.1';
  if (!LOOPBACK.has(host) && !opts.authToken) {
    throw dgError('DG_E_BAD_CONFIG', `FMZ server on non-loopback host ${host} needs an authToken`);
  }
  const authDigest = opts.authToken === undefined ? undefined : bearerDigest(opts.authToken, 'FMZ authToken');
  const clock = opts.clock ?? systemClock;
  const log: Logger =
    opts.logger === false
      ? pino({ level: 'silent' })
      : (opts.logger ??
        pino({
          level: 'info',
          redact: ['req.headers.authorization', '*.access_key', '*.secret_key', 'access_key', 'secret_key'],
        }));
  const targets = new Map<string, FmzTarget>();
  for (const g of opts.gateways ?? []) {
    const t: FmzTarget = isTarget(g) ? g : { port: g };
    targets.set(t.port.name.toLowerCase(), t);
  }
  const pool = opts.ccxt === false ? undefined : new CcxtPool(opts.ccxt ?? {});
  const bodyLimit = opts.bodyLimit ?? 1 << 20;

  // Request logging off: each call is logged once below, by exchange and method, never its body.
  const app = Fastify({
    loggerInstance: log,
    logController: new LogController({ disableRequestLogging: true }),
    // Handlers log through `log` (never req.log): skip building a pino child per request.
    childLoggerFactory: (logger) => logger,
    bodyLimit,
  });
  // Successful calls are logged at debug (off at the default level: a log line per call would cost
  // more than the call itself); refused and failed calls at info / warn.
  const logCalls = log.isLevelEnabled('debug');
  // The docker's bodies are JSON whatever the Content-Type says; parse them here so that malformed
  // JSON gets an FMZ error reply, not fastify's.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit }, (_req, body, done) => done(null, body));

  app.setErrorHandler((err: { code?: string; statusCode?: number }, _req, reply) => {
    const e =
      err.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || err.statusCode === 413
        ? dgError('DG_E_API_TOO_LARGE', `limit ${bodyLimit} bytes`)
        : dgError('DG_E_API_BAD_REQUEST', 'missing required parameters (unreadable request)');
    void reply.code(200).send(fmzError(e));
  });
  app.setNotFoundHandler((req, reply) => {
    const e =
      req.method === 'POST'
        ? dgError('DG_E_API_UNKNOWN_EXCHANGE', 'the path names the exchange, e.g. /sim or /OKX')
        : dgError('DG_E_API_NOT_POST', req.method);
    void reply.code(200).send(fmzError(e));
  });

  async function resolve(name: string, accessKey: string, secretKey: string): Promise<FmzTarget> {
    const configured = targets.get(name.toLowerCase());
    if (configured) return configured;
    const id = pool ? ccxtExchangeId(name) : undefined;
    if (!pool || !id || !pool.allows(id)) throw dgError('DG_E_API_UNKNOWN_EXCHANGE', name);
    return pool.target(id, accessKey, secretKey, parseCredentials(accessKey, secretKey));
  }

  async function handle(req: FastifyRequest<{ Params: { exchange: string } }>, reply: FastifyReply): Promise<void> {
    const started = logCalls ? clock.now() : 0;
    const name = req.params.exchange;
    let keys: Envelope | undefined;
    let method = '';
    let out: FmzReply;
    let code: string | undefined;
    try {
      if (authDigest !== undefined && !bearerAuthorized(req.headers.authorization, authDigest)) {
        const e = dgError('DG_E_API_BAD_TOKEN', 'Authorization: Bearer <token> required');
        log.warn({ exchange: name.slice(0, 64), code: e.code }, 'fmz request refused');
        await reply.code(401).send(fmzError(e));
        return;
      }
      if (!NAME_RE.test(name)) throw dgError('DG_E_API_UNKNOWN_EXCHANGE', 'bad exchange name');
      let body: unknown;
      try {
        body = JSON.parse(typeof req.body === 'string' ? req.body : '');
      } catch {
        throw dgError('DG_E_API_BAD_REQUEST', 'missing required parameters (body is not JSON)');
      }
      const env = parseEnvelope(body);
      if (!env.ok) throw dgError('DG_E_API_BAD_REQUEST', `missing required parameters (${env.issue})`);
      keys = env.value;
      const { access_key: ak, secret_key: sk } = keys;
      method = keys.method;
      const target = await resolve(name, ak, sk);
      const verb = req.headers['http-method'];
      out = await callFmzMethod(target, method, keys.params, typeof verb === 'string' ? verb : undefined, callOpts);
    } catch (e) {
      // the request's keys are only needed (for redaction) when something is reported
      const secrets = keys ? secretsOf(keys.access_key, keys.secret_key) : [];
      const err = asFmz(e, log, secrets);
      code = err.code;
      out = fmzError(err, secrets);
      log.info({ exchange: name.slice(0, 64), method: redact(method.slice(0, 128), secrets), code }, 'fmz call');
    }
    if (logCalls && code === undefined) {
      const secrets = keys ? secretsOf(keys.access_key, keys.secret_key) : [];
      log.debug(
        { exchange: name.slice(0, 64), method: redact(method.slice(0, 128), secrets), ms: clock.now() - started },
        'fmz call',
      );
    }
    await reply.code(200).header('content-type', 'application/json; charset=utf-8').send(out);
  }
  const callOpts = { clock, ...(opts.depthLimit !== undefined ? { depthLimit: opts.depthLimit } : {}) };

  app.post<{ Params: { exchange: string } }>('/:exchange', handle);

  await app.listen({ host, port: opts.port ?? 6666 });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : (opts.port ?? 6666);
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}`,
    port,
    app: app as unknown as FastifyInstance,
    pool,
    async close() {
      await app.close();
      await pool?.close();
    },
  };
}

function asFmz(e: unknown, log: Logger, secrets: readonly string[]): DeskgateError {
  if (isDeskgateError(e)) return e;
  const msg = e instanceof Error ? e.message : String(e);
  log.warn({ err: redact(msg.slice(0, 300), secrets) }, 'fmz call failed unexpectedly');
  return asDeskgateError(e);
}
