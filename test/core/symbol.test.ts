import { describe, expect, it } from 'vitest';
import { formatSymbol, normaliseSymbol, parseSymbol } from '../../src/core/symbol.js';
import { DeskgateError } from '../../src/core/errors.js';

const code = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    if (e instanceof DeskgateError) return e.code;
    throw e;
  }
  return 'no error';
};

describe('parseSymbol', () => {
  it.each([
    ['btcusdt', 'BTC/USDT'],
    ['BTCUSDT', 'BTC/USDT'],
    ['ethbtc', 'ETH/BTC'],
    ['BTC-USDT', 'BTC/USDT'],
    ['BTC_USDT', 'BTC/USDT'],
    ['btm_usdt', 'BTM/USDT'],
    ['BTM/USDT', 'BTM/USDT'],
    ['eth_usdt', 'ETH/USDT'],
    ['XBTUSDM', 'BTC/USD:BTC'],
    ['XBTUSDTM', 'BTC/USDT:USDT'],
    ['ETHUSDTM', 'ETH/USDT:USDT'],
    ['BTC-USD-SWAP', 'BTC/USD:BTC'],
    ['BTC-USDT-SWAP', 'BTC/USDT:USDT'],
    ['BTC-USD-220527', 'BTC/USD:BTC-220527'],
    ['BTC_CW', 'BTC/USD:BTC-CW'],
    ['BTC_NQ', 'BTC/USD:BTC-NQ'],
    ['BTC/USDT:USDT', 'BTC/USDT:USDT'],
    ['XBT/USD', 'BTC/USD'],
  ])('%s → %s', (input, unified) => {
    expect(normaliseSymbol(input)).toBe(unified);
  });

  it('gives kind, settle and expiry', () => {
    expect(parseSymbol('BTC-USD-SWAP')).toMatchObject({ kind: 'swap', base: 'BTC', quote: 'USD', settle: 'BTC' });
    expect(parseSymbol('BTC_CW')).toMatchObject({ kind: 'future', expiry: 'CW', settle: 'BTC' });
    expect(parseSymbol('btcusdt')).toMatchObject({ kind: 'spot', base: 'BTC', quote: 'USDT' });
  });

  it('refuses a lone coin or nonsense', () => {
    expect(code(() => parseSymbol('USDT'))).toBe('DG_E_BAD_SYMBOL');
    expect(code(() => parseSymbol(''))).toBe('DG_E_BAD_SYMBOL');
    expect(code(() => parseSymbol('BTC-'))).toBe('DG_E_BAD_SYMBOL');
    expect(code(() => parseSymbol('BTC/USDT/X'))).toBe('DG_E_BAD_SYMBOL');
    expect(code(() => parseSymbol('BTC USDT'))).toBe('DG_E_BAD_SYMBOL');
    expect(code(() => parseSymbol('BTC-USDT-FOO'))).toBe('DG_E_BAD_SYMBOL');
    expect(code(() => parseSymbol('usdt_usdt'))).toBe('DG_E_BAD_SYMBOL');
    expect(code(() => parseSymbol('qwerty'))).toBe('DG_E_BAD_SYMBOL');
  });

  it('calls an ambiguous concatenation ambiguous unless a market list settles it', () => {
    expect(code(() => parseSymbol('BTCBUSD'))).toBe('DG_E_AMBIGUOUS_SYMBOL');
    expect(parseSymbol('BTCBUSD', { markets: ['BTC/BUSD'] }).unified).toBe('BTC/BUSD');
    expect(parseSymbol('BTCBUSD', { markets: ['BTCB/USD'] }).unified).toBe('BTCB/USD');
    expect(code(() => parseSymbol('BTCBUSD', { markets: ['ETH/USDT'] }))).toBe('DG_E_UNKNOWN_INSTRUMENT');
  });
});

describe('formatSymbol', () => {
  it('writes each venue notation', () => {
    const spot = parseSymbol('btm_usdt');
    expect(formatSymbol(spot, 'dash')).toBe('BTM-USDT');
    expect(formatSymbol(spot, 'underscore')).toBe('BTM_USDT');
    expect(formatSymbol(spot, 'lower-underscore')).toBe('btm_usdt');
    expect(formatSymbol(spot, 'lower')).toBe('btmusdt');
    expect(formatSymbol(spot, 'concat')).toBe('BTMUSDT');
    expect(formatSymbol(parseSymbol('BTC/USDT:USDT'), 'okx')).toBe('BTC-USDT-SWAP');
    expect(formatSymbol(parseSymbol('BTC/USDT:USDT'), 'kumex')).toBe('XBTUSDTM');
    expect(formatSymbol(parseSymbol('BTC-USD-220527'), 'okx')).toBe('BTC-USD-220527');
  });
});
