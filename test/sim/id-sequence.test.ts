import { describe, expect, it } from 'vitest';
import { IdSequence, hexPad } from '../../src/venue/sim/id-sequence.js';

describe('IdSequence', () => {
  it('issues 24-hex ids: prefix + 16-digit counter, across the 65,536 block boundary', () => {
    const seq = new IdSequence('5c35c027');
    const ids: string[] = [];
    for (let i = 0; i < 70_000; i++) ids.push(seq.next());
    expect(ids[0]).toBe('5c35c0270000000000000001');
    expect(ids[65_534]).toBe('5c35c027000000000000ffff');
    expect(ids[65_535]).toBe('5c35c0270000000000010000');
    expect(ids[69_999]).toBe(`5c35c027${hexPad(70_000, 16)}`);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{24}$/);
    expect(new Set(ids).size).toBe(ids.length);
    expect(seq.count).toBe(70_000);
    expect(() => new IdSequence('xyz')).toThrow();
  });
});
