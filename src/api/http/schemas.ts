/**
 * zod schemas of every input of the native API: path parameters, query strings, JSON bodies and
 * WebSocket messages. Decimal amounts are strings on the wire (converted exactly to ticks/lots with
 * core/decimal.ts by the handlers; off-grid is DG_E_OFF_GRID); the S4.4 ledger amounts may also be
 * JSON numbers, as the ledger accepts them (it converts them exactly or refuses).
 */
import { z } from 'zod';

/** A plain non-negative decimal string: "42", "0.015". No exponent, no sign. */
export const decimalString = z
  .string()
  .max(40)
  .regex(/^\d+(\.\d+)?$/, 'expected a decimal string such as "0.015"');

const signedDecimal = z
  .string()
  .max(41)
  .regex(/^-?\d+(\.\d+)?$/, 'expected a decimal string such as "-12.5"');

export const symbolText = z.string().min(1).max(64);
export const clientOrderIdText = z.string().regex(/^[A-Za-z0-9_-]{1,40}$/, '1–40 of [A-Za-z0-9_-]');

const intText = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

export const symbolParams = z.object({ symbol: symbolText }).strict();
export const bookQuery = z.object({ depth: intText(1, 1000).default(20) }).strict();
export const l3BookQuery = z.object({ depth: intText(1, 5000).default(100) }).strict();

export const orderParams = z.object({ clientOrderId: clientOrderIdText }).strict();
export const orderQuery = z.object({ symbol: symbolText }).strict();
export const ordersQuery = z
  .object({
    symbol: symbolText.optional(),
    status: z.enum(['open', 'closed']).default('open'),
    limit: intText(1, 1000).default(100),
    since: intText(0, Number.MAX_SAFE_INTEGER).optional(),
  })
  .strict();

export const placeBody = z
  .object({
    clientOrderId: clientOrderIdText.optional(),
    symbol: symbolText,
    side: z.enum(['buy', 'sell']),
    type: z.enum(['limit', 'market']).default('limit'),
    /** Limit price (required for limit orders). */
    price: decimalString.optional(),
    /** Size in base units (contracts for derivatives). */
    size: decimalString.optional(),
    /** Market orders sized in quote instead of `size` (venues with marketByFunds). */
    funds: decimalString.optional(),
    timeInForce: z.enum(['GTC', 'IOC', 'FOK']).optional(),
    postOnly: z.boolean().optional(),
  })
  .strict();
export type PlaceBody = z.infer<typeof placeBody>;

const strategyName = z.string().min(1).max(64);
const currencyName = z.string().min(1).max(16);
const ledgerAmount = z.union([signedDecimal, z.number().finite()]);

function transferBody<C extends 'allocate' | 'release'>(cmd: C) {
  return z
    .object({
      strategy: strategyName,
      cmd: z.literal(cmd).optional(),
      currency: currencyName,
      amount: ledgerAmount,
      index: z.number().int().min(0).max(65_535),
    })
    .strict();
}
export const allocateBody = transferBody('allocate');
export const releaseBody = transferBody('release');
export const adjustBody = z
  .object({
    strategy: strategyName,
    cmd: z.literal('adjust').optional(),
    currency: currencyName,
    delta: ledgerAmount.optional(),
    amount: ledgerAmount.optional(),
    index: z.number().int().min(0).max(65_535),
  })
  .strict()
  .refine((b) => b.delta !== undefined || b.amount !== undefined, { message: 'delta is required' });

// ----- WebSocket ---------------------------------------------------------------------------------

export const STREAM_CHANNELS = ['book', 'trades', 'orders', 'balances', 'algos'] as const;
export type StreamChannel = (typeof STREAM_CHANNELS)[number];

export const streamMessage = z.discriminatedUnion('op', [
  z
    .object({
      op: z.literal('subscribe'),
      channel: z.enum(STREAM_CHANNELS),
      symbol: symbolText.optional(),
      /** book: levels per side kept in sync (default 50, max 500). */
      depth: z.number().int().min(1).max(500).optional(),
    })
    .strict(),
  z
    .object({
      op: z.literal('unsubscribe'),
      channel: z.enum(STREAM_CHANNELS),
      symbol: symbolText.optional(),
    })
    .strict(),
  z.object({ op: z.literal('ping') }).strict(),
]);
export type StreamMessage = z.infer<typeof streamMessage>;

/** First issue of a failed parse as "path: message". */
export function issueText(err: z.ZodError): string {
  const i = err.issues[0];
  if (!i) return 'invalid';
  const where = i.path.length > 0 ? i.path.join('.') : 'input';
  return `${where}: ${i.message}`.slice(0, 300);
}
