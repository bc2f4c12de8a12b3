/**
 * Default markets of the simulated exchange — the one place their grids and start prices live.
 * Grids follow KuCoin's BTC-USDT / ETH-USDT price increments; lots are coarser than KuCoin's
 * base increment so that notional fits exact integer arithmetic comfortably (see docs/sim.md).
 */
import { dgError } from '../../core/errors.js';
import type { SimMarketConfig } from './engine-types.js';

export const DEFAULT_MARKETS: readonly SimMarketConfig[] = [
  {
    symbol: 'BTC-USDT',
    tickSize: '0.1',
    lotSize: '0.00001',
    minSize: '0.00001',
    minFunds: '0.1',
    maxSize: '10000',
    startPrice: '60000',
    volatility: 0.6,
  },
  {
    symbol: 'ETH-USDT',
    tickSize: '0.01',
    lotSize: '0.0001',
    minSize: '0.0001',
    minFunds: '0.1',
    maxSize: '100000',
    startPrice: '3000',
    volatility: 0.75,
  },
];

/** Default configs for the given symbols; throws on a symbol without a default. */
export function defaultMarkets(symbols?: readonly string[]): SimMarketConfig[] {
  if (!symbols) return [...DEFAULT_MARKETS];
  return symbols.map((s) => {
    const m = DEFAULT_MARKETS.find((d) => d.symbol === s.toUpperCase());
    if (!m)
      throw dgError('DG_E_SIM_UNKNOWN_SYMBOL', `${s} (defaults: ${DEFAULT_MARKETS.map((d) => d.symbol).join(', ')})`);
    return m;
  });
}
