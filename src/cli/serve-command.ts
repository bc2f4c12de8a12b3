/**
 * `deskgate serve`: the daemon that starts everything (docs/serve.md). With no config: the embedded
 * default — in-process sim (BTC-USDT, ETH-USDT synthetic flow), kernel with its journal under
 * ./.deskgate/, and every listener on 127.0.0.1 (FMZ 6666, MOV Dealer 1024, L3 RPC 9090, metrics 8080).
 *
 *   deskgate serve                          # embedded default
 *   deskgate serve --config deskgate.json   # venues, ports, host + token, logs, bus, api allocation
 *   deskgate serve --duration 30 --cancel-on-exit
 */
import { Command, InvalidArgumentError } from 'commander';
import { isDeskgateError } from '../core/errors.js';
import { loadServeConfig, resolveSecret, type ServeConfig } from '../gateway/serve/config.js';
import { startServe } from '../gateway/serve/serve.js';

interface ServeCliOpts {
  config?: string;
  duration?: number;
  cancelOnExit?: boolean;
  dataDir?: string;
  check?: boolean;
}

function positiveNumber(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a positive number of seconds');
  return n;
}

/** Every secret reference of the config whose environment variable is not set, as messages. */
function missingSecrets(c: ServeConfig): string[] {
  const refs: [string, Parameters<typeof resolveSecret>[0]][] = [];
  if (c.token !== undefined) refs.push(['token', c.token]);
  c.venues.forEach((v, i) => {
    if (v.type !== 'ccxt') return;
    for (const [k, ref] of Object.entries(v.credentials))
      if (ref !== undefined) refs.push([`venues.${i}.credentials.${k}`, ref]);
  });
  const out: string[] = [];
  for (const [path, ref] of refs) {
    try {
      resolveSecret(ref, path);
    } catch (e) {
      out.push(isDeskgateError(e) ? (e.detail ?? e.message) : String(e));
    }
  }
  return out;
}

/** The config with inline secret strings masked (env references are names, safe to print). */
function printable(c: ServeConfig): unknown {
  const mask = <T>(ref: T): T | string => (typeof ref === 'string' ? '[inline secret]' : ref);
  return {
    ...c,
    ...(c.token !== undefined ? { token: mask(c.token) } : {}),
    venues: c.venues.map((v) =>
      v.type === 'ccxt'
        ? { ...v, credentials: Object.fromEntries(Object.entries(v.credentials).map(([k, r]) => [k, mask(r)])) }
        : v,
    ),
  };
}

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('run the gateway daemon: venue(s), kernel + journal, FMZ / MOV Dealer / L3 RPC listeners, /metrics')
    .option('--config <file>', 'JSON config (docs/serve.md); default: the embedded sim on loopback')
    .option('--data-dir <dir>', 'override the config data dir (journal, logs)')
    .option('--duration <s>', 'stop after this many seconds (default: until SIGINT/SIGTERM)', positiveNumber)
    .option('--cancel-on-exit', "cancel the API strategy's open orders on shutdown")
    .option('--check', 'validate the config (and that its env secrets are set), print the effective config, exit')
    .action(async (opts: ServeCliOpts) => {
      const loaded = loadServeConfig(opts.config);
      if (!loaded.ok) {
        process.stderr.write(`deskgate serve: ${loaded.error.code}: ${loaded.error.detail ?? loaded.error.message}\n`);
        process.exitCode = 2;
        return;
      }
      const config = opts.dataDir !== undefined ? { ...loaded.value, dataDir: opts.dataDir } : loaded.value;
      if (opts.check) {
        const unset = missingSecrets(config);
        process.stdout.write(`${JSON.stringify(printable(config), null, 2)}\n`);
        if (unset.length > 0) {
          process.stderr.write(`deskgate serve: DG_E_SERVE_CONFIG: ${unset.join('; ')}\n`);
          process.exitCode = 2;
        }
        return;
      }
      let handle;
      try {
        handle = await startServe({ config, ...(opts.cancelOnExit ? { cancelOnExit: true } : {}) });
      } catch (e) {
        const msg = isDeskgateError(e)
          ? `${e.code}: ${e.detail ?? e.message}`
          : e instanceof Error
            ? e.message
            : String(e);
        process.stderr.write(`deskgate serve: ${msg}\n`);
        process.exitCode = 1;
        return;
      }
      const h = handle;
      await new Promise<void>((resolve) => {
        let timer: NodeJS.Timeout | undefined;
        const done = (): void => {
          process.off('SIGINT', done);
          process.off('SIGTERM', done);
          if (timer) clearTimeout(timer);
          resolve();
        };
        process.on('SIGINT', done);
        process.on('SIGTERM', done);
        if (opts.duration !== undefined) timer = setTimeout(done, opts.duration * 1000);
      });
      process.stdout.write('deskgate serve: shutting down\n');
      // A second signal, or a shutdown stuck for 15 s, ends the process.
      const force = (): void => {
        process.stderr.write('deskgate serve: forced exit\n');
        process.exit(1);
      };
      process.once('SIGINT', force);
      process.once('SIGTERM', force);
      const deadline = setTimeout(force, 15_000);
      deadline.unref();
      await h.close();
      clearTimeout(deadline);
      process.off('SIGINT', force);
      process.off('SIGTERM', force);
      process.stdout.write('deskgate serve: stopped (journal closed)\n');
    });
}
