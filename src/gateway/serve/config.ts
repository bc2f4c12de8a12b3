/**
 * `deskgate serve` configuration (docs/serve.md; spec S0.1, S0.4, S1.1, S1.7, S3.6): one JSON file,
 * validated with zod. Every field has a default, so `{}` (or no file) is the embedded default: an
 * in-process sim venue with BTC-USDT and ETH-USDT synthetic flow, every listener on 127.0.0.1.
 * Secrets are never written inline in examples: `{"env": "KUCOIN_KEY"}` names an environment
 * variable, resolved at start (a missing one is a config error naming the path, never the value).
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { dgError, type DeskgateError } from '../../core/errors.js';
import { parseDuration } from '../../core/duration.js';
import { algosConfigSchema, DEFAULT_ALGOS_CONFIG } from '../../algo/service/algos-config.js';

/** A secret: an environment-variable reference (preferred) or an inline string. */
const secretRef = z.union(
  [z.object({ env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'env var name') }).strict(), z.string().min(1)],
  { error: (iss) => (iss.input === undefined ? 'required' : 'want {"env": "VAR_NAME"} (or a string)') },
);
export type SecretRef = z.infer<typeof secretRef>;

const port = z.number().int().min(0).max(65535);
const MAX_ROTATE_MS = 24 * 86_400_000;
const duration = z.union([z.string(), z.number()]).transform((v, ctx) => {
  try {
    return parseDuration(v);
  } catch {
    ctx.addIssue({ code: 'custom', message: `bad duration ${JSON.stringify(v)} (use e.g. 30s, 5m, 24h, 3d)` });
    return z.NEVER;
  }
});
const name = z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/, 'lowercase letter then letters, digits, _ or -');
/** Amounts allocated to the API strategy at start: a decimal string or "all" (everything free in main). */
const allocation = z.record(
  z.string().regex(/^[A-Z0-9]{1,15}$/, 'currency code'),
  z.union([z.literal('all'), z.string().regex(/^\d+(\.\d+)?$/, 'decimal amount or "all"')]),
);

const simVenue = z
  .object({
    type: z.literal('sim'),
    name: name.default('sim'),
    symbols: z.array(z.string()).min(1).default(['BTC-USDT', 'ETH-USDT']),
    seed: z.number().int().default(1),
    /** Synthetic flow commands per second (all markets). */
    ratePerSec: z.number().positive().max(100_000).default(50),
    /** Starting balances of the sim account (default: 1 000 000 USDT, 10 BTC, 100 ETH, those the markets use). */
    deposits: z.record(z.string(), z.string()).optional(),
  })
  .strict();

const ccxtVenue = z
  .object({
    type: z.literal('ccxt'),
    name,
    exchange: z.string().regex(/^[a-z0-9]{2,32}$/, 'ccxt exchange id'),
    credentials: z
      .object({ apiKey: secretRef, secret: secretRef, password: secretRef.optional(), uid: secretRef.optional() })
      .strict(),
    /** REST base URL override for kucoin (e.g. a deskgate sim server). */
    url: z.string().url().optional(),
    symbols: z.array(z.string()).min(1).optional(),
  })
  .strict();

const listener = (def: number) =>
  z
    .object({ enabled: z.boolean().default(true), port: port.default(def) })
    .strict()
    .default({ enabled: true, port: def });

/**
 * A listener bound to one venue account (MOV Dealer, L3 RPC, REST): one object, or a list of them
 * (one per venue, each on its own port). `venue` names a configured venue; absent = the first.
 */
const perVenue = <S extends z.ZodObject>(one: S, def: z.input<S>) =>
  z
    .union([one, z.array(one).min(1).max(16)])
    .default(def as never)
    .transform((v): z.output<S>[] => (Array.isArray(v) ? v : [v]));

const dealerListener = z
  .object({ enabled: z.boolean().default(true), port: port.default(1024), venue: name.optional() })
  .strict();
const l3rpcListener = z
  .object({
    enabled: z.boolean().default(true),
    port: port.default(9090),
    venue: name.optional(),
    symbol: z.string().default('BTC-USDT'),
    rpckey: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/)
      .default('deskgate'),
  })
  .strict();
const httpListener = z
  .object({ enabled: z.boolean().default(true), port: port.default(8080), venue: name.optional() })
  .strict();

export const ServeConfigSchema = z
  .object({
    host: z.string().min(1).default('127.0.0.1'),
    /** API token: required for a non-loopback host; every listener then checks it. */
    token: secretRef.optional(),
    network: z.string().min(1).default('sim'),
    dataDir: z.string().min(1).default('./.deskgate'),
    venues: z
      .array(z.discriminatedUnion('type', [simVenue, ccxtVenue]))
      .min(1)
      .default([simVenue.parse({ type: 'sim' })]),
    listeners: z
      .object({
        fmz: listener(6666),
        dealer: perVenue(dealerListener, { enabled: true, port: 1024 }),
        l3rpc: perVenue(l3rpcListener, { enabled: true, port: 9090, symbol: 'BTC-USDT', rpckey: 'deskgate' }),
        http: perVenue(httpListener, { enabled: true, port: 8080 }),
      })
      .strict()
      .default({
        fmz: { enabled: true, port: 6666 },
        dealer: [{ enabled: true, port: 1024 }],
        l3rpc: [{ enabled: true, port: 9090, symbol: 'BTC-USDT', rpckey: 'deskgate' }],
        http: [{ enabled: true, port: 8080 }],
      }),
    logs: z
      .object({
        rotate_time: duration.default(86_400_000),
        max_age: duration.default(259_200_000),
        level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
        /** Also write log lines to stdout (default false: the file only; the summary always prints). */
        stdout: z.boolean().default(false),
      })
      .strict()
      .default({ rotate_time: 86_400_000, max_age: 259_200_000, level: 'info', stdout: false }),
    bus: z.enum(['none', 'redis', 'nats']).default('none'),
    api: z
      .object({
        strategy: z
          .string()
          .regex(/^[a-z][a-z0-9]{0,11}$/, 'lowercase letter then up to 11 letters/digits')
          .default('api'),
        /** Funds moved from main to the API strategy's slot at start (default: everything). */
        allocate: z.union([z.literal('all'), allocation]).default('all'),
      })
      .strict()
      .default({ strategy: 'api', allocate: 'all' }),
    /** Execution algorithms, one service per gateway (src/algo/service/algos-config.ts, docs/algo-service.md). */
    algos: algosConfigSchema.default(DEFAULT_ALGOS_CONFIG),
    cancelOnExit: z.boolean().default(false),
    /** With the http listener disabled: serve /metrics (and /healthz) on `metricsPort` instead. */
    metrics: z.boolean().default(true),
    metricsPort: port.default(9464),
    reconcileMs: z.number().int().min(1000).default(60_000),
  })
  .strict()
  // A timer period must fit setInterval (≤ 2^31 − 1 ms ≈ 24.8 days); under 1 s would spin.
  .refine((c) => c.logs.rotate_time >= 1000 && c.logs.rotate_time <= MAX_ROTATE_MS, {
    message: 'logs.rotate_time must be between 1s and 24d',
    path: ['logs', 'rotate_time'],
  })
  .refine((c) => c.logs.max_age >= c.logs.rotate_time, {
    message: 'logs.max_age must be ≥ logs.rotate_time',
    path: ['logs', 'max_age'],
  })
  .refine((c) => !c.algos.enabled || c.algos.strategy !== c.api.strategy, {
    message: 'algos.strategy must differ from api.strategy (each has its own ledger slot)',
    path: ['algos', 'strategy'],
  })
  .refine((c) => new Set(c.venues.map((v) => v.name)).size === c.venues.length, {
    message: 'venue names must be unique',
    path: ['venues'],
  })
  .superRefine((c, ctx) => {
    const names = new Set(c.venues.map((v) => v.name));
    const ports = new Map<number, string>();
    const claim = (p: number, where: string) => {
      if (p === 0) return; // an ephemeral port never clashes
      const prior = ports.get(p);
      if (prior !== undefined)
        ctx.addIssue({ code: 'custom', message: `port ${p} is also ${prior}`, path: where.split('.') });
      else ports.set(p, where);
    };
    if (c.listeners.fmz.enabled) claim(c.listeners.fmz.port, 'listeners.fmz.port');
    for (const kind of ['dealer', 'l3rpc', 'http'] as const) {
      c.listeners[kind].forEach((l, i) => {
        if (!l.enabled) return;
        if (l.venue !== undefined && !names.has(l.venue))
          ctx.addIssue({
            code: 'custom',
            message: `no configured venue is named ${JSON.stringify(l.venue)}`,
            path: ['listeners', kind, i, 'venue'],
          });
        claim(l.port, `listeners.${kind}.${i}.port`);
      });
    }
  });

export type ServeConfig = z.infer<typeof ServeConfigSchema>;
export type VenueConfig = ServeConfig['venues'][number];

/** Every issue as `path: message`, one per line. */
export function configIssues(e: z.ZodError): string {
  return e.issues.map((i) => `${i.path.length > 0 ? i.path.join('.') : '(root)'}: ${i.message}`).join('\n');
}

export type ConfigResult = { ok: true; value: ServeConfig } | { ok: false; error: DeskgateError };

export function parseServeConfig(raw: unknown, source = 'config'): ConfigResult {
  const r = ServeConfigSchema.safeParse(raw ?? {});
  if (r.success) return { ok: true, value: r.data };
  return { ok: false, error: dgError('DG_E_SERVE_CONFIG', `${source}:\n${configIssues(r.error)}`) };
}

export function loadServeConfig(file: string | undefined): ConfigResult {
  if (file === undefined) return parseServeConfig({}, '(embedded default)');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    return { ok: false, error: dgError('DG_E_SERVE_CONFIG', `${file}: ${(e as Error).message}`) };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return { ok: false, error: dgError('DG_E_SERVE_CONFIG', `${file}: not JSON (${(e as Error).message})`) };
  }
  return parseServeConfig(raw, file);
}

/** Resolve a secret reference; the error names the config path and the variable, never a value. */
export function resolveSecret(ref: SecretRef, path: string, env: NodeJS.ProcessEnv = process.env): string {
  if (typeof ref === 'string') return ref;
  const v = env[ref.env];
  if (v === undefined || v === '')
    throw dgError('DG_E_SERVE_CONFIG', `${path}: environment variable ${ref.env} is not set`);
  return v;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);
export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host);
}
