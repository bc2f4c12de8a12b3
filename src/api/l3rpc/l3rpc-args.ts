/**
 * The SDK daemon's command line (S3.6): `-c config -symbol X -p rpcPort -rpckey K`, as in
 * `./kucoin_market -c .env -symbol BTC-USDT -p 9090 -rpckey BTC-USDT`. Single-dash long flags
 * (Go's flag package) and `--flag` / `--flag=value` are all accepted.
 *
 * The config is the SDK's `.env` (KEY=VALUE lines): `RPC_TOKEN` (required unless
 * DESKGATE_RPC_TOKEN is set in the environment), `REDIS_URL` (default redis://127.0.0.1:6379),
 * `RPC_DIALECT` (v2 default, v1 for the older KuMEX demos).
 * The token is never printed.
 */
import { readFileSync } from 'node:fs';
import { dgError } from '../../core/errors.js';
import { DEFAULT_L3RPC_PORT } from './l3rpc-server.js';

export interface L3RpcArgs {
  readonly config: string | undefined;
  readonly symbol: string;
  readonly port: number;
  readonly rpckey: string | undefined;
}

export interface L3RpcEnv {
  readonly token: string;
  readonly redisUrl: string;
  /** `RPC_DIALECT=v1` for the older KuMEX SDK demos (string-encoded results); default v2. */
  readonly dialect: 'v1' | 'v2';
}

const FLAGS = new Set(['c', 'symbol', 'p', 'rpckey']);

export function parseL3RpcArgs(argv: readonly string[]): L3RpcArgs {
  const v = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const m = /^--?([a-z]+)(?:=(.*))?$/.exec(argv[i]);
    if (!m || !FLAGS.has(m[1]))
      throw dgError('DG_E_BAD_CONFIG', `unknown argument ${JSON.stringify(argv[i].slice(0, 40))}`);
    const val = m[2] ?? argv[++i];
    if (val === undefined) throw dgError('DG_E_BAD_CONFIG', `-${m[1]} needs a value`);
    v.set(m[1], val);
  }
  const symbol = v.get('symbol');
  if (!symbol || !/^[A-Za-z0-9_./-]{1,40}$/.test(symbol)) throw dgError('DG_E_BAD_CONFIG', '-symbol is required');
  const portText = v.get('p') ?? String(DEFAULT_L3RPC_PORT);
  const port = Number(portText);
  if (!/^\d{1,5}$/.test(portText) || port > 65535) throw dgError('DG_E_BAD_CONFIG', `-p ${portText.slice(0, 10)}`);
  const rpckey = v.get('rpckey');
  if (rpckey !== undefined && !/^[A-Za-z0-9_.-]{1,64}$/.test(rpckey))
    throw dgError('DG_E_BAD_CONFIG', '-rpckey: 1-64 of [A-Za-z0-9_.-]');
  return { config: v.get('c'), symbol, port, rpckey };
}

/** Read KEY=VALUE lines (comments #, optional quotes) of the SDK's .env file. */
export function parseDotEnv(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    let val = m[2];
    if ((val.startsWith('"') && val.endsWith('"')) || (val.startsWith("'") && val.endsWith("'")))
      val = val.slice(1, -1);
    out.set(m[1], val);
  }
  return out;
}

export function l3RpcEnv(args: L3RpcArgs, env: NodeJS.ProcessEnv = process.env): L3RpcEnv {
  let file = new Map<string, string>();
  if (args.config !== undefined) {
    try {
      file = parseDotEnv(readFileSync(args.config, 'utf8'));
    } catch {
      throw dgError('DG_E_BAD_CONFIG', `cannot read ${args.config}`);
    }
  }
  const token = env.DESKGATE_RPC_TOKEN ?? file.get('RPC_TOKEN');
  if (!token) throw dgError('DG_E_BAD_CONFIG', 'RPC_TOKEN (config) or DESKGATE_RPC_TOKEN (environment) is required');
  const dialect = file.get('RPC_DIALECT') ?? env.DESKGATE_RPC_DIALECT ?? 'v2';
  if (dialect !== 'v1' && dialect !== 'v2') throw dgError('DG_E_BAD_CONFIG', 'RPC_DIALECT must be v1 or v2');
  return { token, redisUrl: file.get('REDIS_URL') ?? env.DESKGATE_REDIS_URL ?? 'redis://127.0.0.1:6379', dialect };
}
