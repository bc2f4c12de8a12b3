/**
 * `deskgate serve` wiring (docs/serve.md): config → logs → gateways (venue + journal + kernel +
 * kernel port, one per configured venue) → listeners (FMZ General Protocol, MOV Dealer, KuCoin L3
 * RPC, metrics) → a start-up summary, one line per listener with its URL. `close()` shuts down in
 * reverse: listeners, optional cancel of open API orders, flow, kernels (journal flushed), venues.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { systemClock, type Clock } from '../../core/clock.js';
import { DeskgateError, dgError, isDeskgateError } from '../../core/errors.js';
import { DealerServer } from '../../api/dealer/dealer-server.js';
import { startFmzServer } from '../../api/fmz/server.js';
import { kernelLedgerAccess } from '../../api/http/kernel-ledger-access.js';
import { startHttpApi } from '../../api/http/server.js';
import { simEngineL3Feed, type L3FeedSource } from '../../api/l3rpc/l3-feed-source.js';
import { L3RpcServer } from '../../api/l3rpc/l3rpc-server.js';
import type { Bus } from '../../bus/bus.js';
import { NatsBus } from '../../bus/nats-bus.js';
import { RedisBus } from '../../bus/redis-bus.js';
import { CcxtVenue } from '../../venue/ccxt/ccxt-venue.js';
import { isLoopback, resolveSecret, type ServeConfig } from './config.js';
import { startGateway, type Gateway } from './gateways.js';
import type { RotatorTimer } from '../../logging/rotating-log.js';
import { createServeLog, scrubText, type ServeLog } from './logging.js';
import { ServeMetrics } from './metrics.js';
import { mountMetrics, startMetricsServer } from './metrics-server.js';

/** The order-by-order L3 feed the RPC fan-out re-sends: the sim engine's, or a ccxt kucoin venue's native stream. */
function l3FeedOf(g: Gateway): L3FeedSource | undefined {
  if (g.engine) return simEngineL3Feed(g.engine);
  if (g.venue instanceof CcxtVenue && g.venue.hasL3Feed) return g.venue;
  return undefined;
}

export interface ServeOptions {
  readonly config: ServeConfig;
  readonly clock?: Clock;
  readonly env?: NodeJS.ProcessEnv;
  /** Where the start-up summary goes (default stdout). */
  readonly print?: (line: string) => void;
  /** Log rotation timer (tests inject one). */
  readonly rotatorTimer?: RotatorTimer;
  /** Cancel the API strategy's open orders on close (also config `cancelOnExit`). */
  readonly cancelOnExit?: boolean;
}

export interface ListenerInfo {
  readonly name: 'fmz' | 'dealer' | 'l3rpc' | 'metrics' | 'http';
  readonly url: string;
  readonly port: number;
  readonly note: string;
}

export interface ServeHandle {
  readonly config: ServeConfig;
  readonly gateways: readonly Gateway[];
  readonly listeners: readonly ListenerInfo[];
  readonly summary: readonly string[];
  readonly metrics: ServeMetrics;
  readonly log: ServeLog;
  readonly dataDir: string;
  /** Listeners named in the config that this build could not start, with the reason. */
  readonly missing: readonly string[];
  close(): Promise<void>;
}

function hostUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** Dealer request line: "<iso> GET /path http=200 code=200 3ms". */
const DEALER_LINE = /^\S+ (\S+) \S+ http=(\d+)(?: code=\S+)? (\d+)ms$/;

export async function startServe(o: ServeOptions): Promise<ServeHandle> {
  const cfg: ServeConfig = { ...o.config, dataDir: resolve(o.config.dataDir) };
  const clock = o.clock ?? systemClock;
  const env = o.env ?? process.env;
  const print = o.print ?? ((l: string) => process.stdout.write(`${l}\n`));
  const token = cfg.token !== undefined ? resolveSecret(cfg.token, 'token', env) : undefined;
  if (!isLoopback(cfg.host) && token === undefined) {
    throw dgError(
      'DG_E_SERVE_INSECURE',
      `host ${cfg.host} is not loopback: set "token" (e.g. {"token": {"env": "DESKGATE_TOKEN"}}) or use 127.0.0.1`,
    );
  }
  // Every secret value the config resolves, scrubbed from every log line.
  const secrets: string[] = token !== undefined ? [token] : [];
  cfg.venues.forEach((v, i) => {
    if (v.type !== 'ccxt') return;
    for (const [k, ref] of Object.entries(v.credentials)) {
      if (ref !== undefined) secrets.push(resolveSecret(ref, `venues.${i}.credentials.${k}`, env));
    }
  });
  const dataDir = resolve(cfg.dataDir);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const log = createServeLog({
    dir: join(dataDir, 'logs'),
    rotateMs: cfg.logs.rotate_time,
    maxAgeMs: cfg.logs.max_age,
    level: cfg.logs.level,
    stdout: cfg.logs.stdout,
    secrets,
    clock,
    ...(o.rotatorTimer ? { timer: o.rotatorTimer } : {}),
  });
  const logger = log.logger;
  const metrics = new ServeMetrics();
  const gateways: Gateway[] = [];
  const closers: (() => Promise<void>)[] = [];
  const listeners: ListenerInfo[] = [];
  const missing: string[] = [];
  const cancelOnExit = o.cancelOnExit ?? cfg.cancelOnExit;

  async function shutdown(): Promise<void> {
    for (const c of closers.splice(0).reverse()) {
      try {
        await c();
      } catch (e) {
        logger.warn({ err: e instanceof Error ? e.message : String(e) }, 'listener close failed');
      }
    }
    for (const g of gateways.splice(0).reverse()) {
      try {
        await g.close({ cancelOpen: cancelOnExit });
      } catch (e) {
        logger.warn({ gateway: g.name, err: e instanceof Error ? e.message : String(e) }, 'gateway close failed');
      }
    }
    metrics.close();
    logger.info('deskgate serve stopped');
    log.close();
  }

  const buses = async (name: string): Promise<Bus[]> => {
    if (cfg.bus === 'redis') return [await RedisBus.connect({ gateway: name })];
    if (cfg.bus === 'nats') return [await NatsBus.connect({ gateway: name, jetstream: false, commandQueue: true })];
    return [];
  };

  try {
    logger.info(
      { host: cfg.host, network: cfg.network, venues: cfg.venues.map((v) => `${v.name}:${v.type}`), bus: cfg.bus },
      'deskgate serve starting',
    );
    for (let i = 0; i < cfg.venues.length; i++) {
      const v = cfg.venues[i];
      const g = await startGateway(v, i, {
        config: cfg,
        clock,
        env,
        buses,
        log: (obj, msg) => logger.info(obj, msg),
      });
      gateways.push(g);
      metrics.watchKernel(g.kernel);
      metrics.watchVenue(g.name, g.venue);
      logger.info(
        { gateway: g.name, replayed: g.started.replayed, epoch: g.started.epoch, allocated: g.allocated },
        'gateway live',
      );
    }
    const primary = gateways[0];
    const L = cfg.listeners;
    const h = hostUrl(cfg.host);

    if (L.fmz.enabled) {
      const fmz = await startFmzServer({
        host: cfg.host,
        port: L.fmz.port,
        ...(token !== undefined ? { authToken: token } : {}),
        gateways: gateways.map((g) => g.port),
        ccxt: false,
        logger: logger.child({ listener: 'fmz' }),
        clock,
      });
      closers.push(() => fmz.close());
      metrics.instrument('fmz', fmz.server);
      listeners.push({
        name: 'fmz',
        url: `${fmz.url}/${primary.name}`,
        port: fmz.port,
        note: `FMZ General Protocol (${gateways.map((g) => `/${g.name}`).join(', ')})`,
      });
    }

    const gatewayOf = (venue: string | undefined): Gateway =>
      venue === undefined ? primary : (gateways.find((g) => g.name === venue) ?? primary);

    // The MOV client cannot send a token: the Dealer always binds loopback and checks the Host header.
    for (const D of L.dealer) {
      if (!D.enabled) continue;
      const g = gatewayOf(D.venue);
      const dealerLog = logger.child({ listener: 'dealer', gateway: g.name });
      const dealer = new DealerServer({
        port: g.port,
        host: '127.0.0.1',
        listenPort: D.port,
        address: g.name,
        clock,
        log: (line) => {
          dealerLog.info(line);
          const m = DEALER_LINE.exec(line);
          if (m) metrics.requests.observe({ listener: 'dealer', method: m[1], status: m[2] }, Number(m[3]) / 1000);
        },
      });
      await dealer.start();
      closers.push(() => dealer.close());
      const a = dealer.address();
      listeners.push({
        name: 'dealer',
        url: `http://127.0.0.1:${a.port}`,
        port: a.port,
        note: `MOV Dealer (${g.name}; loopback only)`,
      });
    }

    let rpcToken: string | undefined;
    let tokenNote = '';
    for (const R of L.l3rpc) {
      if (!R.enabled) continue;
      const g = gatewayOf(R.venue);
      const feed = l3FeedOf(g);
      if (!feed) {
        missing.push(`l3rpc (${g.name}): needs a sim venue or a ccxt kucoin venue (native level-3 feed)`);
        continue;
      }
      if (rpcToken === undefined) {
        rpcToken = token ?? env.DESKGATE_RPC_TOKEN ?? randomBytes(18).toString('base64url');
        const tokenFile = join(dataDir, 'rpc.token');
        if (token === undefined && env.DESKGATE_RPC_TOKEN === undefined) {
          writeFileSync(tokenFile, `${rpcToken}\n`, { mode: 0o600 });
          chmodSync(tokenFile, 0o600);
        }
        log.addSecret(rpcToken);
        secrets.push(rpcToken);
        tokenNote =
          token !== undefined
            ? 'token: the API token'
            : env.DESKGATE_RPC_TOKEN !== undefined
              ? 'token: $DESKGATE_RPC_TOKEN'
              : `token in ${tokenFile}`;
      }
      const redisBus = g.buses.find((b): b is RedisBus => b instanceof RedisBus);
      const rpc = new L3RpcServer({
        port: g.port,
        symbol: R.symbol,
        token: rpcToken,
        feed,
        host: cfg.host,
        listenPort: R.port,
        clock,
        ...(redisBus ? { redis: redisBus.redis, rpckey: R.rpckey } : {}),
      });
      await rpc.start();
      closers.push(() => rpc.close());
      metrics.watchStats(L.l3rpc.length > 1 ? `l3rpc_${g.name}_${R.symbol}` : 'l3rpc', () => ({ ...rpc.stats() }));
      const a = rpc.address();
      listeners.push({
        name: 'l3rpc',
        url: `tcp://${h}:${a.port}`,
        port: a.port,
        note: `KuCoin L3 RPC (${R.symbol} on ${g.name}; ${tokenNote})`,
      });
    }

    let metricsMounted = false;
    for (const H of L.http) {
      if (!H.enabled) continue;
      const g = gatewayOf(H.venue);
      const httpLog = logger.child({ listener: 'http', gateway: g.name });
      const api = await startHttpApi({
        port: g.port,
        ledger: kernelLedgerAccess(g.kernel),
        ...(g.algos ? { algos: g.algos } : {}),
        host: cfg.host,
        portNumber: H.port,
        ...(token !== undefined ? { token } : {}),
        log: (line) => httpLog.info(line),
        clock,
      });
      closers.push(() => api.close());
      metrics.instrument('http', api.app.server);
      const a = api.app.server.address();
      const p = typeof a === 'object' && a ? a.port : H.port;
      listeners.push({
        name: 'http',
        url: `${api.url}/v1`,
        port: p,
        note: `native REST + WebSocket /v1/stream, docs ${api.url}/docs (${g.name})`,
      });
      if (!metricsMounted) {
        // One /metrics (process-wide registry), on the first REST listener.
        metricsMounted = true;
        const unmount = mountMetrics(api.app.server, metrics, token);
        closers.push(async () => unmount());
        listeners.push({
          name: 'metrics',
          url: `${api.url}/metrics`,
          port: p,
          note: 'Prometheus metrics (on the http port)',
        });
      }
    }
    if (!metricsMounted && cfg.metrics) {
      const ms = await startMetricsServer({
        metrics,
        host: cfg.host,
        port: cfg.metricsPort,
        ...(token !== undefined ? { token } : {}),
        health: () => ({ ok: true, gateways: gateways.map((g) => ({ name: g.name, phase: g.kernel.phase })) }),
      });
      closers.push(() => ms.close());
      metrics.instrument('metrics', ms.server);
      listeners.push({
        name: 'metrics',
        url: `http://${h}:${ms.port}/metrics`,
        port: ms.port,
        note: 'Prometheus metrics, /healthz (http API disabled)',
      });
    }
  } catch (e) {
    logger.error({ err: e instanceof Error ? e.message : String(e) }, 'start failed');
    await shutdown();
    // The caller prints this: no secret may ride along in a venue's error text.
    if (isDeskgateError(e))
      throw new DeskgateError(e.code, e.detail === undefined ? undefined : scrubText(e.detail, secrets));
    // No `cause`: the original error may carry a secret in its text.
    // eslint-disable-next-line preserve-caught-error
    throw new Error(scrubText(e instanceof Error ? e.message : String(e), secrets));
  }

  const summary: string[] = [
    `deskgate serve: data ${dataDir} (logs ${join(dataDir, 'logs')}, rotate ${cfg.logs.rotate_time / 1000}s, keep ${cfg.logs.max_age / 1000}s)`,
  ];
  for (const g of gateways) {
    const alloc = Object.entries(g.allocated)
      .map(([c, a]) => `${a} ${c}`)
      .join(', ');
    summary.push(
      `gateway ${g.name}: ${g.config.type}${g.config.type === 'ccxt' ? ` ${g.config.exchange}` : ''}, journal ${g.journal.file}, ` +
        `replayed ${g.started.replayed}, epoch ${g.started.epoch}, strategy "${cfg.api.strategy}"${alloc ? ` allocated ${alloc}` : ''}`,
    );
  }
  for (const l of listeners) summary.push(`listen ${l.name.padEnd(8)} ${l.url}  ${l.note}`);
  for (const m of missing) summary.push(`not started: ${m}`);
  for (const line of summary) {
    print(line);
    logger.info(line);
  }

  let closing: Promise<void> | undefined;
  return {
    config: cfg,
    gateways,
    listeners,
    summary,
    metrics,
    log,
    dataDir,
    missing,
    close() {
      closing ??= shutdown();
      return closing;
    },
  };
}
