/**
 * The futures side of the FMZ plugin: which wire methods exist (named after the platform calls, as
 * the spot ones are: GetPositions → `positions`, SetMarginLevel → `marginlevel`, GetFundings →
 * `fundings`), which spot methods switch to contracts when their symbol names one, and the interface
 * a derivatives venue implements (futures-ccxt.ts over ccxt's unified API). Venues without
 * derivatives have no desk, and every futures call on them answers DG_E_VENUE_UNSUPPORTED.
 */
import type { FmzReply } from './methods.js';
import type { FmzMarket } from './shapes.js';
import { looksLikeContract } from './futures-symbol.js';

/** The futures calls, by their canonical wire name. */
export type FuturesCall =
  'positions' | 'marginlevel' | 'marginmode' | 'fundings' | 'fundinghistory' | 'contracttype' | ContractRoutedCall;

/** Spot wire methods that serve a contract when their symbol (or order id) names one. */
export type ContractRoutedCall =
  'ticker' | 'depth' | 'trades' | 'records' | 'trade' | 'orders' | 'order' | 'cancel' | 'historyorders';

/**
 * Wire method (lower-cased) → call. The canonical names first; the platform's function names
 * (`GetPositions`, `SetMarginLevel`, `GetFundings`, `SetContractType` …, any case) and the singular
 * forms are accepted too, so a docker that sends either spelling is served.
 */
const FUTURES_WIRE: Readonly<Record<string, FuturesCall>> = {
  positions: 'positions',
  position: 'positions',
  getpositions: 'positions',
  getposition: 'positions',
  marginlevel: 'marginlevel',
  setmarginlevel: 'marginlevel',
  fundings: 'fundings',
  funding: 'fundings',
  getfundings: 'fundings',
  marginmode: 'marginmode',
  setmarginmode: 'marginmode',
  fundinghistory: 'fundinghistory',
  getfundinghistory: 'fundinghistory',
  contracttype: 'contracttype',
  setcontracttype: 'contracttype',
};

const CONTRACT_ROUTED: ReadonlySet<string> = new Set<ContractRoutedCall>([
  'ticker',
  'depth',
  'trades',
  'records',
  'trade',
  'orders',
  'order',
  'cancel',
  'historyorders',
]);

/** The futures call of a lower-cased wire method, or undefined. */
export function futuresCallOf(method: string): FuturesCall | undefined {
  return Object.prototype.hasOwnProperty.call(FUTURES_WIRE, method) ? FUTURES_WIRE[method] : undefined;
}

/** Every wire spelling of the futures-only methods (for docs and tests). */
export const FUTURES_WIRE_METHODS: readonly string[] = Object.keys(FUTURES_WIRE);

export interface FuturesDesk {
  /** Venue name for messages. */
  readonly name: string;
  /** True when a spot method with this symbol must go to the contract (BTC_USDT.swap, or any pair on a derivatives-only venue). */
  routes(symbol: string): boolean;
  call(call: FuturesCall, params: Record<string, unknown>): Promise<FmzReply>;
  /** The venue's contracts in the `markets` shape (symbols `BTC_USDT.swap`), listed after the spot ones. */
  markets(): FmzMarket[];
}

/** The symbol a contract-routable spot call names: `symbol`, or the part of `id` before the comma. */
export function routedSymbol(method: string, params: Record<string, unknown>): string | undefined {
  if (!CONTRACT_ROUTED.has(method)) return undefined;
  const id = params.id;
  if ((method === 'order' || method === 'cancel') && typeof id === 'string') {
    const comma = id.indexOf(',');
    if (comma > 0) return id.slice(0, comma);
  }
  const s = params.symbol;
  return typeof s === 'string' && s.trim().length > 0 ? s : undefined;
}

/** Whether a routable call must go to contracts: the desk decides, or (no desk) the symbol's look. */
export function wantsContract(desk: FuturesDesk | undefined, symbol: string): boolean {
  return desk ? desk.routes(symbol) : looksLikeContract(symbol);
}
