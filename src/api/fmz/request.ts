/**
 * FMZ General Protocol requests (spec S1.2): the envelope the docker POSTs and the params of each
 * method. Every params value may arrive as a string ("30", "-1"); zod coerces what must be numbers.
 *
 *   POST /OKX {"access_key":"…","secret_key":"…","nonce":1730275031047002000,
 *              "method":"ticker","params":{"symbol":"LTC_USDT"}}
 */
import { z } from 'zod';
import { dgError } from '../../core/errors.js';

export const text = z.union([z.string(), z.number()]).transform((v) => String(v));

export const EnvelopeSchema = z.object({
  access_key: z.string().max(512),
  secret_key: z.string().max(1024),
  // A nanosecond nonce exceeds 2^53: JSON.parse rounds it; only its presence matters here.
  nonce: z.union([z.number(), z.string()]).optional(),
  method: z.string().min(1).max(256),
  params: z.record(z.string(), z.unknown()).default({}),
});
export type Envelope = z.infer<typeof EnvelopeSchema>;

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * EnvelopeSchema.safeParse with a fast path: the docker's well-formed envelope (the every-call case)
 * is checked field by field without zod; anything else goes through zod, so the accepted set and
 * the error text are exactly the schema's. (`params` is then the body's own object, not a copy.)
 */
export function parseEnvelope(body: unknown): { ok: true; value: Envelope } | { ok: false; issue: string } {
  if (isPlainObject(body)) {
    const { access_key: ak, secret_key: sk, nonce, method, params } = body;
    if (
      typeof ak === 'string' &&
      ak.length <= 512 &&
      typeof sk === 'string' &&
      sk.length <= 1024 &&
      (nonce === undefined || typeof nonce === 'number' || typeof nonce === 'string') &&
      typeof method === 'string' &&
      method.length >= 1 &&
      method.length <= 256 &&
      (params === undefined || isPlainObject(params))
    ) {
      const value: Envelope = { access_key: ak, secret_key: sk, method, params: params ?? {} };
      if (nonce !== undefined) value.nonce = nonce;
      return { ok: true, value };
    }
  }
  const r = EnvelopeSchema.safeParse(body);
  return r.success ? { ok: true, value: r.data } : { ok: false, issue: issueText(r.error) };
}

/** An integer that may arrive as a string; empty string or absent ⇒ undefined. */
export const intOpt = z
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

export const symbol = text.pipe(z.string().min(1).max(64));

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

/** `params` through `schema`; a refusal is DG_E_API_BAD_REQUEST naming the first issue. */
export function parseParams<T extends z.ZodType>(schema: T, params: unknown): z.infer<T> {
  const r = schema.safeParse(params);
  if (!r.success) throw dgError('DG_E_API_BAD_REQUEST', `missing required parameters (${issueText(r.error)})`);
  return r.data;
}

/** First issue of a zod error as one short line (never echoes whole values). */
export function issueText(e: z.ZodError): string {
  const i = e.issues[0];
  if (!i) return 'invalid';
  const where = i.path.length > 0 ? i.path.join('.') : 'body';
  return `${where}: ${i.message}`;
}
