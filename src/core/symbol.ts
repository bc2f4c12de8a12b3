/**
 * Symbol notations differ by venue (S2.11): btcusdt, BTCUSDT, BTC-USDT, BTC_USDT, btm_usdt,
 * BTM/USDT, XBTUSDM, XBTUSDTM, BTC-USD-SWAP, BTC-USDT-SWAP, BTC-USD-220527, BTC_CW …
 * `parseSymbol` turns any of them into one structured form; `formatSymbol` writes a venue's
 * notation back. The unified text follows ccxt: spot `BTC/USDT`, perpetual `BTC/USDT:USDT`
 * (linear) or `BTC/USD:BTC` (inverse), dated future `BTC/USD:BTC-220527` (or `-CW`, `-NQ` …).
 *
 * Anything that cannot be read one way only is an error: DG_E_BAD_SYMBOL for nonsense (or a
 * lone coin such as "USDT"), DG_E_AMBIGUOUS_SYMBOL when a concatenated name splits in more than
 * one plausible way and no market list was given to decide.
 */
import { dgError } from './errors.js';

export type InstrumentKind = 'spot' | 'swap' | 'future';

export interface ParsedSymbol {
  readonly base: string;
  readonly quote: string;
  readonly kind: InstrumentKind;
  /** Settlement coin for derivatives. */
  readonly settle?: string;
  /** For futures: YYMMDD or a relative code (CW, NW, CQ, NQ). */
  readonly expiry?: string;
  /** ccxt-style unified text. */
  readonly unified: string;
}

export type SymbolStyle =
  | 'unified' // BTC/USDT, BTC/USDT:USDT
  | 'dash' // BTC-USDT (KuCoin, OKX spot, Coinbase)
  | 'underscore' // BTC_USDT (FMZ, Gate)
  | 'lower-underscore' // btm_usdt (MOV client)
  | 'concat' // BTCUSDT (Binance)
  | 'lower' // btcusdt (Huobi)
  | 'okx' // BTC-USDT-SWAP, BTC-USD-220527
  | 'kumex'; // XBTUSDTM, XBTUSDM

export interface ParseOptions {
  /** Known unified symbols; used to settle ambiguous concatenations. */
  readonly markets?: Iterable<string>;
}

/** Quote coins tried as suffixes of concatenated names, longest first. */
const QUOTES = [
  'FDUSD',
  'USDT',
  'USDC',
  'BUSD',
  'TUSD',
  'USDP',
  'USDD',
  'USD',
  'EUR',
  'GBP',
  'JPY',
  'TRY',
  'BRL',
  'AUD',
  'DAI',
  'BTC',
  'ETH',
  'BNB',
  'KCS',
  'HT',
  'OKB',
  'TRX',
  'XRP',
];
const STABLE_SETTLED = new Set(['USDT', 'USDC', 'BUSD', 'FDUSD']);
const ALIASES: Record<string, string> = { XBT: 'BTC' };
const RELATIVE_EXPIRY = new Set(['CW', 'NW', 'CQ', 'NQ']);
const COIN_RE = /^[A-Z0-9]{1,20}$/;
const DATE_RE = /^\d{6}$/;

function coin(raw: string, text: string): string {
  const c = raw.toUpperCase();
  if (!COIN_RE.test(c)) throw dgError('DG_E_BAD_SYMBOL', text);
  return ALIASES[c] ?? c;
}

function unifiedText(base: string, quote: string, kind: InstrumentKind, settle?: string, expiry?: string): string {
  if (kind === 'spot') return `${base}/${quote}`;
  const s = `${base}/${quote}:${settle ?? quote}`;
  return kind === 'future' ? `${s}-${expiry ?? ''}` : s;
}

function make(base: string, quote: string, kind: InstrumentKind, settle?: string, expiry?: string): ParsedSymbol {
  if (base === quote) throw dgError('DG_E_BAD_SYMBOL', `${base}/${quote}: base equals quote`);
  const unified = unifiedText(base, quote, kind, settle, expiry);
  const out: ParsedSymbol = { base, quote, kind, unified };
  if (kind !== 'spot') Object.assign(out, { settle: settle ?? quote });
  if (expiry) Object.assign(out, { expiry });
  return out;
}

/** Inverse contracts quoted in USD settle in the base coin; stablecoin-quoted ones in the quote. */
function defaultSettle(base: string, quote: string): string {
  return STABLE_SETTLED.has(quote) ? quote : base;
}

export function parseSymbol(input: string, opts: ParseOptions = {}): ParsedSymbol {
  if (typeof input !== 'string') throw dgError('DG_E_BAD_SYMBOL', String(input));
  const text = input.trim();
  if (text.length === 0 || text.length > 64 || !/^[A-Za-z0-9/_:\-.]+$/.test(text)) {
    throw dgError('DG_E_BAD_SYMBOL', JSON.stringify(input.slice(0, 64)));
  }

  // Unified: BASE/QUOTE[:SETTLE[-EXPIRY]]
  if (text.includes('/')) {
    const m = /^([^/:]+)\/([^/:]+)(?::([^/:-]+)(?:-([^/:-]+))?)?$/.exec(text);
    if (!m) throw dgError('DG_E_BAD_SYMBOL', text);
    const base = coin(m[1], text);
    const quote = coin(m[2], text);
    if (m[3] === undefined) return make(base, quote, 'spot');
    const settle = coin(m[3], text);
    if (m[4] === undefined) return make(base, quote, 'swap', settle);
    const expiry = m[4].toUpperCase();
    if (!DATE_RE.test(expiry) && !RELATIVE_EXPIRY.has(expiry)) throw dgError('DG_E_BAD_SYMBOL', text);
    return make(base, quote, 'future', settle, expiry);
  }

  // Dashed: BTC-USDT, BTC-USDT-SWAP, BTC-USD-220527
  if (text.includes('-')) {
    const parts = text.split('-');
    if (parts.length === 2) return make(coin(parts[0], text), coin(parts[1], text), 'spot');
    if (parts.length === 3) {
      const base = coin(parts[0], text);
      const quote = coin(parts[1], text);
      const tail = parts[2].toUpperCase();
      if (tail === 'SWAP') return make(base, quote, 'swap', defaultSettle(base, quote));
      if (DATE_RE.test(tail)) return make(base, quote, 'future', defaultSettle(base, quote), tail);
    }
    throw dgError('DG_E_BAD_SYMBOL', text);
  }

  // Underscored: BTC_USDT, btm_usdt, BTC_CW (HTX inverse delivery contracts)
  if (text.includes('_')) {
    const parts = text.split('_');
    if (parts.length !== 2) throw dgError('DG_E_BAD_SYMBOL', text);
    const base = coin(parts[0], text);
    const second = parts[1].toUpperCase();
    if (RELATIVE_EXPIRY.has(second)) return make(base, 'USD', 'future', base, second);
    return make(base, coin(parts[1], text), 'spot');
  }

  // KuMEX perpetuals: XBTUSDTM, ETHUSDCM, XBTUSDM
  const upper = text.toUpperCase();
  const kumex = /^([A-Z0-9]{2,15}?)(USDT|USDC|USD)M$/.exec(upper);
  if (kumex && text === upper) {
    const base = coin(kumex[1], text);
    const quote = kumex[2];
    return make(base, quote, 'swap', defaultSettle(base, quote));
  }

  // Concatenated spot: btcusdt, BTCUSDT, ethbtc
  return splitConcatenated(text, upper, opts);
}

function splitConcatenated(text: string, upper: string, opts: ParseOptions): ParsedSymbol {
  const candidates: ParsedSymbol[] = [];
  for (const q of QUOTES) {
    if (upper.length > q.length + 1 && upper.endsWith(q)) {
      const baseRaw = upper.slice(0, upper.length - q.length);
      if (!COIN_RE.test(baseRaw)) continue;
      const base = ALIASES[baseRaw] ?? baseRaw;
      if (base !== q) candidates.push(make(base, q, 'spot'));
    }
  }
  if (candidates.length === 0) throw dgError('DG_E_BAD_SYMBOL', `${text}: no known quote coin`);
  if (candidates.length === 1 && opts.markets === undefined) return candidates[0];
  if (opts.markets !== undefined) {
    const known = new Set(opts.markets);
    const hits = candidates.filter((c) => known.has(c.unified));
    if (hits.length === 1) return hits[0];
    if (hits.length === 0) throw dgError('DG_E_UNKNOWN_INSTRUMENT', text);
  }
  throw dgError('DG_E_AMBIGUOUS_SYMBOL', `${text}: ${candidates.map((c) => c.unified).join(' or ')}`);
}

/** Write a parsed symbol in a venue's notation. */
export function formatSymbol(p: ParsedSymbol, style: SymbolStyle): string {
  switch (style) {
    case 'unified':
      return p.unified;
    case 'dash':
      return `${p.base}-${p.quote}`;
    case 'underscore':
      return `${p.base}_${p.quote}`;
    case 'lower-underscore':
      return `${p.base}_${p.quote}`.toLowerCase();
    case 'concat':
      return `${p.base}${p.quote}`;
    case 'lower':
      return `${p.base}${p.quote}`.toLowerCase();
    case 'okx':
      if (p.kind === 'spot') return `${p.base}-${p.quote}`;
      return `${p.base}-${p.quote}-${p.kind === 'swap' ? 'SWAP' : (p.expiry ?? '')}`;
    case 'kumex': {
      if (p.kind !== 'swap') throw dgError('DG_E_BAD_SYMBOL', `${p.unified} has no KuMEX notation`);
      const base = p.base === 'BTC' ? 'XBT' : p.base;
      return `${base}${p.quote}M`;
    }
  }
}

/** Convenience: parse any notation and return the unified text. */
export function normaliseSymbol(input: string, opts?: ParseOptions): string {
  return parseSymbol(input, opts).unified;
}
