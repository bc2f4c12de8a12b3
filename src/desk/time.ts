/**
 * Time normalisation for imports: ISO-8601 strings with or without offsets, epoch seconds,
 * milliseconds, microseconds or nanoseconds (numbers or numeric strings) and Date objects all
 * become UTC epoch milliseconds. Pure: no clock, no local time zone.
 */

export type NaiveTimePolicy = 'utc' | 'reject';

export type TimeParse = { ok: true; ms: number } | { ok: false; why: string };

const ISO_RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|z|UTC|[+-]\d{2}(?::?\d{2})?)?$/;
const NUM_RE = /^-?\d+(?:\.\d+)?$/;
const MIN_MS = Date.UTC(1990, 0, 1);
const MAX_MS = Date.UTC(2200, 0, 1);

/** Epoch number of unknown unit → ms, by magnitude (s < 1e11 ≤ ms < 1e14 ≤ µs < 1e17 ≤ ns). */
export function epochToMs(v: number): number {
  const a = Math.abs(v);
  if (a < 1e11) return Math.round(v * 1000);
  if (a < 1e14) return Math.round(v);
  if (a < 1e17) return Math.round(v / 1000);
  return Math.round(v / 1e6);
}

function inRange(ms: number): TimeParse {
  if (!Number.isFinite(ms) || ms < MIN_MS || ms > MAX_MS) return { ok: false, why: 'outside 1990..2200' };
  return { ok: true, ms };
}

export function parseTime(value: unknown, naive: NaiveTimePolicy = 'utc'): TimeParse {
  if (value instanceof Date) return inRange(value.getTime());
  if (typeof value === 'number')
    return Number.isFinite(value) ? inRange(epochToMs(value)) : { ok: false, why: 'not finite' };
  if (typeof value === 'bigint') return inRange(epochToMs(Number(value)));
  if (typeof value !== 'string') return { ok: false, why: `unsupported type ${typeof value}` };
  const s = value.trim();
  if (s === '') return { ok: false, why: 'empty' };
  if (NUM_RE.test(s)) {
    // Integer strings are parsed exactly enough: 19-digit ns fit a double to within 1 µs.
    return inRange(epochToMs(Number(s)));
  }
  const m = ISO_RE.exec(s);
  if (!m) return { ok: false, why: `not ISO-8601 or epoch: ${JSON.stringify(s.slice(0, 40))}` };
  const [, y, mo, d, h = '0', mi = '0', se = '0', frac = '', tz] = m;
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(se);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return { ok: false, why: `field out of range: ${s}` };
  }
  const base = Date.UTC(Number(y), month - 1, day, hour, minute, second);
  const check = new Date(base);
  if (check.getUTCDate() !== day) return { ok: false, why: `no such date: ${s}` };
  const ms = base + Math.round(Number(`0.${frac || '0'}`) * 1000);
  if (tz === undefined) {
    if (naive === 'reject') return { ok: false, why: `no time-zone offset: ${s}` };
    return inRange(ms);
  }
  if (tz === 'Z' || tz === 'z' || tz === 'UTC') return inRange(ms);
  const sign = tz[0] === '-' ? -1 : 1;
  const digits = tz.slice(1).replace(':', '');
  const oh = Number(digits.slice(0, 2));
  const om = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
  if (oh > 14 || om > 59) return { ok: false, why: `bad offset ${tz}` };
  return inRange(ms - sign * (oh * 60 + om) * 60_000);
}
