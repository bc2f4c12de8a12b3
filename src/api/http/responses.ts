/**
 * zod schemas of the success answers, for the OpenAPI document (and the tests, which check real
 * answers against them so the document cannot drift from the server).
 */
import { z } from 'zod';

const dec = z.string().regex(/^-?\d+(\.\d+)?$/);
const level = z.tuple([dec, dec]);

export const healthAnswer = z.object({
  status: z.literal('ok'),
  gateway: z.string(),
  instruments: z.number().int(),
  ledger: z.boolean(),
  uptimeMs: z.number(),
});

export const instrumentAnswer = z.object({
  symbol: z.string(),
  native: z.string(),
  venue: z.string(),
  base: z.string(),
  quote: z.string(),
  settle: z.string().nullable(),
  kind: z.enum(['spot', 'swap', 'future']),
  tickSize: z.string(),
  lotSize: z.string(),
  minSize: z.string(),
  contractValue: z.string(),
  minNotional: z.string().nullable(),
});

export const l2Answer = z.object({
  symbol: z.string(),
  seq: z.number().nullable(),
  bids: z.array(level),
  asks: z.array(level),
});

const queue = z.object({ ordersAhead: z.number().int(), sizeAhead: dec, levelSize: dec });
const l3Row = z.object({
  orderId: z.string(),
  price: dec,
  size: dec,
  own: z.object({ clientOrderId: z.string().nullable(), queue }).optional(),
});
export const l3Answer = z.object({
  symbol: z.string(),
  seq: z.number(),
  bids: z.array(l3Row),
  asks: z.array(l3Row),
  own: z.array(
    z.object({
      clientOrderId: z.string().nullable(),
      venueOrderId: z.string(),
      side: z.enum(['buy', 'sell']),
      price: dec,
      size: dec,
      ordersAhead: z.number().int(),
      sizeAhead: dec,
      levelSize: dec,
    }),
  ),
});

export const orderAnswer = z.object({
  clientOrderId: z.string().nullable(),
  venueOrderId: z.string(),
  symbol: z.string(),
  side: z.enum(['buy', 'sell']),
  type: z.enum(['limit', 'market']),
  price: dec.nullable(),
  size: dec.nullable(),
  filled: dec,
  status: z.enum(['received', 'open', 'partial', 'filled', 'canceled', 'rejected']),
  avgPrice: dec.nullable(),
  createdAt: z.number(),
  updatedAt: z.number(),
});

export const placeAnswer = z.object({ clientOrderId: z.string(), venueOrderId: z.string(), symbol: z.string() });
export const cancelAnswer = z.object({ clientOrderId: z.string(), venueOrderId: z.string() });

const slot = z.object({ index: z.number().int(), name: z.string(), total: dec, free: dec, frozen: dec });
export const balancesAnswer = z.object({
  venue: z.array(z.object({ currency: z.string(), free: dec, used: dec, total: dec })),
  slots: z.record(z.string(), z.array(slot)).nullable(),
});

const slotText = z.object({ total: dec, free: dec, frozen: dec });
export const ledgerAnswer = z.object({
  cmd: z.enum(['allocate', 'release', 'adjust']),
  strategy: z.string(),
  currency: z.string(),
  index: z.number().int(),
  amount: dec,
  slot: slotText,
  main: slotText,
});
