/**
 * The FMZ hot path's shortcuts must not change a single reply:
 * - shapes.ts `unitsNumber` (depth / trades / records numbers) gives exactly the double that
 *   Number(fromUnits(…)) gives;
 * - request.ts `parseEnvelope` accepts and rejects exactly what EnvelopeSchema does, with the same
 *   value and the same error text.
 */
import { describe, expect, it } from 'vitest';
import { fromUnits, increment } from '../../src/core/decimal.js';
import { unitsNumber } from '../../src/api/fmz/shapes.js';
import { EnvelopeSchema, issueText, parseEnvelope } from '../../src/api/fmz/request.js';
import { Rng } from '../../src/venue/sim/rng.js';

describe('unitsNumber', () => {
  it('equals Number(fromUnits(units, inc)) on every grid and magnitude tried', () => {
    const rng = new Rng(42);
    const grids = ['1', '10', '0.1', '0.01', '0.5', '0.25', '0.00001', '0.000001', '0.00000001', '1e-12'];
    let n = 0;
    for (const g of grids) {
      const inc = increment(g);
      for (let i = 0; i < 5000; i++) {
        const mag = 10 ** Math.floor(rng.next() * 16);
        const units = Math.floor(rng.next() * mag);
        expect(unitsNumber(units, inc)).toBe(Number(fromUnits(units, inc)));
        n++;
      }
    }
    expect(n).toBe(grids.length * 5000);
  });
});

describe('parseEnvelope', () => {
  it('agrees with EnvelopeSchema on well-formed, odd and malformed envelopes', () => {
    const rng = new Rng(7);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng.next() * xs.length)] as T;
    const values: readonly unknown[] = [
      undefined,
      null,
      '',
      'k',
      'x'.repeat(512),
      'x'.repeat(513),
      'y'.repeat(1024),
      'y'.repeat(1025),
      0,
      1700000000000,
      '1730275031047002000',
      true,
      [],
      {},
      { symbol: 'BTC_USDT' },
      ['a'],
      'ticker',
      'm'.repeat(256),
      'm'.repeat(257),
    ];
    let fast = 0;
    for (let i = 0; i < 20000; i++) {
      const body: Record<string, unknown> = {};
      for (const k of ['access_key', 'secret_key', 'nonce', 'method', 'params', 'extra']) {
        if (rng.next() < 0.85) body[k] = pick(values);
      }
      if (rng.next() < 0.3) {
        // the docker's usual shape, with some optional parts left out or extra
        body.access_key = pick(['', 'ak', 'x'.repeat(512)]);
        body.secret_key = pick(['', 'sk', 'y'.repeat(1024)]);
        body.method = pick(['ticker', 'depth', 'm'.repeat(256)]);
        if (rng.next() < 0.5) body.params = pick([{}, { symbol: 'BTC_USDT', limit: '20' }]);
        else delete body.params;
      }
      const input: unknown = rng.next() < 0.03 ? pick(values) : body;
      const got = parseEnvelope(input);
      const want = EnvelopeSchema.safeParse(input);
      if (want.success) {
        expect(got).toEqual({ ok: true, value: want.data });
        fast++;
      } else {
        expect(got).toEqual({ ok: false, issue: issueText(want.error) });
      }
    }
    expect(fast).toBeGreaterThan(1000);
  });
});
