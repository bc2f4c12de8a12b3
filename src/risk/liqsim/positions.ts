/**
 * Collateralised loan positions: a borrower pledged `collateralAmount` of `collateralCoin` and
 * owes `loanAmount` of `loanCoin`. LTV = loan / (collateral × price), price in loan coin per
 * collateral coin. Thresholds: `ltvInitial` (the most a loan may be opened at),
 * `ltvMarginCall` (the borrower is asked to top up) and `ltvLiquidation` (the desk sells the
 * collateral). The forced sale happens `liquidationDelay` after the line is touched, at the
 * then-market price less `slippage` (a fraction, e.g. 0.02).
 *
 * Amounts are exact decimal strings at the edge (validated as such); inside the Monte Carlo
 * they are floats — its outputs are statistics, not ledger money.
 */
import { z } from 'zod';
import { parseDecimal } from '../../core/decimal.js';
import { dgError, isDeskgateError } from '../../core/errors.js';
import { parseDurationSeconds } from '../../core/duration.js';
import { Rng } from './rng.js';

const decimalText = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const s = typeof v === 'number' ? String(v) : v.trim();
  try {
    const p = parseDecimal(s);
    if (p.neg) {
      ctx.addIssue({ code: 'custom', message: `must not be negative: ${s}` });
      return z.NEVER;
    }
  } catch {
    ctx.addIssue({ code: 'custom', message: `not a decimal number: ${JSON.stringify(s)}` });
    return z.NEVER;
  }
  return s;
});

const coin = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9]{1,15}$/, 'coin must be 1-15 letters/digits')
  .transform((s) => s.toUpperCase());

const fraction = z.coerce.number().refine((v) => Number.isFinite(v) && v >= 0 && v < 1, 'must be a fraction in [0, 1)');

export const positionSchema = z
  .object({
    id: z.string().trim().min(1).max(64).optional(),
    collateralCoin: coin,
    collateralAmount: decimalText,
    loanCoin: coin,
    loanAmount: decimalText,
    ltvInitial: z.coerce.number(),
    ltvMarginCall: z.coerce.number(),
    ltvLiquidation: z.coerce.number(),
    liquidationDelay: z.union([z.string(), z.number()]).default(0),
    slippage: fraction.default(0),
  })
  .strict();

export type PositionInput = z.input<typeof positionSchema>;

/** A validated position. */
export interface Position {
  readonly id: string;
  readonly collateralCoin: string;
  readonly collateralAmount: string;
  readonly loanCoin: string;
  readonly loanAmount: string;
  readonly ltvInitial: number;
  readonly ltvMarginCall: number;
  readonly ltvLiquidation: number;
  /** Seconds between touching the liquidation line and the forced sale. */
  readonly liquidationDelayS: number;
  readonly slippage: number;
}

/** Market prices and model parameters per pair may come with the positions file. */
export const marketSchema = z
  .object({
    price: z.coerce.number().positive(),
    sigma: z.coerce.number().positive().max(20).optional(),
    mu: z.coerce.number().min(-20).max(20).optional(),
  })
  .strict();
export type MarketInput = z.infer<typeof marketSchema>;

export const positionsFileSchema = z.union([
  z.array(z.unknown()),
  z
    .object({
      positions: z.array(z.unknown()),
      markets: z.record(z.string(), marketSchema).optional(),
    })
    .strict(),
]);

export interface PositionsFile {
  readonly positions: Position[];
  /** Keyed by pair "COLL/LOAN". */
  readonly markets: Record<string, MarketInput>;
}

export function pairOf(p: Pick<Position, 'collateralCoin' | 'loanCoin'>): string {
  return `${p.collateralCoin}/${p.loanCoin}`;
}

/** Validate one raw position; errors name the position and the field. */
export function validatePosition(raw: unknown, index: number): Position {
  const r = positionSchema.safeParse(raw);
  const label = `position #${index + 1}${raw && typeof raw === 'object' && 'id' in raw ? ` (${String((raw as { id: unknown }).id)})` : ''}`;
  if (!r.success) {
    const msg = r.error.issues.map((i) => `${i.path.join('.') || '(row)'}: ${i.message}`).join('; ');
    throw dgError('DG_E_RISK_BAD_POSITION', `${label}: ${msg}`);
  }
  const v = r.data;
  const fail = (m: string): never => {
    throw dgError('DG_E_RISK_BAD_POSITION', `${label}: ${m}`);
  };
  if (parseDecimal(v.collateralAmount).digits === 0n) fail('collateralAmount must be > 0');
  if (parseDecimal(v.loanAmount).digits === 0n) fail('loanAmount must be > 0');
  for (const k of ['ltvInitial', 'ltvMarginCall', 'ltvLiquidation'] as const) {
    if (!Number.isFinite(v[k]) || v[k] <= 0) fail(`${k} must be a number > 0, got ${v[k]}`);
  }
  if (!(v.ltvInitial < v.ltvMarginCall))
    fail(`thresholds out of order: ltvInitial ${v.ltvInitial} must be below ltvMarginCall ${v.ltvMarginCall}`);
  if (!(v.ltvMarginCall < v.ltvLiquidation)) {
    fail(`thresholds out of order: ltvLiquidation ${v.ltvLiquidation} must be above ltvMarginCall ${v.ltvMarginCall}`);
  }
  if (v.ltvLiquidation > 1)
    fail(`ltvLiquidation ${v.ltvLiquidation} above 1 means the collateral is already worth less than the loan`);
  if (v.collateralCoin === v.loanCoin) fail('collateral and loan coin must differ');
  let delay: number;
  try {
    delay = parseDurationSeconds(v.liquidationDelay, 'liquidationDelay', true);
  } catch (e) {
    return fail(isDeskgateError(e) ? (e.detail ?? e.message) : String(e));
  }
  return {
    id: v.id ?? `P${index + 1}`,
    collateralCoin: v.collateralCoin,
    collateralAmount: v.collateralAmount,
    loanCoin: v.loanCoin,
    loanAmount: v.loanAmount,
    ltvInitial: v.ltvInitial,
    ltvMarginCall: v.ltvMarginCall,
    ltvLiquidation: v.ltvLiquidation,
    liquidationDelayS: delay,
    slippage: v.slippage,
  };
}

/** Parse a positions file's text: JSON (array or {positions, markets}) or CSV with a header row. */
export function parsePositions(text: string, format: 'json' | 'csv'): PositionsFile {
  let rows: unknown[];
  let markets: Record<string, MarketInput> = {};
  if (format === 'json') {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (e) {
      throw dgError('DG_E_BAD_INPUT', `positions file is not valid JSON: ${(e as Error).message}`);
    }
    const r = positionsFileSchema.safeParse(doc);
    if (!r.success) {
      throw dgError(
        'DG_E_BAD_INPUT',
        `positions file: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
    }
    if (Array.isArray(r.data)) rows = r.data;
    else {
      rows = r.data.positions;
      markets = Object.fromEntries(Object.entries(r.data.markets ?? {}).map(([k, m]) => [k.toUpperCase(), m]));
    }
  } else {
    rows = parseCsvRecords(text);
  }
  if (rows.length === 0) throw dgError('DG_E_BAD_INPUT', 'positions file holds no positions');
  const positions = rows.map((r, i) => validatePosition(r, i));
  const ids = new Set<string>();
  for (const p of positions) {
    if (ids.has(p.id)) throw dgError('DG_E_RISK_BAD_POSITION', `duplicate position id ${p.id}`);
    ids.add(p.id);
  }
  return { positions, markets };
}

const CSV_COLUMNS: Record<string, keyof PositionInput> = {
  id: 'id',
  collateral_coin: 'collateralCoin',
  collateral_amount: 'collateralAmount',
  loan_coin: 'loanCoin',
  loan_amount: 'loanAmount',
  ltv_initial: 'ltvInitial',
  ltv_margin_call: 'ltvMarginCall',
  ltv_liquidation: 'ltvLiquidation',
  liquidation_delay: 'liquidationDelay',
  slippage: 'slippage',
};

/** Simple CSV (comma separated, no quoting needed for these fields; header names snake_case or camelCase). */
function parseCsvRecords(text: string): Record<string, string>[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '' && !l.trimStart().startsWith('#'));
  if (lines.length < 1) return [];
  const header = lines[0].split(',').map((h) => h.trim());
  const keys = header.map((h) => {
    const k = CSV_COLUMNS[h] ?? (Object.values(CSV_COLUMNS).includes(h as keyof PositionInput) ? h : undefined);
    if (!k)
      throw dgError(
        'DG_E_BAD_INPUT',
        `positions CSV: unknown column ${JSON.stringify(h)} (expected ${Object.keys(CSV_COLUMNS).join(', ')})`,
      );
    return k;
  });
  return lines.slice(1).map((line, i) => {
    const cells = line.split(',').map((c) => c.trim());
    if (cells.length !== keys.length) {
      throw dgError('DG_E_BAD_INPUT', `positions CSV line ${i + 2}: ${cells.length} cells, header has ${keys.length}`);
    }
    const rec: Record<string, string> = {};
    keys.forEach((k, j) => {
      if (cells[j] !== '') rec[k] = cells[j];
    });
    return rec;
  });
}

/** Default prices used for random positions and when neither the file nor candles give one. */
export const DEFAULT_PRICES: Record<string, number> = { 'BTC/USDT': 60000, 'ETH/USDT': 3000, 'SOL/USDT': 150 };

/**
 * `n` random positions, seeded: BTC or ETH collateral against USDT, opened at an LTV between 40 %
 * and the initial threshold, thresholds drawn around common desk settings.
 */
export function randomPositions(n: number, seed: number, prices: Record<string, number> = DEFAULT_PRICES): Position[] {
  if (!Number.isSafeInteger(n) || n < 1 || n > 100_000)
    throw dgError('DG_E_BAD_INPUT', `--random must be 1..100000, got ${n}`);
  const rng = new Rng(seed, 0xfffff);
  const coins = ['BTC', 'ETH'];
  const out: Position[] = [];
  for (let i = 0; i < n; i++) {
    const c = coins[rng.int(coins.length)];
    const price = prices[`${c}/USDT`] ?? DEFAULT_PRICES[`${c}/USDT`];
    const ltvInitial = [0.6, 0.65, 0.7][rng.int(3)];
    const ltvMarginCall = ltvInitial + 0.1 + 0.05 * rng.int(2);
    const ltvLiquidation = Math.min(0.95, ltvMarginCall + 0.05 + 0.05 * rng.int(2));
    const ltv0 = 0.4 + (ltvInitial - 0.4) * rng.uniform();
    const loan = Math.round(10_000 + rng.uniform() * 990_000);
    const coll = loan / (ltv0 * price);
    out.push({
      id: `R${i + 1}`,
      collateralCoin: c,
      collateralAmount: coll.toFixed(6),
      loanCoin: 'USDT',
      loanAmount: String(loan),
      ltvInitial: round4(ltvInitial),
      ltvMarginCall: round4(ltvMarginCall),
      ltvLiquidation: round4(ltvLiquidation),
      liquidationDelayS: 60 * rng.int(11),
      slippage: round4(0.005 + 0.025 * rng.uniform()),
    });
  }
  return out;
}

function round4(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
