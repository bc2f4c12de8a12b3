import { describe, expect, it } from 'vitest';
import { InstrumentRegistry } from '../../src/core/instrument.js';
import { fromUnits, toUnits } from '../../src/core/decimal.js';
import { DeskgateError, ERRORS, asDeskgateError, dgError } from '../../src/core/errors.js';

describe('InstrumentRegistry', () => {
  it('registers once and finds by any notation', () => {
    const reg = new InstrumentRegistry();
    const btc = reg.add({
      venue: 'kucoin',
      native: 'BTC-USDT',
      tickSize: '0.1',
      lotSize: '0.00000001',
      minSize: '0.00001',
    });
    const again = reg.add({ venue: 'kucoin', native: 'BTC-USDT', tickSize: '0.1', lotSize: '0.00000001' });
    expect(again).toBe(btc);
    expect(btc.id).toBe(0);
    expect(btc.symbol).toBe('BTC/USDT');
    expect(btc.minLots).toBe(1000);
    expect(reg.get('kucoin', 'btcusdt')).toBe(btc);
    expect(reg.get('kucoin', 'BTC_USDT')).toBe(btc);
    expect(reg.get('kucoin', 'BTC/USDT')).toBe(btc);
    expect(reg.byId(0)).toBe(btc);
    expect(toUnits('30249.4', btc.price)).toBe(302494);
    expect(fromUnits(302494, btc.price)).toBe('30249.4');
  });
  it('keeps venues apart and derivatives distinct', () => {
    const reg = new InstrumentRegistry();
    const perp = reg.add({ venue: 'kumex', native: 'XBTUSDTM', tickSize: '0.1', lotSize: '1', contractValue: '0.001' });
    expect(perp).toMatchObject({ symbol: 'BTC/USDT:USDT', kind: 'swap', settle: 'USDT', contractValue: '0.001' });
    expect(() => reg.get('kucoin', 'XBTUSDTM')).toThrow(DeskgateError);
    expect(reg.find('kumex', 'BTC/USDT')).toBeUndefined();
    expect(reg.list('kumex')).toHaveLength(1);
  });
  it('refuses a min size off the lot grid', () => {
    const reg = new InstrumentRegistry();
    expect(() => reg.add({ venue: 'x', native: 'A-B', tickSize: '0.1', lotSize: '0.01', minSize: '0.001' })).toThrow(
      /multiple of the increment/,
    );
  });
});

describe('error registry', () => {
  it('has stable, well-formed codes and statuses', () => {
    for (const [code, spec] of Object.entries(ERRORS)) {
      expect(code).toMatch(/^DG_E_[A-Z0-9_]+$/);
      expect(spec.status).toBeGreaterThanOrEqual(400);
      expect(spec.status).toBeLessThan(600);
      expect(spec.message.length).toBeGreaterThan(3);
    }
  });
  it('serialises without a stack and hides internals of foreign errors', () => {
    const e = dgError('DG_E_OFF_GRID', '1.234 on 0.01');
    expect(JSON.parse(JSON.stringify(e))).toEqual({
      code: 'DG_E_OFF_GRID',
      status: 400,
      message: 'value is not a multiple of the increment: 1.234 on 0.01',
    });
    const wrapped = asDeskgateError(new Error('secret=abc at /home/x'));
    expect(wrapped.code).toBe('DG_E_INTERNAL');
    expect(wrapped.message).not.toContain('secret');
  });
});
