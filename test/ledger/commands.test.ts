import { describe, expect, it } from 'vitest';
import { executeBalanceCommand } from '../../src/ledger/commands.js';
import { dump, makeLedger } from './helpers.js';

describe('S4.4 balance commands', () => {
  it('allocate and release move funds between main and the strategy slot', () => {
    const sub = makeLedger();
    const a = executeBalanceCommand(sub, { strategy: 'a', cmd: 'allocate', currency: 'usdt', amount: 100, index: 2 });
    expect(a.ok && a.value).toEqual({
      cmd: 'allocate',
      strategy: 'a',
      currency: 'USDT',
      index: 2,
      amount: '100',
      slot: { total: '100', free: '100', frozen: '0' },
      main: { total: '9900', free: '9400', frozen: '500' },
    });
    const r = executeBalanceCommand(sub, { strategy: 'a', cmd: 'release', currency: 'USDT', amount: '40.5', index: 2 });
    expect(r.ok && r.value.slot.total).toBe('59.5');
    expect(sub.slot('USDT', 1)!.free).toBe(9_440_500000n);
    expect(sub.slot('USDT', 0)!.total).toBe(10_000_000000n);
    expect(sub.checkInvariants().ok).toBe(true);
  });

  it('adjust credits or debits main and the total (delta, or amount as in the seed example)', () => {
    const sub = makeLedger();
    const out = executeBalanceCommand(sub, { strategy: 'a', cmd: 'adjust', currency: 'USDT', delta: -1000, index: 0 });
    expect(out.ok && out.value.slot).toEqual({ total: '9000', free: '8500', frozen: '500' });
    const inn = executeBalanceCommand(sub, {
      strategy: 'a',
      cmd: 'adjust',
      currency: 'USDT',
      amount: '0.000001',
      index: 0,
    });
    expect(inn.ok && inn.value.main.free).toBe('8500.000001');
    expect(sub.checkInvariants().ok).toBe(true);
  });

  const bad: Array<[string, unknown, string]> = [
    ['not an object', 'allocate', 'DG_E_LEDGER_BAD_COMMAND'],
    ['unknown cmd', { strategy: 'a', cmd: 'steal', currency: 'USDT', amount: 1, index: 2 }, 'DG_E_LEDGER_BAD_COMMAND'],
    ['missing strategy', { cmd: 'allocate', currency: 'USDT', amount: 1, index: 2 }, 'DG_E_LEDGER_BAD_COMMAND'],
    [
      'index not a number',
      { strategy: 'a', cmd: 'allocate', currency: 'USDT', amount: 1, index: '2' },
      'DG_E_LEDGER_BAD_COMMAND',
    ],
    ['adjust without delta', { strategy: 'a', cmd: 'adjust', currency: 'USDT', index: 0 }, 'DG_E_LEDGER_BAD_COMMAND'],
    [
      'adjust with two deltas',
      { strategy: 'a', cmd: 'adjust', currency: 'USDT', delta: 1, amount: 2, index: 0 },
      'DG_E_LEDGER_BAD_COMMAND',
    ],
    [
      'unknown strategy',
      { strategy: 'zz', cmd: 'allocate', currency: 'USDT', amount: 1, index: 2 },
      'DG_E_LEDGER_UNKNOWN_STRATEGY',
    ],
    [
      'main cannot allocate to itself',
      { strategy: 'main', cmd: 'allocate', currency: 'USDT', amount: 1, index: 1 },
      'DG_E_LEDGER_UNKNOWN_STRATEGY',
    ],
    [
      'unknown strategy on adjust',
      { strategy: 'zz', cmd: 'adjust', currency: 'USDT', delta: 1, index: 0 },
      'DG_E_LEDGER_UNKNOWN_STRATEGY',
    ],
    [
      'unknown currency',
      { strategy: 'a', cmd: 'allocate', currency: 'DOGE', amount: 1, index: 2 },
      'DG_E_LEDGER_UNKNOWN_CURRENCY',
    ],
    [
      'invalid currency code',
      { strategy: 'a', cmd: 'allocate', currency: 'US D', amount: 1, index: 2 },
      'DG_E_LEDGER_UNKNOWN_CURRENCY',
    ],
    [
      'slot of another strategy',
      { strategy: 'a', cmd: 'allocate', currency: 'USDT', amount: 1, index: 3 },
      'DG_E_LEDGER_BAD_SLOT',
    ],
    [
      'slot out of range',
      { strategy: 'a', cmd: 'allocate', currency: 'USDT', amount: 1, index: 99 },
      'DG_E_LEDGER_BAD_SLOT',
    ],
    [
      'fractional slot',
      { strategy: 'a', cmd: 'release', currency: 'USDT', amount: 1, index: 2.5 },
      'DG_E_LEDGER_BAD_SLOT',
    ],
    [
      'adjust not on slot 0',
      { strategy: 'a', cmd: 'adjust', currency: 'USDT', delta: 1, index: 2 },
      'DG_E_LEDGER_BAD_SLOT',
    ],
    [
      'NaN amount',
      { strategy: 'a', cmd: 'allocate', currency: 'USDT', amount: Number.NaN, index: 2 },
      'DG_E_LEDGER_BAD_AMOUNT',
    ],
    [
      'Infinity',
      { strategy: 'a', cmd: 'allocate', currency: 'USDT', amount: Number.POSITIVE_INFINITY, index: 2 },
      'DG_E_LEDGER_BAD_AMOUNT',
    ],
    [
      'negative amount',
      { strategy: 'a', cmd: 'allocate', currency: 'USDT', amount: -5, index: 2 },
      'DG_E_LEDGER_BAD_AMOUNT',
    ],
    [
      'zero amount',
      { strategy: 'a', cmd: 'release', currency: 'USDT', amount: '0', index: 2 },
      'DG_E_LEDGER_BAD_AMOUNT',
    ],
    ['zero delta', { strategy: 'a', cmd: 'adjust', currency: 'USDT', delta: 0, index: 0 }, 'DG_E_LEDGER_BAD_AMOUNT'],
    [
      'finer than the scale',
      { strategy: 'a', cmd: 'allocate', currency: 'USDT', amount: '0.0000001', index: 2 },
      'DG_E_LEDGER_BAD_AMOUNT',
    ],
    [
      'not a decimal',
      { strategy: 'a', cmd: 'allocate', currency: 'USDT', amount: '1,5', index: 2 },
      'DG_E_LEDGER_BAD_AMOUNT',
    ],
    [
      'absurd amount',
      { strategy: 'a', cmd: 'allocate', currency: 'USDT', amount: '1e40', index: 2 },
      'DG_E_LEDGER_BAD_AMOUNT',
    ],
    [
      'amount as object',
      { strategy: 'a', cmd: 'allocate', currency: 'USDT', amount: { v: 1 }, index: 2 },
      'DG_E_LEDGER_BAD_AMOUNT',
    ],
    [
      'beyond main free',
      { strategy: 'a', cmd: 'allocate', currency: 'USDT', amount: '9500.000001', index: 2 },
      'DG_E_LEDGER_INSUFFICIENT',
    ],
    [
      'release beyond slot free',
      { strategy: 'a', cmd: 'release', currency: 'USDT', amount: 1, index: 2 },
      'DG_E_LEDGER_INSUFFICIENT',
    ],
    [
      'transfer out beyond unallocated',
      { strategy: 'a', cmd: 'adjust', currency: 'BTC', delta: '-2.00000001', index: 0 },
      'DG_E_LEDGER_INSUFFICIENT',
    ],
  ];
  for (const [what, payload, code] of bad) {
    it(`${what} ⇒ ${code}, state unchanged`, () => {
      const sub = makeLedger();
      const before = dump(sub);
      const r = executeBalanceCommand(sub, payload);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.code).toBe(code);
      expect(dump(sub)).toBe(before);
    });
  }

  it('a transfer out may not take funds allocated to strategies', () => {
    const sub = makeLedger();
    expect(
      executeBalanceCommand(sub, { strategy: 'a', cmd: 'allocate', currency: 'BTC', amount: '1.5', index: 2 }).ok,
    ).toBe(true);
    const before = dump(sub);
    const r = executeBalanceCommand(sub, { strategy: 'a', cmd: 'adjust', currency: 'BTC', delta: '-0.6', index: 0 });
    expect(!r.ok && r.error.code).toBe('DG_E_LEDGER_INSUFFICIENT');
    expect(dump(sub)).toBe(before);
    expect(
      executeBalanceCommand(sub, { strategy: 'a', cmd: 'adjust', currency: 'BTC', delta: '-0.5', index: 0 }).ok,
    ).toBe(true);
    expect(sub.slot('BTC', 0)!.total).toBe(1_50000000n);
  });
});
