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
import http from 'node:http';
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
  /** The node:http server (for metrics instrumentation). */
  readonly server: http.Server;
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

  // Successful calls are logged at debug (off at the default level: a log line per call would cost
  // more than the call itself); refused and failed calls at info / warn. Request bodies never are.
  const logCalls = log.isLevelEnabled('debug');

  // node:http directly, no framework: one route, and the ticker/depth hot path (bench `api`) spends
  // most of its time in HTTP plumbing; a router, hooks and a serializer per call only add to it.
  const server = http.createServer({ maxHeaderSize: 16 << 10 }, (req, res) => {
    const path = (req.url ?? '/').split('?', 1)[0] ?? '/';
    const m = /^\/([^/]+)$/.exec(path);
    if (req.method !== 'POST' || !m) {
      const e =
        req.method !== 'POST'
          ? dgError('DG_E_API_NOT_POST', String(req.method).slice(0, 16))
          : dgError('DG_E_API_UNKNOWN_EXCHANGE', 'the path names the exchange, e.g. /sim or /OKX');
      discard(req, res, fmzError(e));
      return;
    }
    let name: string;
    try {
      name = decodeURIComponent(m[1] ?? '');
    } catch {
      discard(req, res, fmzError(dgError('DG_E_API_UNKNOWN_EXCHANGE', 'bad exchange name')));
      return;
    }
    if (authDigest !== undefined && !bearerAuthorized(req.headers.authorization, authDigest)) {
      const e = dgError('DG_E_API_BAD_TOKEN', 'Authorization: Bearer <token> required');
      log.warn({ exchange: name.slice(0, 64), code: e.code }, 'fmz request refused');
      discard(req, res, fmzError(e), 401);
      return;
    }
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > bodyLimit) {
      discard(req, res, fmzError(dgError('DG_E_API_TOO_LARGE', `limit ${bodyLimit} bytes`)));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    req.on('data', (c: Buffer) => {
      if (refused) return;
      size += c.length;
      if (size > bodyLimit) {
        refused = true;
        chunks.length = 0;
        send(res, fmzError(dgError('DG_E_API_TOO_LARGE', `limit ${bodyLimit} bytes`)), 200, true);
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (refused) return;
      const body =
        chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks).toString('utf8');
      const verb = req.headers['http-method'];
      handle(name, body, typeof verb === 'string' ? verb : undefined).then(
        (out) => send(res, out),
        (e: unknown) => send(res, fmzError(asFmz(e, log, []))),
      );
    });
    req.on('error', () => {
      if (!res.headersSent && !refused) {
        refused = true;
        send(
          res,
          fmzError(dgError('DG_E_API_BAD_REQUEST', 'missing required parameters (unreadable request)')),
          200,
          true,
        );
      }
    });
  });
  // A malformed request line or header block: FMZ's error form, then the connection is closed.
  server.on('clientError', (_err, socket) => {
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    const json = JSON.stringify(
      fmzError(dgError('DG_E_API_BAD_REQUEST', 'missing required parameters (unreadable request)')),
    );
    socket.end(
      `HTTP/1.1 200 OK\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(json)}\r\nconnection: close\r\n\r\n${json}`,
    );
  });

  async function resolve(name: string, accessKey: string, secretKey: string): Promise<FmzTarget> {
    const configured = targets.get(name.toLowerCase());
    if (configured) return configured;
    const id = pool ? ccxtExchangeId(name) : undefined;
    if (!pool || !id || !pool.allows(id)) throw dgError('DG_E_API_UNKNOWN_EXCHANGE', name);
    return pool.target(id, accessKey, secretKey, parseCredentials(accessKey, secretKey));
  }

  /** One FMZ call: the reply object (`{data…}` or `{error}`), never a throw for the caller's input. */
  async function handle(name: string, raw: string, verb: string | undefined): Promise<FmzReply> {
    const started = logCalls ? clock.now() : 0;
    let keys: Envelope | undefined;
    let method = '';
    let out: FmzReply;
    let code: string | undefined;
    try {
      if (!NAME_RE.test(name)) throw dgError('DG_E_API_UNKNOWN_EXCHANGE', 'bad exchange name');
      let body: unknown;
      try {
        body = JSON.parse(raw);
      } catch {
        throw dgError('DG_E_API_BAD_REQUEST', 'missing required parameters (body is not JSON)');
      }
      const env = parseEnvelope(body);
      if (!env.ok) throw dgError('DG_E_API_BAD_REQUEST', `missing required parameters (${env.issue})`);
      keys = env.value;
      const { access_key: ak, secret_key: sk } = keys;
      method = keys.method;
      const target = await resolve(name, ak, sk);
      out = await callFmzMethod(target, method, keys.params, verb, callOpts);
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
    return out;
  }
  const callOpts = { clock, ...(opts.depthLimit !== undefined ? { depthLimit: opts.depthLimit } : {}) };

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen({ host, port: opts.port ?? 6666 }, () => {
      server.off('error', reject);
      resolveListen();
    });
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : (opts.port ?? 6666);
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}`,
    port,
    server,
    pool,
    async close() {
      await new Promise<void>((r) => {
        server.close(() => r());
        server.closeIdleConnections();
      });
      await pool?.close();
    },
  };
}

/** Writes one JSON reply (HTTP 200 unless told: the docker reads the body). */
function send(res: http.ServerResponse, out: unknown, status = 200, close = false): void {
  if (res.headersSent || res.destroyed) return;
  const json = JSON.stringify(out);
  const headers: http.OutgoingHttpHeaders = {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(json),
  };
  if (close) headers.connection = 'close';
  res.writeHead(status, headers);
  res.end(json);
}

/** Replies without reading the body (what was sent is drained, not kept). */
function discard(req: http.IncomingMessage, res: http.ServerResponse, out: unknown, status = 200): void {
  req.resume();
  send(res, out, status, req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0');
}

function asFmz(e: unknown, log: Logger, secrets: readonly string[]): DeskgateError {
  if (isDeskgateError(e)) return e;
  const msg = e instanceof Error ? e.message : String(e);
  log.warn({ err: redact(msg.slice(0, 300), secrets) }, 'fmz call failed unexpectedly');
  return asDeskgateError(e);
}
