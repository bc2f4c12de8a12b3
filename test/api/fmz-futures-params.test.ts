/**
 * The futures params reuse request.ts's `text`, `symbol` and `intOpt`: these pin what the futures
 * side adds on top (trimming, non-negative counts with 0 ⇒ absent) and its own error texts.
 */
import { describe, expect, it } from 'vitest';
import {
  ContractDepthParams,
  ContractTradeParams,
  FundingHistoryParams,
  MarginLevelParams,
  RangeParams,
} from '../../src/api/fmz/futures-params.js';
import { DepthParams, parseParams } from '../../src/api/fmz/request.js';

describe('futures params on request.ts helpers', () => {
  it('trims symbols, prices and amounts (spot params do not)', () => {
    const p = parseParams(ContractTradeParams, {
      symbol: ' BTC_USDT.swap ',
      type: ' CloseBuy ',
      price: ' 1.5 ',
      amount: 2,
    });
    expect(p).toEqual({ symbol: 'BTC_USDT.swap', type: 'closebuy', price: '1.5', amount: '2' });
    expect(parseParams(DepthParams, { symbol: ' BTC_USDT ' }).symbol).toBe(' BTC_USDT ');
    expect(() => parseParams(ContractDepthParams, { symbol: '   ' })).toThrow(/missing required parameters \(symbol: /);
    expect(() => parseParams(ContractTradeParams, { symbol: 'A', type: 'buy', price: ' ', amount: '1' })).toThrow(
      /\(price: /,
    );
    // 64 characters after trimming pass; 65 do not.
    expect(parseParams(ContractDepthParams, { symbol: ` ${'x'.repeat(64)} ` }).symbol).toHaveLength(64);
    expect(() => parseParams(ContractDepthParams, { symbol: 'x'.repeat(65) })).toThrow(/\(symbol: /);
  });

  it('counts: non-negative integers, "" / absent / 0 mean absent, with the futures message', () => {
    expect(parseParams(FundingHistoryParams, { symbol: 'A', since: '0', limit: ' 7 ' })).toEqual({
      symbol: 'A',
      since: undefined,
      limit: 7,
    });
    expect(parseParams(ContractDepthParams, { symbol: 'A', limit: '' }).limit).toBeUndefined();
    expect(() => parseParams(FundingHistoryParams, { symbol: 'A', limit: '-3' })).toThrow(
      /missing required parameters \(limit: not a non-negative integer: -3\)$/,
    );
    expect(() => parseParams(ContractDepthParams, { symbol: 'A', limit: '2.5' })).toThrow(
      /\(limit: not a non-negative integer: 2\.5\)$/,
    );
    // The spot rule (request.ts intOpt) keeps its own wording and accepts negatives.
    expect(() => parseParams(DepthParams, { symbol: 'A', limit: 'lots' })).toThrow(/\(limit: not an integer: lots\)$/);
    expect(parseParams(DepthParams, { symbol: 'A', limit: '-3' }).limit).toBe(-3);
  });

  it('range symbol optional or empty; margin level from either name', () => {
    expect(parseParams(RangeParams, { symbol: '' })).toEqual({ symbol: undefined });
    expect(parseParams(RangeParams, { symbol: ' USDT.swap' })).toEqual({ symbol: 'USDT.swap' });
    expect(parseParams(MarginLevelParams, { symbol: 'A', leverage: '20' })).toEqual({ symbol: 'A', marginLevel: 20 });
    expect(() => parseParams(MarginLevelParams, { symbol: 'A', marginLevel: '0' })).toThrow(
      /\(marginLevel: marginLevel must be an integer 1…1000: 0\)$/,
    );
  });
});
