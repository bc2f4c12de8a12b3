/**
 * FMZ General Protocol requests (spec S1.2): the envelope the docker POSTs and the params of each
 * method. Every params value may arrive as a string ("30", "-1"); zod coerces what must be numbers.
 *
 *   POST /OKX {"access_key":"…","secret_key":"…","nonce":1730275031047002000,
 *              "method":"ticker","params":{"symbol":"LTC_USDT"}}
 */
import { z } from 'zod';

const text = z.union([z.string(), z.number()]).transform((v) => String(v));

export const EnvelopeSchema = z.object({
  access_key: z.string().max(512),
  secret_key: z.string().max(1024),
  // A nanosecond nonce exceeds 2^53: JSON.parse rounds it; only its presence matters here.
  nonce: z.union([z.number(), z.string()]).optional(),
  method: z.string().min(1).max(256),
  params: z.record(z.string(), z.unknown()).default({}),
});
export type Envelope = z.infer<typeof EnvelopeSchema>;

/** An integer that may arrive as a string; empty string or absent ⇒ undefined. */
const intOpt = z
  .union([z.string(), z.number()])
  .optional()
  .transform((v, ctx) => {
    if (v === undefined || v === '') return undefined;
    const n = typeof v === 'number' ? v : Number(v);
    if (!Number.isFinite(n) || !Number.isInteger(n)) {
      ctx.addIssue({ code: 'custom', message: `not an integer: ${String(v).slice(0, 32)}` });
      return z.NEVER;
    }
    return n;
  });

const symbol = text.pipe(z.string().min(1).max(64));

export const SymbolParams = z.object({ symbol });
export const DepthParams = z.object({ symbol, limit: intOpt });
export const TradesParams = z.object({ symbol, limit: intOpt });
export const RecordsParams = z.object({ symbol, period: intOpt, limit: intOpt });
export const TradeParams = z.object({
  symbol,
  type: text.pipe(z.enum(['buy', 'sell'])),
  price: text.pipe(z.string().min(1).max(64)),
  amount: text.pipe(z.string().min(1).max(64)),
});
export const OrdersParams = z.object({ symbol: symbol.optional() });
export const OrderIdParams = z.object({ id: text.pipe(z.string().min(1).max(256)), symbol: symbol.optional() });
export const HistoryParams = z.object({ symbol, since: intOpt, limit: intOpt });

/** First issue of a zod error as one short line (never echoes whole values). */
export function issueText(e: z.ZodError): string {
  const i = e.issues[0];
  if (!i) return 'invalid';
  const where = i.path.length > 0 ? i.path.join('.') : 'body';
  return `${where}: ${i.message}`;
}
