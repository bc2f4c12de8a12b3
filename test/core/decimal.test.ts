import { describe, expect, it } from 'vitest';
import {
  compareDecimal,
  divRound,
  finestIncrement,
  fromUnits,
  fromUnitsFixed,
  increment,
  toUnits,
  toUnitsBig,
} from '../../src/core/decimal.js';
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

describe('increment', () => {
  it('reads tick sizes of every shape', () => {
    expect(increment('0.01')).toMatchObject({ decimals: 2, step: 1 });
    expect(increment('0.00010000')).toMatchObject({ decimals: 4, step: 1 });
    expect(increment('0.005')).toMatchObject({ decimals: 3, step: 5 });
    expect(increment('0.5')).toMatchObject({ decimals: 1, step: 5 });
    expect(increment('1e-8')).toMatchObject({ decimals: 8, step: 1 });
    expect(increment('10')).toMatchObject({ decimals: 0, step: 10 });
    expect(increment('2.5e1')).toMatchObject({ decimals: 0, step: 25 });
  });
  it('rejects zero, negative and garbage', () => {
    expect(code(() => increment('0'))).toBe('DG_E_BAD_INPUT');
    expect(code(() => increment('-0.1'))).toBe('DG_E_BAD_INPUT');
    expect(code(() => increment('abc'))).toBe('DG_E_BAD_DECIMAL');
  });
});

describe('toUnits', () => {
  const cent = increment('0.01');
  it('converts exactly, never through a float product', () => {
    expect(toUnits('123.45', cent)).toBe(12345);
    expect(toUnits('0.29', cent)).toBe(29); // 0.29 * 100 = 28.999999999999996 in floats
    expect(toUnits('1.1', cent)).toBe(110);
    expect(toUnits('7', cent)).toBe(700);
    expect(toUnits('0.10000000', cent)).toBe(10);
    expect(toUnits('-2.5', cent)).toBe(-250);
    expect(toUnits('0', cent)).toBe(0);
  });
  it('handles exponents and tiny increments', () => {
    const sat = increment('1e-8');
    expect(toUnits('1e-8', sat)).toBe(1);
    expect(toUnits('0.00010000', sat)).toBe(10000);
    expect(toUnits('1.5E-7', sat)).toBe(15);
    expect(toUnits('21000000', sat)).toBe(2_100_000_000_000_000);
    expect(toUnits('2e3', cent)).toBe(200000);
  });
  it('handles non-decimal steps', () => {
    const half = increment('0.5');
    expect(toUnits('30249.5', half)).toBe(60499);
    expect(code(() => toUnits('30249.4', half))).toBe('DG_E_OFF_GRID');
    const five = increment('0.005');
    expect(toUnits('1.015', five)).toBe(203);
    expect(code(() => toUnits('1.016', five))).toBe('DG_E_OFF_GRID');
  });
  it('reports a price off the grid instead of rounding', () => {
    expect(code(() => toUnits('123.456', cent))).toBe('DG_E_OFF_GRID');
    expect(code(() => toUnits('1e-3', cent))).toBe('DG_E_OFF_GRID');
    expect(toUnits('123.4500000', cent)).toBe(12345);
  });
  it('rejects malformed input with a stable code', () => {
    for (const bad of ['', '.', '-', '1.2.3', 'NaN', 'Infinity', ' 1', '1 ', '0x10', '1e', '+1', '.5', '5.']) {
      expect(
        code(() => toUnits(bad, cent)),
        bad,
      ).toBe('DG_E_BAD_DECIMAL');
    }
  });
  it('refuses values beyond 2^53 units and absurd exponents, but bigint goes on', () => {
    expect(code(() => toUnits('1e300', cent))).toBe('DG_E_OUT_OF_RANGE');
    expect(code(() => toUnits('1e999999', cent))).toBe('DG_E_OUT_OF_RANGE');
    expect(toUnitsBig('123456789012345678901234.56', cent)).toBe(12345678901234567890123456n);
  });
});

describe('fromUnits', () => {
  it('round-trips canonically', () => {
    const cent = increment('0.01');
    expect(fromUnits(12345, cent)).toBe('123.45');
    expect(fromUnits(12300, cent)).toBe('123');
    expect(fromUnits(5, cent)).toBe('0.05');
    expect(fromUnits(-5, cent)).toBe('-0.05');
    expect(fromUnits(0, cent)).toBe('0');
    expect(fromUnitsFixed(12300, cent)).toBe('123.00');
    expect(fromUnits(60499, increment('0.5'))).toBe('30249.5');
    expect(fromUnits(3, increment('10'))).toBe('30');
    expect(fromUnits(12345678901234567890123456n, cent)).toBe('123456789012345678901234.56');
  });
  it('round-trips random values', () => {
    const inc = increment('0.00001');
    let x = 12345;
    for (let i = 0; i < 2000; i++) {
      x = (x * 1103515245 + 12345) % 2147483648;
      expect(toUnits(fromUnits(x, inc), inc)).toBe(x);
    }
  });
});

describe('divRound', () => {
  it('rounds to the nearest integer, halves away from zero, for either sign', () => {
    expect(divRound(7n, 2n)).toBe(4n);
    expect(divRound(-7n, 2n)).toBe(-4n);
    expect(divRound(7n, -2n)).toBe(-4n);
    expect(divRound(5n, 3n)).toBe(2n);
    expect(divRound(4n, 3n)).toBe(1n);
    expect(divRound(-4n, 3n)).toBe(-1n);
    expect(divRound(0n, 5n)).toBe(0n);
    expect(divRound(9n, 3n)).toBe(3n);
  });
});

describe('compare and finest increment', () => {
  it('compares exactly', () => {
    expect(compareDecimal('0.1', '0.10')).toBe(0);
    expect(compareDecimal('1e-8', '0.00000002')).toBe(-1);
    expect(compareDecimal('-1', '-2')).toBe(1);
  });
  it('finds the finest grid of a set of values', () => {
    expect(finestIncrement(['0.1', '0.025', '3']).decimals).toBe(3);
  });
});
