/**
 * Params of the futures wire methods (docs/fmz.md "Futures"). As for every FMZ call, values may
 * arrive as strings ("20", "-1"); zod coerces what must be numbers and refuses the rest.
 */
import { z } from 'zod';
import { intOpt, symbol as requestSymbol, text as requestText } from './request.js';

/** request.ts's `text`, trimmed: futures values are read without surrounding blanks. */
const text = requestText.transform((s) => s.trim());
/** A trimmed value of 1…64 characters (the string rule of request.ts's `symbol`): symbols, prices, amounts. */
const short = text.pipe(requestSymbol.out);
const symbol = short;

/** A positive integer that may arrive as a string. */
const posInt = (what: string, max: number) =>
  z.union([z.string(), z.number()]).transform((v, ctx) => {
    const n = typeof v === 'number' ? v : Number(String(v).trim());
    if (!Number.isInteger(n) || n < 1 || n > max) {
      ctx.addIssue({ code: 'custom', message: `${what} must be an integer 1…${max}: ${String(v).slice(0, 32)}` });
      return z.NEVER;
    }
    return n;
  });

/** request.ts's `intOpt`, narrowed to non-negative ("" / absent / 0 ⇒ undefined), with its own message. */
const optInt = z
  .union([z.string(), z.number()])
  .optional()
  .transform((v, ctx) => {
    const r = intOpt.safeParse(v);
    if (r.success && (r.data ?? 0) >= 0) return r.data === 0 ? undefined : r.data;
    ctx.addIssue({ code: 'custom', message: `not a non-negative integer: ${String(v).slice(0, 32)}` });
    return z.NEVER;
  });

/** GetPositions(symbol?) / GetFundings(symbol?): a contract, a range (`USDT.swap`) or nothing. */
export const RangeParams = z.object({ symbol: symbol.optional().or(z.literal('').transform(() => undefined)) });

/** SetMarginLevel(symbol, marginLevel): the platform's name; `leverage` accepted too. */
export const MarginLevelParams = z
  .object({
    symbol,
    marginLevel: posInt('marginLevel', 1000).optional(),
    leverage: posInt('leverage', 1000).optional(),
  })
  .transform((p, ctx) => {
    const level = p.marginLevel ?? p.leverage;
    if (level === undefined) {
      ctx.addIssue({ code: 'custom', path: ['marginLevel'], message: 'required' });
      return z.NEVER;
    }
    return { symbol: p.symbol, marginLevel: level };
  });

/** `cross` / `isolated` (the platform's IO("cross", true|false) wording `crossed` accepted). */
export const MarginModeParams = z.object({
  symbol,
  marginMode: text.pipe(
    z
      .string()
      .toLowerCase()
      .transform((m) => (m === 'crossed' ? 'cross' : m))
      .pipe(z.enum(['cross', 'isolated'])),
  ),
});

export const FundingHistoryParams = z.object({ symbol, since: optInt, limit: optInt });

export const ContractParams = z.object({ symbol });

/** trade on a contract: the platform's directions. */
export const ContractTradeParams = z.object({
  symbol,
  type: text.pipe(
    z
      .string()
      .toLowerCase()
      .pipe(z.enum(['buy', 'sell', 'closebuy', 'closesell'])),
  ),
  price: short,
  amount: short,
});

export const ContractDepthParams = z.object({ symbol, limit: optInt });
export const ContractRecordsParams = z.object({ symbol, period: optInt, limit: optInt });
export const ContractHistoryParams = z.object({ symbol, since: optInt, limit: optInt });
export const ContractOrdersParams = z.object({ symbol });
export const ContractOrderIdParams = z.object({
  id: text.pipe(z.string().min(1).max(256)),
  symbol: symbol.optional(),
});
