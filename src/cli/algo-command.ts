/**
 * `deskgate algo start|pause|resume|cancel|status`: control a running `deskgate serve` gateway's
 * execution algorithms over its native REST API (/v1/algos, docs/algo-service.md).
 *
 *   deskgate algo start --symbol BTC-USDT --side buy --size 0.5 --mode progressive --duration 30m
 *   deskgate algo status            every parent        deskgate algo status 3   one, with children
 *   deskgate algo pause 3 --reason "desk call"         deskgate algo resume 3 / cancel 3
 *
 * --url (default http://127.0.0.1:8080, or $DESKGATE_URL), --token (or $DESKGATE_TOKEN) when the
 * server has one. Refusals print the problem's stable code and detail and exit 1.
 *
 * `start` always sends a client key (`clientAlgoId`): `--client-id <key>`, or one made for this
 * invocation (`cli-<uuid>`). The POST is sent again once, with the same key, when the connection
 * fails before an answer (the gateway may have started the parent); the gateway then answers with
 * that parent instead of starting a second one. Re-running a start with the same `--client-id` is
 * safe the same way (a different request under that key is refused: DG_E_ALGO_KEY_CONFLICT).
 */
import { randomUUID } from 'node:crypto';
import { Command, InvalidArgumentError } from 'commander';
import { CLIENT_ALGO_ID_RE } from '../algo/service/start-request.js';
import type { AlgoView } from '../algo/service/status-view.js';

export interface AlgoCliIo {
  readonly out: (text: string) => void;
  readonly env?: NodeJS.ProcessEnv;
}

interface Common {
  url?: string;
  token?: string;
  json?: boolean;
}

interface StartOpts extends Common {
  symbol: string;
  side: string;
  size: string;
  mode: string;
  duration?: string;
  endAt?: string;
  strategy?: string;
  seed?: string;
  param: string[];
  params?: string;
  clientId?: string;
}

/** Pause before the one resend of a start whose connection failed. */
const RESEND_AFTER_MS = 500;

function clientIdArg(v: string): string {
  if (!CLIENT_ALGO_ID_RE.test(v)) throw new InvalidArgumentError('1 to 64 characters of A-Z a-z 0-9 _ . : -');
  return v;
}

function idArg(v: string): number {
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new InvalidArgumentError('id must be a positive integer');
  return Number(v);
}

/** key=value; the value is JSON when it parses (numbers, booleans, null), else a string. */
function paramArg(v: string, prev: string[]): string[] {
  if (!/^[A-Za-z][A-Za-z0-9.]*=/.test(v)) throw new InvalidArgumentError('want key=value');
  return [...prev, v];
}

function paramValue(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** Dotted keys make nested objects: finishUp.mode=none → {finishUp: {mode: "none"}}. */
function paramsOf(pairs: readonly string[], json: string | undefined): Record<string, unknown> {
  let out: Record<string, unknown> = {};
  if (json !== undefined) {
    const v = paramValue(json);
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('--params must be a JSON object');
    out = v as Record<string, unknown>;
  }
  for (const p of pairs) {
    const i = p.indexOf('=');
    const path = p.slice(0, i).split('.');
    let at = out;
    for (const k of path.slice(0, -1)) {
      const next = at[k];
      at[k] = typeof next === 'object' && next !== null ? next : {};
      at = at[k] as Record<string, unknown>;
    }
    at[path[path.length - 1]] = paramValue(p.slice(i + 1));
  }
  return out;
}

interface Answer<T> {
  readonly status: number;
  readonly body: T;
}

async function request<T>(o: Common, env: NodeJS.ProcessEnv, method: string, path: string, body?: unknown): Promise<T> {
  return (await send<T>(o, env, method, path, body)).body;
}

/** `resend`: how many more times to send when the connection fails before any answer. */
async function send<T>(
  o: Common,
  env: NodeJS.ProcessEnv,
  method: string,
  path: string,
  body?: unknown,
  resend = 0,
): Promise<Answer<T>> {
  const base = (o.url ?? env.DESKGATE_URL ?? 'http://127.0.0.1:8080').replace(/\/+$/, '').replace(/\/v1$/, '');
  const token = o.token ?? env.DESKGATE_TOKEN;
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  for (let attempt = 0; ; attempt++) {
    try {
      res = await fetch(`${base}${path}`, {
        method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      break;
    } catch (e) {
      if (attempt < resend) {
        await new Promise((r) => setTimeout(r, RESEND_AFTER_MS));
        continue;
      }
      throw new Error(`${base}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
  }
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (!res.ok) {
    const p = parsed as { code?: string; detail?: string; title?: string } | undefined;
    throw new Error(`${p?.code ?? `HTTP ${res.status}`}: ${p?.detail ?? p?.title ?? text.slice(0, 200)}`);
  }
  return { status: res.status, body: parsed as T };
}

/** One line per parent; with `children`, one more line per child. */
export function formatAlgo(v: AlgoView, children = false): string {
  const avg = v.avgPrice === null ? '' : ` avg ${v.avgPrice}`;
  const sched = v.progress.scheduled === null ? '' : ` | scheduled ${v.progress.scheduled} (ahead ${v.progress.ahead})`;
  // Older gateways send no remainder (undefined): nothing to print then.
  const left = v.remainder == null ? '' : ` | ${v.remainder} left, below the minimum order ${v.minSize}`;
  const lines = [
    `#${v.id} ${v.mode} ${v.side} ${v.size} ${v.symbol} [${v.strategy}] ${v.status}${v.reason ? ` (${v.reason})` : ''}` +
      ` | filled ${v.filled}${avg}${left}${sched} | round ${v.round}, ${v.openChildren} open` +
      ` | ends ${new Date(v.endAt).toISOString()}${v.clientAlgoId ? ` | client id ${v.clientAlgoId}` : ''}`,
  ];
  const t = v.tca;
  if (children && t) {
    const bps = (x: number | null): string => (x === null ? '-' : `${x.toFixed(2)} bps`);
    lines.push(
      `  tca: arrival ${t.text.arrivalMid} avg ${t.text.avgPrice ?? '-'} | slippage ${bps(t.slippageBps)}` +
        ` | shortfall ${bps(t.shortfallBps)} (fees ${bps(t.feesBps)}) | vs TWAP ${bps(t.vsTwapBps)}` +
        ` vs VWAP ${bps(t.vsVwapBps)} | participation ${t.participation === null ? '-' : t.participation.toFixed(4)}` +
        ` | maker ${t.makerShare === null ? '-' : t.makerShare.toFixed(2)} | schedule rms ${t.scheduleRms.toFixed(3)}` +
        (t.unfillable > 0
          ? ` | below minimum ${t.text.unfillable} (${bps(t.unfillableCostBps)} at the end mid, not in shortfall)`
          : ''),
    );
  }
  if (children) {
    for (const c of v.children) {
      lines.push(
        `  ${c.clientId} ${c.tag} ${c.type}${c.price === null ? '' : ` ${c.price}`} x ${c.size}` +
          ` filled ${c.filled}${c.avgPrice === null ? '' : ` @ ${c.avgPrice}`} ${c.open ? (c.cancelling ? 'cancelling' : 'open') : 'done'}`,
      );
    }
  }
  return lines.join('\n');
}

export function registerAlgoCommand(program: Command, io: AlgoCliIo = { out: (t) => process.stdout.write(t) }): void {
  const env = io.env ?? process.env;
  const cmd = program
    .command('algo')
    .description('Execution algorithms of a running `deskgate serve` (TWAP progressive/aggressive/passive, iceberg)');
  const common = (c: Command): Command =>
    c
      .option('--url <url>', 'the gateway API (default $DESKGATE_URL or http://127.0.0.1:8080)')
      .option('--token <token>', 'API token (default $DESKGATE_TOKEN)')
      .option('--json', 'print the JSON answer');
  const show = (o: Common, v: AlgoView | AlgoView[], children: boolean): void => {
    if (o.json) io.out(`${JSON.stringify(v)}\n`);
    else if (Array.isArray(v)) io.out(v.length === 0 ? 'no algos\n' : `${v.map((x) => formatAlgo(x)).join('\n')}\n`);
    else io.out(`${formatAlgo(v, children)}\n`);
  };

  common(cmd.command('start').description('Start a parent order'))
    .requiredOption('--symbol <symbol>', 'e.g. BTC-USDT')
    .requiredOption('--side <side>', 'buy or sell')
    .requiredOption('--size <decimal>', 'total size in base units, e.g. 0.5')
    .requiredOption('--mode <mode>', 'progressive, aggressive, passive or iceberg')
    .option('--duration <d>', 'schedule length, e.g. 30m, 2h')
    .option('--end-at <time>', 'end time (ISO 8601 or ms)')
    .option('--strategy <name>', 'ledger strategy that funds it (default: the server’s, "algo")')
    .option('--seed <n>', 'seed of the round-interval draws')
    .option('--param <key=value>', 'a mode parameter (repeatable; dotted keys nest)', paramArg, [])
    .option('--params <json>', 'mode parameters as one JSON object')
    .option(
      '--client-id <key>',
      'idempotency key (clientAlgoId, 1-64 of A-Z a-z 0-9 _ . : -): re-running with the same key and ' +
        'request returns the parent it started instead of a second one (default: a new cli-<uuid> per ' +
        'invocation, so the one automatic resend after a connection failure cannot double-start)',
      clientIdArg,
    )
    .action(async (o: StartOpts) => {
      const body: Record<string, unknown> = {
        symbol: o.symbol,
        side: o.side,
        size: o.size,
        mode: o.mode,
        params: paramsOf(o.param, o.params),
        clientAlgoId: o.clientId ?? `cli-${randomUUID()}`,
      };
      if (o.duration !== undefined) body.duration = o.duration;
      if (o.endAt !== undefined) body.endAt = /^\d+$/.test(o.endAt) ? Number(o.endAt) : o.endAt;
      if (o.strategy !== undefined) body.strategy = o.strategy;
      if (o.seed !== undefined) body.seed = Number(o.seed);
      const r = await send<AlgoView>(o, env, 'POST', '/v1/algos', body, 1);
      if (r.status === 200 && !o.json) io.out(`already started with client id ${String(body.clientAlgoId)}:\n`);
      show(o, r.body, true);
    });

  common(cmd.command('status').description('Every parent, or one with its children'))
    .argument('[id]', 'parent id', idArg)
    .action(async (id: number | undefined, o: Common) => {
      if (id === undefined) show(o, await request<AlgoView[]>(o, env, 'GET', '/v1/algos'), false);
      else show(o, await request<AlgoView>(o, env, 'GET', `/v1/algos/${id}`), true);
    });

  for (const [name, what] of [
    ['pause', 'Pause a running parent (its open children are cancelled)'],
    ['resume', 'Resume a paused parent'],
    ['cancel', 'Cancel a parent (terminal; its open children are cancelled)'],
  ] as const) {
    const c = common(cmd.command(name).description(what)).argument('<id>', 'parent id', idArg);
    if (name !== 'resume') c.option('--reason <text>', 'why (shown in the status)');
    c.action(async (id: number, o: Common & { reason?: string }) => {
      const q = o.reason !== undefined ? `?reason=${encodeURIComponent(o.reason)}` : '';
      show(o, await request<AlgoView>(o, env, 'POST', `/v1/algos/${id}/${name}${q}`), false);
    });
  }
}
