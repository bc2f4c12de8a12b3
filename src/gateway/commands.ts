/**
 * The gateway's command payloads, validated with zod at the edge (S4.4, S4.6). Balance commands
 * (allocate / release / adjust) are the ledger's own schema (ledger/commands.ts); the order
 * commands are defined here. A payload that fails its schema is DG_E_GATEWAY_BAD_COMMAND naming the
 * field; nothing is applied.
 *
 *   { "strategy": "mm", "instrument": "BTC-USDT", "side": "buy", "type": "limit",
 *     "price": "59000.5", "size": "0.001", "tif": "GTC", "parent": 7 }            place
 *     (parent: an algo's parent order number, optional; it goes into the child's client id)
 *   { "strategy": "mm", "clientId": "mm-1a-2b--3" }                              cancel
 *   { "what": "order", "clientId": "…" } | { "what": "orders", "strategy": "mm" }
 *   | { "what": "balance", "currency": "USDT", "index": 2 }                       query
 *   { "strategy": "mm", "index": 2 }                                             register
 */
import { z } from 'zod';
import { dgError, type DeskgateError } from '../core/errors.js';
import { STRATEGY_RE } from '../oms/client-order-id.js';

export const GATEWAY_COMMANDS = ['register', 'allocate', 'release', 'adjust', 'place', 'cancel', 'query'] as const;
export type GatewayCommand = (typeof GATEWAY_COMMANDS)[number];

const strategy = z.string().regex(STRATEGY_RE, 'strategy: lowercase letter then up to 11 lowercase letters/digits');
/** Decimal amounts: strings as sent, or finite JSON numbers (their shortest round-trip text). */
const decimal = z.union([
  z.string().min(1).max(64),
  z
    .number()
    .refine((n) => Number.isFinite(n), 'must be finite')
    .transform((n) => String(n)),
]);

export const placeSchema = z
  .object({
    strategy,
    instrument: z.string().min(1).max(40).optional(),
    /** Alias of `instrument`. */
    symbol: z.string().min(1).max(40).optional(),
    side: z.enum(['buy', 'sell']),
    type: z.enum(['limit', 'market']).default('limit'),
    /** Limit price; for a market buy the worst price the strategy accepts (used for its reservation only). */
    price: decimal.optional(),
    size: decimal,
    tif: z.enum(['GTC', 'IOC', 'FOK']).optional(),
    postOnly: z.boolean().optional(),
    /** Parent (algo) order number: carried in the child's client order id (oms/client-order-id.ts). */
    parent: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  })
  .strict()
  .refine((p) => (p.instrument ?? p.symbol) !== undefined, { message: 'instrument is required', path: ['instrument'] })
  .refine((p) => p.type === 'market' || p.price !== undefined, {
    message: 'limit order needs a price',
    path: ['price'],
  })
  .refine((p) => !(p.type === 'market' && p.side === 'buy' && p.price === undefined), {
    message: 'market buy needs a price cap (its reservation)',
    path: ['price'],
  });
export type PlaceCommand = z.infer<typeof placeSchema>;

export const cancelSchema = z.object({ strategy, clientId: z.string().min(1).max(64) }).strict();
export type CancelCommand = z.infer<typeof cancelSchema>;

export const registerSchema = z.object({ strategy, index: z.number().int().min(2).max(255).optional() }).strict();
export type RegisterCommand = z.infer<typeof registerSchema>;

export const querySchema = z.discriminatedUnion('what', [
  z.object({ what: z.literal('order'), clientId: z.string().min(1).max(64) }).strict(),
  z.object({ what: z.literal('orders'), strategy, closed: z.boolean().optional() }).strict(),
  z
    .object({
      what: z.literal('balance'),
      currency: z.string().min(1).max(15),
      index: z.number().int().min(0).max(255).optional(),
    })
    .strict(),
  z.object({ what: z.literal('status') }).strict(),
]);
export type QueryCommand = z.infer<typeof querySchema>;

export type Parsed<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: DeskgateError };

export function parseWith<T>(schema: z.ZodType<T>, cmd: string, raw: unknown): Parsed<T> {
  const r = schema.safeParse(raw);
  if (r.success) return { ok: true, value: r.data };
  const issue = r.error.issues[0];
  const where = issue && issue.path.length > 0 ? issue.path.join('.') : 'payload';
  return { ok: false, error: dgError('DG_E_GATEWAY_BAD_COMMAND', `${cmd}: ${where}: ${issue?.message ?? 'invalid'}`) };
}

export function isGatewayCommand(cmd: string): cmd is GatewayCommand {
  return (GATEWAY_COMMANDS as readonly string[]).includes(cmd);
}
