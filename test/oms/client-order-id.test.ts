import { describe, expect, it } from 'vitest';
import {
  CLIENT_ID_PROFILES,
  ClientOrderIdFactory,
  formatClientOrderId,
  parseClientOrderId,
  validateStrategy,
} from '../../src/oms/client-order-id.js';

describe('client order ids', () => {
  it('formats per venue and parses back', () => {
    const ku = new ClientOrderIdFactory({ profile: CLIENT_ID_PROFILES.kucoin, epoch: 1_234_567 });
    const a = ku.next('mm', 42);
    const b = ku.next('grid');
    expect(a).toEqual({ ok: true, value: 'mm-qglj-16-1' });
    expect(b).toEqual({ ok: true, value: 'grid-qglj--2' });
    expect(ku.parse('mm-qglj-16-1')).toEqual({
      ok: true,
      value: { strategy: 'mm', epoch: 1_234_567, parent: 42, seq: 1 },
    });
    expect(ku.parse('grid-qglj--2')).toEqual({
      ok: true,
      value: { strategy: 'grid', epoch: 1_234_567, parent: undefined, seq: 2 },
    });

    const okx = new ClientOrderIdFactory({ profile: CLIENT_ID_PROFILES.okx, epoch: 7 });
    const o = okx.next('twap', 3);
    expect(o).toEqual({ ok: true, value: 'twapZ7Z3Z1' });
    expect(/^[A-Za-z0-9]+$/.test(o.ok ? o.value : '')).toBe(true);
    expect(okx.parse('twapZ7Z3Z1')).toEqual({ ok: true, value: { strategy: 'twap', epoch: 7, parent: 3, seq: 1 } });
  });

  it('stays within every venue limit at the largest numbers', () => {
    const big = Number.MAX_SAFE_INTEGER;
    for (const profile of Object.values(CLIENT_ID_PROFILES)) {
      const r = formatClientOrderId(profile, { strategy: 'abcdefghijkl', epoch: big, parent: big, seq: big });
      // 12 + 3 separators + 3 × 11 base-36 digits = 48 > every limit: a clear error, never a truncated id
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.code).toBe('DG_E_OMS_BAD_CLIENT_ID');
      // A realistic worst case fits: 8-char strategy, epoch = unix seconds, 1e9 parent, 1e12 seq.
      const fit = formatClientOrderId(profile, { strategy: 'strat123', epoch: 4_102_444_800, parent: 1e9, seq: 1e12 });
      expect(fit.ok).toBe(true);
      if (fit.ok) {
        expect(fit.value.length).toBeLessThanOrEqual(profile.maxLength);
        expect(profile.charset.test(fit.value)).toBe(true);
        expect(parseClientOrderId(profile, fit.value)).toEqual({
          ok: true,
          value: { strategy: 'strat123', epoch: 4_102_444_800, parent: 1e9, seq: 1e12 },
        });
      }
    }
  });

  it('is unique across restarts (epochs) and within a session', () => {
    const seen = new Set<string>();
    for (const epoch of [1, 2, 3]) {
      const f = new ClientOrderIdFactory({ profile: CLIENT_ID_PROFILES.binance, epoch });
      for (let i = 0; i < 500; i++) {
        const r = f.next(i % 2 ? 'mm' : 'hedge', i % 3 ? i : undefined);
        expect(r.ok).toBe(true);
        if (r.ok) seen.add(r.value);
      }
    }
    expect(seen.size).toBe(1500);
  });

  it('validates strategy names and does not consume a sequence number on error', () => {
    for (const bad of ['', 'MM', '1mm', 'mm-x', 'mm_x', 'toolongstrategy', 'mmZ']) {
      expect(validateStrategy(bad)?.code).toBe('DG_E_OMS_BAD_STRATEGY');
    }
    expect(validateStrategy('mm2')).toBeUndefined();
    const f = new ClientOrderIdFactory({ profile: CLIENT_ID_PROFILES.kucoin, epoch: 1 });
    const r = f.next('Bad-Name');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('DG_E_OMS_BAD_STRATEGY');
    expect(f.peekSeq()).toBe(1);
  });

  it('rejects ids that are not gateway-made or not canonical', () => {
    const p = CLIENT_ID_PROFILES.kucoin;
    for (const bad of ['mm-1-1', 'mm-1--', 'mm-01--1', 'MM-1--1', 'mm-1--1-2', 'mm-!--1', 'x'.repeat(41), 42]) {
      const r = parseClientOrderId(p, bad);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.code).toBe('DG_E_OMS_BAD_CLIENT_ID');
    }
  });

  it('refuses profiles whose separator could clash with a field', () => {
    expect(
      () => new ClientOrderIdFactory({ profile: { ...CLIENT_ID_PROFILES.okx, separator: 'z' }, epoch: 1 }),
    ).toThrow(/separator/);
    expect(() => new ClientOrderIdFactory({ profile: CLIENT_ID_PROFILES.okx, epoch: -1 })).toThrow(/epoch/);
  });
});
