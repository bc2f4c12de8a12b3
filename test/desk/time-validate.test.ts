import { describe, expect, it } from 'vitest';
import { CsvReader, csvLine } from '../../src/desk/csv.js';
import { parseTime } from '../../src/desk/time.js';
import { parseAmount } from '../../src/desk/amount.js';
import { validateHedge, validateLock } from '../../src/desk/validate.js';

const MS = Date.UTC(2026, 2, 1, 4, 30, 15, 250);

describe('parseTime normalises every notation to UTC ms', () => {
  it.each([
    ['2026-03-01T04:30:15.250Z', MS],
    ['2026-03-01T12:30:15.250+08:00', MS],
    ['2026-03-01 12:30:15.250+0800', MS],
    ['2026-02-28T23:30:15.25-05:00', MS],
    ['2026-03-01 04:30:15.250', MS],
    ['2026-03-01T04:30:15.250123456Z', MS],
    [String(MS), MS],
    [MS, MS],
    [MS / 1000, MS],
    [String(MS / 1000), MS],
    [MS * 1000, MS],
    [`${MS}000000`, MS],
    [new Date(MS), MS],
  ])('%s', (input, want) => {
    expect(parseTime(input)).toEqual({ ok: true, ms: want });
  });

  it('rejects garbage, impossible dates, and naive times when asked', () => {
    expect(parseTime('yesterday').ok).toBe(false);
    expect(parseTime('2026-02-30T00:00:00Z').ok).toBe(false);
    expect(parseTime('2026-03-01T25:00:00Z').ok).toBe(false);
    expect(parseTime('2026-03-01T04:30:15+15:00').ok).toBe(false);
    expect(parseTime('2026-03-01 04:30:15', 'reject').ok).toBe(false);
    expect(parseTime(-5).ok).toBe(false);
    expect(parseTime({}).ok).toBe(false);
  });
});

describe('CSV reader', () => {
  it('handles quotes, escaped quotes, embedded newlines, CRLF, BOM and chunk boundaries', () => {
    const text = '\uFEFFa,b,c\r\n1,"x, ""y""",3\r\n"multi\nline",,z\n\n';
    for (const cut of [1, 5, 9, 14, 20, text.length]) {
      const r = new CsvReader();
      const rows = [...r.push(text.slice(0, cut)), ...r.push(text.slice(cut)), ...r.end()];
      expect(rows).toEqual([
        ['a', 'b', 'c'],
        ['1', 'x, "y"', '3'],
        ['multi\nline', '', 'z'],
      ]);
    }
  });

  it('csvLine quotes what needs quoting and defuses formulas', () => {
    expect(csvLine(['a,b', 'say "hi"', '=SUM(A1)', -3])).toBe('"a,b","say ""hi""",\'=SUM(A1),-3\n');
  });
});

describe('row validation', () => {
  const good = {
    id: 'L1',
    client_id: 'C1',
    side: 'BUY',
    base: 'btc',
    quote: 'usdt',
    base_amount: '1.5',
    price: '60000.5',
    lock_time: '2026-03-01T12:30:15.250+08:00',
  };

  it('accepts a good lock, upper-cases coins and defaults quote_time to lock_time', () => {
    const v = validateLock(good);
    expect(v.ok).toBe(true);
    if (!v.ok) return;
    expect(v.value).toMatchObject({ side: 'buy', base: 'BTC', quote: 'USDT', lockTime: MS, quoteTime: MS });
    expect(v.value.baseAmount).toBe(parseAmount('1.5'));
  });

  it('reads a symbol in any venue notation when base/quote are absent', () => {
    const { base: _b, quote: _q, ...rest } = good;
    for (const symbol of ['BTC/USDT', 'BTC-USDT', 'btcusdt', 'BTC_USDT']) {
      const v = validateLock({ ...rest, symbol });
      expect(v.ok && v.value.base === 'BTC' && v.value.quote === 'USDT').toBe(true);
    }
  });

  it.each([
    [{ client_id: '' }, 'client_id', 'DG_E_MISSING_FIELD'],
    [{ base_amount: '-1' }, 'base_amount', 'DG_E_NEGATIVE'],
    [{ base_amount: '0' }, 'base_amount', 'DG_E_BAD_INPUT'],
    [{ base_amount: '1.2.3' }, 'base_amount', 'DG_E_BAD_DECIMAL'],
    [{ price: '1e-19' }, 'price', 'DG_E_OFF_GRID'],
    [{ side: 'hold' }, 'side', 'DG_E_BAD_SIDE'],
    [{ lock_time: 'soon' }, 'lock_time', 'DG_E_BAD_TIME'],
    [{ quote_time: '2026-03-01T05:00:00Z' }, 'quote_time', 'DG_E_BAD_TIME'],
  ])('rejects %o with field and code', (patch, field, code) => {
    const v = validateLock({ ...good, ...patch });
    expect(v.ok).toBe(false);
    if (v.ok) return;
    expect(v.errors).toContainEqual(expect.objectContaining({ field, code }));
  });

  it('validates hedges: method, fee in base converted at the average price, end before start', () => {
    const h = {
      id: 'H1',
      client_id: 'C1',
      side: 'sell',
      base: 'ETH',
      quote: 'USDT',
      amount: '2',
      avg_price: '3000',
      fee: '0.001',
      fee_coin: 'ETH',
      method: 'OTCHEDGE',
      start_time: 1_767_000_000,
    };
    const v = validateHedge(h);
    expect(v.ok).toBe(true);
    if (v.ok) {
      expect(v.value.fee).toBe(parseAmount('3'));
      expect(v.value.method).toBe('otchedge');
      expect(v.value.startTime).toBe(1_767_000_000_000);
    }
    expect(validateHedge({ ...h, method: 'magic' })).toMatchObject({
      ok: false,
      errors: [expect.objectContaining({ code: 'DG_E_BAD_METHOD' })],
    });
    expect(validateHedge({ ...h, end_time: 1_766_999_999 })).toMatchObject({
      ok: false,
      errors: [expect.objectContaining({ field: 'end_time' })],
    });
  });

  it('honours an explicit column mapping', () => {
    const v = validateLock(
      { order_no: 'X', cust: 'C9', dir: 'sell', base: 'BTC', quote: 'USDT', qty: '1', px: '2', ts: MS },
      {
        columns: { id: 'order_no', client_id: 'cust', side: 'dir', base_amount: 'qty', price: 'px', lock_time: 'ts' },
      },
    );
    expect(v).toMatchObject({ ok: true, value: { id: 'X', clientId: 'C9', side: 'sell' } });
  });
});
