/**
 * FMZ contract symbols (the platform's `Symbol` for futures exchange objects): `BTC_USDT.swap` is the
 * USDT-margined BTC perpetual, `BTC_USD.swap` the coin-margined one, `BTC_USDT.quarter` the current
 * quarterly future; a range without a base, `USDT.swap`, names every USDT-margined perpetual (the
 * platform's GetPositions("USDT.swap")). The part after the dot is what `exchange.SetContractType`
 * takes: `swap`, `this_week`, `next_week`, `quarter`, `next_quarter`, or an expiry `YYMMDD`.
 *
 * Pure: resolves against a list of markets in ccxt's unified market fields (base, quote, settle,
 * swap/future, expiry, linear/inverse, info.contractType or info.alias as the venues send them).
 */
import { dgError } from '../../core/errors.js';
import { parseSymbol } from '../../core/symbol.js';

/** Contract types the platform names. */
export const CONTRACT_TYPES = ['swap', 'this_week', 'next_week', 'quarter', 'next_quarter'] as const;
export type ContractType = (typeof CONTRACT_TYPES)[number] | `${number}`;

export interface ContractSymbol {
  /** Undefined for a range (`USDT.swap`). */
  readonly base: string | undefined;
  readonly quote: string;
  readonly contractType: ContractType;
}

/** What futures-symbol needs of a ccxt market (a structural subset of ccxt's Market). */
export interface ContractMarket {
  readonly symbol: string;
  readonly id?: string | undefined;
  readonly base: string;
  readonly quote: string;
  readonly settle?: string | undefined;
  readonly spot?: boolean | undefined;
  readonly swap?: boolean | undefined;
  readonly future?: boolean | undefined;
  readonly linear?: boolean | undefined;
  readonly inverse?: boolean | undefined;
  readonly active?: boolean | undefined;
  readonly expiry?: number | undefined;
  readonly contractSize?: number | undefined;
  readonly info?: unknown;
}

const SUFFIX_RE = /^(swap|this_week|next_week|quarter|next_quarter|\d{6})$/;

/** The venue's own name for a dated future's slot: Binance `contractType`, OKX `alias`. */
const VENUE_ALIAS: Readonly<Record<string, ContractType>> = {
  CURRENT_QUARTER: 'quarter',
  NEXT_QUARTER: 'next_quarter',
  this_week: 'this_week',
  next_week: 'next_week',
  quarter: 'quarter',
  next_quarter: 'next_quarter',
};

/** True when `symbol` carries a contract suffix (`BTC_USDT.swap`) or is a ccxt contract (`BTC/USDT:USDT`). */
export function looksLikeContract(symbol: string): boolean {
  const s = symbol.trim();
  const dot = s.lastIndexOf('.');
  if (dot > 0 && SUFFIX_RE.test(s.slice(dot + 1).toLowerCase())) return true;
  return /^[A-Za-z0-9]+\/[A-Za-z0-9]+:[A-Za-z0-9]+/.test(s);
}

/**
 * `BTC_USDT.swap` → {BTC, USDT, swap}; `USDT.swap` → range {undefined, USDT, swap}; a bare pair
 * (`BTC_USDT`) takes `defaultType`. Throws DG_E_BAD_SYMBOL for anything else.
 */
export function parseContractSymbol(text: string, defaultType?: ContractType): ContractSymbol {
  const s = text.trim();
  if (s.length === 0 || s.length > 64) throw dgError('DG_E_BAD_SYMBOL', 'empty or too long');
  const dot = s.lastIndexOf('.');
  const suffix = dot > 0 ? s.slice(dot + 1).toLowerCase() : undefined;
  let pair = s;
  let contractType: ContractType | undefined = defaultType;
  if (suffix !== undefined) {
    if (!SUFFIX_RE.test(suffix)) throw dgError('DG_E_BAD_SYMBOL', `${s.slice(0, 64)}: unknown contract type`);
    contractType = suffix as ContractType;
    pair = s.slice(0, dot);
  }
  try {
    const p = parseSymbol(pair);
    // a ccxt contract symbol (BTC/USDT:USDT, BTC/USDT:USDT-261225) carries its own type
    if (suffix === undefined && p.kind === 'swap') contractType = 'swap';
    if (suffix === undefined && p.kind === 'future' && p.expiry !== undefined && /^\d{6}$/.test(p.expiry)) {
      contractType = p.expiry as ContractType;
    }
    if (contractType === undefined) {
      throw dgError('DG_E_BAD_SYMBOL', `${s.slice(0, 64)}: no contract type (e.g. BTC_USDT.swap)`);
    }
    return { base: p.base, quote: p.quote, contractType };
  } catch (e) {
    // a lone coin with a suffix is a range (`USDT.swap`): every contract quoted in it
    if (suffix !== undefined && contractType !== undefined && /^[A-Za-z0-9]{2,12}$/.test(pair)) {
      return { base: undefined, quote: pair.toUpperCase(), contractType };
    }
    throw e;
  }
}

function aliasOf(m: ContractMarket): ContractType | undefined {
  const info = m.info;
  if (info === null || typeof info !== 'object') return undefined;
  const rec = info as Record<string, unknown>;
  for (const k of ['contractType', 'alias']) {
    const v = rec[k];
    if (typeof v === 'string' && VENUE_ALIAS[v] !== undefined) return VENUE_ALIAS[v];
  }
  return undefined;
}

function yymmdd(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(d.getUTCFullYear() % 100)}${two(d.getUTCMonth() + 1)}${two(d.getUTCDate())}`;
}

/** The platform's contract type of a ccxt market (`swap`, `quarter`, … or the expiry YYMMDD). */
export function contractTypeOf(m: ContractMarket): ContractType | undefined {
  if (m.swap === true) return 'swap';
  if (m.future !== true) return undefined;
  return aliasOf(m) ?? (typeof m.expiry === 'number' ? (yymmdd(m.expiry) as ContractType) : undefined);
}

/** `BTC_USDT.swap` for a ccxt market. */
export function fmzContractSymbol(m: ContractMarket): string {
  const t = contractTypeOf(m);
  if (t === undefined) throw dgError('DG_E_BAD_INPUT', `${m.symbol} is not a contract`);
  return `${m.base}_${m.quote}.${t}`;
}

function isContractMarket(m: ContractMarket): boolean {
  return (m.swap === true || m.future === true) && m.active !== false;
}

/** Prefer the settlement the quote implies: USDT/USDC pairs settle in the quote, USD pairs in the base. */
function settleRank(m: ContractMarket): number {
  if (m.settle === m.quote) return 0;
  if (m.settle === m.base) return 1;
  return 2;
}

function matches(m: ContractMarket, want: ContractSymbol): boolean {
  if (!isContractMarket(m) || m.quote !== want.quote) return false;
  if (want.base !== undefined && m.base !== want.base) return false;
  const t = want.contractType;
  if (t === 'swap') return m.swap === true;
  if (m.future !== true) return false;
  if (/^\d{6}$/.test(t)) return typeof m.expiry === 'number' && yymmdd(m.expiry) === t;
  return aliasOf(m) === t;
}

/** Every market of a range (or the one of a symbol), settle preference first. */
export function contractMarkets(markets: Iterable<ContractMarket>, want: ContractSymbol): ContractMarket[] {
  const out = [...markets].filter((m) => matches(m, want));
  out.sort((a, b) => settleRank(a) - settleRank(b) || a.symbol.localeCompare(b.symbol));
  return out;
}

/** The one market of `BTC_USDT.swap`; DG_E_UNKNOWN_INSTRUMENT when the venue lists none. */
export function contractMarket(markets: Iterable<ContractMarket>, want: ContractSymbol, venue: string): ContractMarket {
  if (want.base === undefined)
    throw dgError('DG_E_BAD_SYMBOL', `${want.quote}.${want.contractType} is a range, not a contract`);
  const hit = contractMarkets(markets, want)[0];
  if (!hit) {
    throw dgError('DG_E_UNKNOWN_INSTRUMENT', `${venue}: no ${want.base}_${want.quote}.${want.contractType} contract`);
  }
  return hit;
}

/** True when the venue lists no spot market at all (binanceusdm, kucoinfutures …). */
export function derivativesOnly(markets: Iterable<ContractMarket>): boolean {
  let any = false;
  for (const m of markets) {
    any = true;
    if (m.spot === true) return false;
  }
  return any;
}
