/**
 * The `algos` block of the `deskgate serve` config (src/gateway/serve/config.ts; docs/algo-service.md):
 *
 *   "algos": { "enabled": true, "strategy": "algo", "allocate": {"USDT": "100000", "BTC": "2"},
 *              "onRestart": "resume", "tickMs": 250 }
 *
 * Kept apart from the service so the config module stays light (zod only).
 */
import { z } from 'zod';
import { STRATEGY_RE } from '../../oms/client-order-id.js';

export const algosConfigSchema = z
  .object({
    enabled: z.boolean().default(true),
    strategy: z.string().regex(STRATEGY_RE, 'lowercase letter then up to 11 letters/digits').default('algo'),
    allocate: z
      .union([
        z.literal('all'),
        z.record(
          z.string().regex(/^[A-Z0-9]{1,15}$/, 'currency code'),
          z.union([z.literal('all'), z.string().regex(/^\d+(\.\d+)?$/, 'decimal amount or "all"')]),
        ),
      ])
      .default({}),
    onRestart: z.enum(['resume', 'cancel']).default('resume'),
    tickMs: z.number().int().min(20).max(10_000).default(250),
  })
  .strict();

export type AlgosConfig = z.infer<typeof algosConfigSchema>;
export const DEFAULT_ALGOS_CONFIG: AlgosConfig = algosConfigSchema.parse({});
