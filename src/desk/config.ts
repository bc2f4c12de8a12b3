/**
 * Desk configuration file (JSON, validated with zod). Every section is optional; defaults follow
 * the spec (1 % tolerance, p5/p95, 5-minute wash window, 5-minute watch). Secret values may be
 * written as "env:NAME" to read them from the environment; they are never printed.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { dgError } from '../core/errors.js';
import { parseDuration } from '../core/duration.js';

const duration = z.union([z.string(), z.number()]).transform((v, ctx) => {
  try {
    return parseDuration(v);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message });
    return z.NEVER;
  }
});
const quantileValue = z.number().min(0).max(1);
const secret = z.string().min(1);

const channel = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('dingtalk'),
    name: z.string().default('dingtalk'),
    baseUrl: z.url().optional(),
    accessToken: secret,
    secret: secret.optional(),
    perMinute: z.number().int().positive().default(20),
    atMobiles: z.array(z.string()).default([]),
  }),
  z.object({
    type: z.literal('feishu'),
    name: z.string().default('feishu'),
    baseUrl: z.url().optional(),
    hookId: secret,
    secret: secret.optional(),
    perMinute: z.number().int().positive().default(100),
  }),
  z.object({
    type: z.literal('slack'),
    name: z.string().default('slack'),
    webhookUrl: secret,
    perMinute: z.number().int().positive().default(60),
  }),
  z.object({
    type: z.literal('telegram'),
    name: z.string().default('telegram'),
    baseUrl: z.url().optional(),
    botToken: secret,
    chatId: z.union([z.string(), z.number()]).transform(String),
    perMinute: z.number().int().positive().default(20),
  }),
  z.object({
    type: z.literal('webhook'),
    name: z.string().default('webhook'),
    url: secret,
    secret: secret.optional(),
    perMinute: z.number().int().positive().default(60),
  }),
]);
export type ChannelConfig = z.infer<typeof channel>;

const tableSource = z.object({
  /** A SELECT returning one row per order; may use $1 = the newest time already imported (ms). */
  query: z.string().optional(),
  /** Or a table name and a field → column mapping. */
  table: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_.]*$/)
    .optional(),
  columns: z.record(z.string(), z.string()).default({}),
});

export const deskConfigSchema = z.object({
  match: z
    .object({
      tolerancePct: z.number().min(0).max(50).default(1),
      maxDelay: duration.default(86_400_000),
      maxEarly: duration.default(0),
      maxParts: z.number().int().min(1).max(64).default(8),
      matchBase: z.boolean().default(true),
    })
    .prefault({}),
  anomaly: z
    .object({
      window: duration.default(30 * 86_400_000),
      minHistory: z.number().int().min(1).default(50),
      lowQuantile: quantileValue.default(0.05),
      highQuantile: quantileValue.default(0.95),
      delayQuantile: quantileValue.default(0.95),
      metric: z.enum(['bps', 'quote']).default('bps'),
    })
    .prefault({}),
  wash: z
    .object({
      window: duration.default(5 * 60_000),
      tolerancePct: z.number().min(0).max(50).default(0),
      crossClient: z.boolean().default(true),
      sameQuote: z.boolean().default(false),
    })
    .prefault({}),
  watch: z
    .object({
      every: duration.default(5 * 60_000),
      deliverEvery: duration.default(15_000),
      /** Only orders this recent are (re)considered for matching. */
      horizon: duration.default(30 * 86_400_000),
      cursor: z
        .string()
        .regex(/^[\w.-]{1,64}$/)
        .default('default'),
    })
    .prefault({}),
  source: z
    .object({
      url: secret,
      naiveTime: z.enum(['utc', 'reject']).default('utc'),
      locks: tableSource,
      hedges: tableSource,
    })
    .optional(),
  notify: z
    .object({
      language: z.enum(['zh', 'en']).default('zh'),
      channels: z.array(channel).default([]),
      retryBase: duration.default(10_000),
      retryMax: duration.default(3_600_000),
      maxPerMessage: z.number().int().min(1).max(200).default(20),
    })
    .prefault({}),
});

export type DeskConfig = z.infer<typeof deskConfigSchema>;

/** Replace "env:NAME" strings (anywhere in the tree) by the variable's value. */
function resolveEnv(v: unknown, env: NodeJS.ProcessEnv, path: string): unknown {
  if (typeof v === 'string' && v.startsWith('env:')) {
    const name = v.slice(4);
    const val = env[name];
    if (val === undefined) throw dgError('DG_E_BAD_CONFIG', `${path}: environment variable ${name} is not set`);
    return val;
  }
  if (Array.isArray(v)) return v.map((x, i) => resolveEnv(x, env, `${path}[${i}]`));
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolveEnv(x, env, path ? `${path}.${k}` : k)]));
  }
  return v;
}

export function parseDeskConfig(raw: unknown, env: NodeJS.ProcessEnv = process.env): DeskConfig {
  const r = deskConfigSchema.safeParse(resolveEnv(raw ?? {}, env, ''));
  if (!r.success) {
    // Issue paths and messages only: zod messages never include the offending (maybe secret) value.
    const msg = r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw dgError('DG_E_BAD_CONFIG', msg);
  }
  const c = r.data;
  if (c.anomaly.lowQuantile >= c.anomaly.highQuantile)
    throw dgError('DG_E_BAD_CONFIG', 'anomaly.lowQuantile must be below highQuantile');
  if (c.source && !c.source.locks.query && !c.source.locks.table)
    throw dgError('DG_E_BAD_CONFIG', 'source.locks needs query or table');
  if (c.source && !c.source.hedges.query && !c.source.hedges.table)
    throw dgError('DG_E_BAD_CONFIG', 'source.hedges needs query or table');
  return c;
}

export function loadDeskConfig(file: string | undefined, env: NodeJS.ProcessEnv = process.env): DeskConfig {
  if (!file) return parseDeskConfig({}, env);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    // Node's JSON errors quote the text around the fault, which may be a secret: name the file only.
    const why = e instanceof SyntaxError ? 'not valid JSON' : ((e as NodeJS.ErrnoException).code ?? 'unreadable');
    throw dgError('DG_E_BAD_CONFIG', `${file}: ${why}`);
  }
  return parseDeskConfig(raw, env);
}
