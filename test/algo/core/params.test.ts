import { describe, expect, it } from 'vitest';
import { buildParentSpec, defaultParams, parseAlgoParams } from '../../../src/algo/params.js';

const NOW = 1_700_000_000_000;
const facts = { minLots: 5, maxLots: 1_000_000 };
const H = 3_600_000;

function bad(raw: unknown) {
  const r = buildParentSpec(raw, facts, NOW);
  if (r.ok) throw new Error('expected a rejection');
  return r.error;
}

describe('algo params', () => {
  it('progressive defaults are the seed values', () => {
    const p = defaultParams('progressive');
    expect(p).toEqual({
      mode: 'progressive',
      p: {
        aheadMs: 30_000,
        finishUp: { mode: 'take', windowMs: 30_000, priceLimitPct: 0.1 },
        roundMinMs: 4_000,
        roundMaxMs: 6_000,
        tradeLevels: 5,
        priceLimitPct: 0.1,
        thresholdBars: 30,
        thresholdFactor: 0.01,
        maxVlmLevels: 30,
        orderbookLevels: 5,
        spreadTicks: 5,
        childTimeoutMs: 5_000,
        farLevel: 5,
      },
    });
  });

  it('aggressive defaults carry the seed intervals', () => {
    const p = defaultParams('aggressive');
    if (p.mode !== 'aggressive') throw new Error('mode');
    expect(p.p).toMatchObject({
      bars: 60,
      windowBars: 5,
      bigLevels: 5,
      bigMinIntervalMs: 5_000,
      bigMaxIntervalMs: 60_000,
      regularIntervalMs: 30_000,
      moveWindowMs: 120_000,
    });
  });

  it('child timeout: absent → mode default (5 s taker modes, 300 s passive); null → 300 s', () => {
    const pr = parseAlgoParams('progressive', {});
    const pa = parseAlgoParams('passive', {});
    const nul = parseAlgoParams('aggressive', { childTimeoutMs: null });
    const set = parseAlgoParams('progressive', { childTimeoutMs: 7_000 });
    const t = (r: typeof pr) => (r.ok && r.value.params.mode !== 'iceberg' ? r.value.params.p.childTimeoutMs : -1);
    expect([t(pr), t(pa), t(nul), t(set)]).toEqual([5_000, 300_000, 300_000, 7_000]);
  });

  it('the finish-up price cap follows the progressive price limit unless given', () => {
    const pct = (raw: Record<string, unknown>) => {
      const r = parseAlgoParams('progressive', raw);
      return r.ok && r.value.params.mode === 'progressive' ? r.value.params.p.finishUp.priceLimitPct : -1;
    };
    expect(pct({ priceLimitPct: 0.05 })).toBe(0.05);
    expect(pct({ priceLimitPct: 0.05, finishUp: { priceLimitPct: 0.02 } })).toBe(0.02);
    expect(pct({ finishUp: { mode: 'none' } })).toBe(0.1);
  });

  it('builds a progressive spec: start now, end capped at start + 4 h, seed derived', () => {
    const r = buildParentSpec({ mode: 'progressive', side: 'buy', size: 100, endAt: NOW + 10 * H }, facts, NOW);
    if (!r.ok) throw r.error;
    expect(r.value).toMatchObject({ side: 'buy', size: 100, startAt: NOW, endAt: NOW + 4 * H, minLots: 5 });
    expect(r.value.seed).toBeGreaterThan(0);
    const again = buildParentSpec({ mode: 'progressive', side: 'buy', size: 100, endAt: NOW + 10 * H }, facts, NOW);
    expect(again.ok && again.value.seed).toBe(r.value.seed);
    const noEnd = buildParentSpec({ mode: 'progressive', side: 'sell', size: 100 }, facts, NOW);
    expect(noEnd.ok && noEnd.value.endAt).toBe(NOW + 4 * H);
    const longer = buildParentSpec(
      { mode: 'progressive', side: 'sell', size: 100, durationMs: 6 * H, params: { maxLifeMs: 8 * H } },
      facts,
      NOW,
    );
    expect(longer.ok && longer.value.endAt).toBe(NOW + 6 * H);
  });

  it('rejects a size below the instrument minimum, naming the field', () => {
    const e = bad({ mode: 'progressive', side: 'buy', size: 4 });
    expect(e.code).toBe('DG_E_ALGO_BAD_SIZE');
    expect(e.message).toContain('size');
    expect(buildParentSpec({ mode: 'progressive', side: 'buy', size: 5 }, facts, NOW).ok).toBe(true);
    expect(bad({ mode: 'progressive', side: 'buy', size: 1.5 }).code).toBe('DG_E_ALGO_BAD_SIZE');
    expect(bad({ mode: 'progressive', side: 'buy', size: 1_000_001 }).code).toBe('DG_E_ALGO_BAD_SIZE');
  });

  it('rejects an end time that is not in the future', () => {
    const e = bad({ mode: 'aggressive', side: 'buy', size: 10, endAt: NOW });
    expect(e.code).toBe('DG_E_ALGO_PAST_END');
    expect(e.message).toContain('endAt');
    expect(buildParentSpec({ mode: 'aggressive', side: 'buy', size: 10, endAt: NOW + 1 }, facts, NOW).ok).toBe(true);
  });

  it('rejects start ≥ end and a missing end for aggressive/passive', () => {
    const e = bad({ mode: 'passive', side: 'buy', size: 10, startAt: NOW + H, endAt: NOW + H });
    expect(e.code).toBe('DG_E_ALGO_BAD_PARAMS');
    expect(e.message).toContain('startAt');
    const m = bad({ mode: 'passive', side: 'buy', size: 10 });
    expect(m.code).toBe('DG_E_ALGO_BAD_PARAMS');
    expect(m.message).toContain('endAt');
  });

  it('rejects parameters out of range with the field name', () => {
    const e = bad({ mode: 'progressive', side: 'buy', size: 10, params: { tradeLevels: 0 } });
    expect(e.code).toBe('DG_E_ALGO_BAD_PARAMS');
    expect(e.message).toContain('params.tradeLevels');
    expect(bad({ mode: 'progressive', side: 'buy', size: 10, params: { roundMinMs: 7_000 } }).message).toContain(
      'params.roundMinMs',
    );
    expect(bad({ mode: 'progressive', side: 'buy', size: 10, params: { priceLimitPct: 0.51 } }).message).toContain(
      'priceLimitPct',
    );
    expect(bad({ mode: 'progressive', side: 'buy', size: 10, params: { nope: 1 } }).code).toBe('DG_E_ALGO_BAD_PARAMS');
    expect(
      bad({ mode: 'aggressive', side: 'buy', size: 10, durationMs: H, params: { bigMinIntervalMs: 70_000 } }).message,
    ).toContain('bigMinIntervalMs');
    expect(bad({ mode: 'twap', side: 'buy', size: 10 }).message).toContain('mode');
    expect(bad({ mode: 'progressive', side: 'hold', size: 10 }).message).toContain('side');
  });

  it('iceberg: needs displaySize ≥ minLots; defaults its end to start + maxLifeMs', () => {
    expect(bad({ mode: 'iceberg', side: 'buy', size: 100, params: {} }).message).toContain('displaySize');
    const small = bad({ mode: 'iceberg', side: 'buy', size: 100, params: { displaySize: 4 } });
    expect(small.code).toBe('DG_E_ALGO_BAD_SIZE');
    const r = buildParentSpec(
      { mode: 'iceberg', side: 'buy', size: 100, params: { displaySize: 5, limitPrice: 100 } },
      facts,
      NOW,
    );
    if (!r.ok) throw r.error;
    expect(r.value.endAt).toBe(NOW + 24 * H);
    expect(r.value.params).toEqual({
      mode: 'iceberg',
      p: { displaySize: 5, limitPrice: 100, reprice: true, roundMs: 1_000 },
    });
  });
});
