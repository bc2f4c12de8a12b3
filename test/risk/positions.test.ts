import { describe, expect, it } from 'vitest';
import { parsePositions, randomPositions, validatePosition } from '../../src/risk/liqsim/positions.js';
import { buildSetup } from '../../src/risk/liqsim/setup.js';

const good = {
  id: 'A',
  collateralCoin: 'btc',
  collateralAmount: '2.5',
  loanCoin: 'USDT',
  loanAmount: '90000',
  ltvInitial: 0.65,
  ltvMarginCall: 0.75,
  ltvLiquidation: 0.85,
  liquidationDelay: '10m',
  slippage: 0.02,
};

describe('positions: validation', () => {
  it('accepts a good position and normalises it', () => {
    const p = validatePosition(good, 0);
    expect(p.collateralCoin).toBe('BTC');
    expect(p.liquidationDelayS).toBe(600);
  });

  it('thresholds out of order are an error naming both thresholds', () => {
    expect(() => validatePosition({ ...good, ltvLiquidation: 0.7 }, 0)).toThrow(
      /position #1 \(A\): thresholds out of order: ltvLiquidation 0.7 must be above ltvMarginCall 0.75/,
    );
    expect(() => validatePosition({ ...good, ltvInitial: 0.8 }, 2)).toThrow(
      /position #3 \(A\): thresholds out of order: ltvInitial 0.8 must be below ltvMarginCall/,
    );
    expect(() => validatePosition({ ...good, ltvLiquidation: 1.2 }, 0)).toThrow(/above 1/);
  });

  it('negative, zero or non-decimal amounts are errors', () => {
    expect(() => validatePosition({ ...good, collateralAmount: '-1' }, 0)).toThrow(
      expect.objectContaining({
        code: 'DG_E_RISK_BAD_POSITION',
        message: expect.stringMatching(/collateralAmount: must not be negative/),
      }),
    );
    expect(() => validatePosition({ ...good, loanAmount: '0' }, 0)).toThrow(/loanAmount must be > 0/);
    expect(() => validatePosition({ ...good, loanAmount: '1,000' }, 0)).toThrow(/not a decimal/);
    expect(() => validatePosition({ ...good, slippage: 1.5 }, 0)).toThrow(/slippage/);
    expect(() => validatePosition({ ...good, liquidationDelay: 'soon' }, 0)).toThrow(/liquidationDelay/);
    expect(() => validatePosition({ ...good, extra: 1 }, 0)).toThrow(/extra|Unrecognized/i);
  });

  it('parses CSV and JSON (with markets), rejects duplicates', () => {
    const csv = [
      'id,collateral_coin,collateral_amount,loan_coin,loan_amount,ltv_initial,ltv_margin_call,ltv_liquidation,liquidation_delay,slippage',
      'a,BTC,1,USDT,30000,0.6,0.7,0.8,5m,0.01',
      'b,ETH,10,USDT,15000,0.6,0.7,0.8,0,0.02',
    ].join('\n');
    const f = parsePositions(csv, 'csv');
    expect(f.positions.map((p) => p.id)).toEqual(['a', 'b']);
    expect(f.positions[0].liquidationDelayS).toBe(300);
    const json = JSON.stringify({ positions: [good], markets: { 'btc/usdt': { price: 50000, sigma: 0.5 } } });
    const j = parsePositions(json, 'json');
    expect(j.markets['BTC/USDT'].price).toBe(50000);
    expect(() => parsePositions(JSON.stringify([good, good]), 'json')).toThrow(/duplicate position id A/);
    expect(() => parsePositions('id,colour\n1,red', 'csv')).toThrow(/unknown column "colour"/);
    expect(() => parsePositions('[', 'json')).toThrow(/not valid JSON/);
  });

  it('setup: a position already beyond its liquidation line, mixed loan coins, unknown prices', () => {
    const p = validatePosition(good, 0);
    expect(() =>
      buildSetup([p], {
        model: 'gbm',
        paths: 10,
        steps: 10,
        dtS: 60,
        seed: 1,
        markets: { 'BTC/USDT': { price: 40000 } },
      }),
    ).toThrow(/current LTV 0.9 at BTC\/USDT 40000 is already at or above the liquidation line 0.85/);
    const q = validatePosition({ ...good, id: 'B', loanCoin: 'USDC' }, 1);
    expect(() => buildSetup([p, q], { model: 'gbm', paths: 10, steps: 10, dtS: 60, seed: 1 })).toThrow(
      /different loan coins/,
    );
    const r = validatePosition({ ...good, collateralCoin: 'XYZ' }, 0);
    expect(() => buildSetup([r], { model: 'gbm', paths: 10, steps: 10, dtS: 60, seed: 1 })).toThrow(
      /no price for XYZ\/USDT/,
    );
  });

  it('random positions are seeded and valid', () => {
    const a = randomPositions(50, 9);
    expect(randomPositions(50, 9)).toEqual(a);
    expect(randomPositions(50, 10)).not.toEqual(a);
    for (const p of a) {
      expect(p.ltvInitial).toBeLessThan(p.ltvMarginCall);
      expect(p.ltvMarginCall).toBeLessThan(p.ltvLiquidation);
      const { liquidationDelayS, ...rest } = p;
      expect(validatePosition({ ...rest, liquidationDelay: liquidationDelayS }, 0)).toEqual(p); // round-trips through the schema
    }
    expect(() => randomPositions(0, 1)).toThrow(/--random/);
  });
});
