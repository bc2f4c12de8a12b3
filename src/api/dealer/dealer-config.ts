/**
 * The Dealer's one JSON config file (S0.1), in the MOV dealer's own keys:
 *
 *   {"port": 1024, "fee_rate": "0.003", "address": "vp1q…", "network": "mainnet",
 *    "bycoin_url": "…", "flash_swap_url": "…", "xprv": "…", "guid": "…", "log_level": "info",
 *    "logs": {"dir": "var/log", "rotate_time": "24h", "max_age": "72h"}}
 *
 * Unknown keys are refused (a typo must not be silently ignored). Secrets (`xprv`, `mnemonic`,
 * `guid`) are kept for the venue adapter but never printed: `describeDealerConfig` redacts them.
 * The server always binds a loopback address.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { dgError } from '../../core/errors.js';
import { parseDuration } from '../../core/duration.js';
import { formatFeeRate } from './mov-views.js';

const duration = z.union([z.string(), z.number()]).transform((v, ctx) => {
  try {
    return parseDuration(v);
  } catch {
    ctx.addIssue({ code: 'custom', message: `duration ${JSON.stringify(v)} (use e.g. 30m, 24h, 3d)` });
    return z.NEVER;
  }
});

const schema = z
  .object({
    port: z.number().int().min(0).max(65535).default(1024),
    host: z.enum(['127.0.0.1', '::1', 'localhost']).default('127.0.0.1'),
    fee_rate: z.string().default('0.003'),
    address: z.string().min(1).max(128).optional(),
    network: z.string().max(32).optional(),
    bycoin_url: z.string().max(512).optional(),
    flash_swap_url: z.string().max(512).optional(),
    xprv: z.string().max(512).optional(),
    mnemonic: z.string().max(1024).optional(),
    guid: z.string().max(128).optional(),
    derive_rule: z.unknown().optional(),
    log_level: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
    depth_levels: z.number().int().min(1).max(500).default(50),
    logs: z
      .object({
        dir: z.string().min(1).default('var/log'),
        rotate_time: duration.default(24 * 3_600_000),
        max_age: duration.default(72 * 3_600_000),
      })
      .strict()
      .default({ dir: 'var/log', rotate_time: 24 * 3_600_000, max_age: 72 * 3_600_000 }),
  })
  .strict();

export type DealerConfig = z.infer<typeof schema>;

const SECRET_KEYS = ['xprv', 'mnemonic', 'guid'] as const;

/** Validate a parsed config object; DG_E_BAD_CONFIG names the first bad field. */
export function parseDealerConfig(raw: unknown): DealerConfig {
  const r = schema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0];
    throw dgError('DG_E_BAD_CONFIG', `${i.path.join('.') || '(root)'}: ${i.message}`);
  }
  formatFeeRate(r.data.fee_rate); // throws DG_E_BAD_CONFIG on more than six places
  if (r.data.logs.rotate_time < 60_000) throw dgError('DG_E_BAD_CONFIG', 'logs.rotate_time: at least 1m');
  if (r.data.logs.max_age < r.data.logs.rotate_time)
    throw dgError('DG_E_BAD_CONFIG', 'logs.max_age must be at least logs.rotate_time');
  return r.data;
}

export function loadDealerConfig(file: string): DealerConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw dgError('DG_E_BAD_CONFIG', `cannot read ${file}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw dgError('DG_E_BAD_CONFIG', `${file} is not JSON`);
  }
  return parseDealerConfig(raw);
}

/** The config with secrets replaced by "***", safe to log. */
export function describeDealerConfig(c: DealerConfig): Record<string, unknown> {
  const out: Record<string, unknown> = { ...c };
  for (const k of SECRET_KEYS) if (out[k] !== undefined) out[k] = '***';
  return out;
}
