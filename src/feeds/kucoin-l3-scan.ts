/**
 * Hand-written scanner for the known shape of a KuCoin L3 frame: one JSON object with string
 * members type/topic/subject and an object member `data` whose members are strings or unsigned
 * integers. It exists because JSON.parse builds a whole object graph per frame; this reads the
 * dozen fields the decoder needs and allocates only the strings it must pass on.
 *
 * Speed comes from never looping over characters in JS where a builtin can: string ends are
 * found with indexOf('"'), the usual frame head `{"type":"message","topic":"…","subject":"` is
 * matched with one startsWith, and a frame containing any backslash goes the slow way (so no
 * string here ever holds an escape).
 *
 * Strictness: anything outside this subset (escapes, nested values other than data, literals or
 * fractional/signed numbers in the fields read, bad structure) returns false and the caller
 * falls back to JSON.parse, which decides. What the scanner accepts it reads exactly as
 * JSON.parse would (a later duplicate key wins; values are the same text). One deliberate
 * difference: raw control characters inside string values of fields the decoder ignores (e.g.
 * "symbol") are not looked for; the fields it reads are all validated character by character
 * by the decoder (ids must be printable, decimals and enums exact).
 *
 * Numbers: sequence is read to a number when it is ≤ 16 digits; ns timestamps (ts, time,
 * orderTime, as strings or numbers) are read straight to integer ms, exactly as the decoder's
 * nsToMs would; everything else is handed on as its source text.
 */
import type { KucoinL3Raw } from './kucoin-l3-wire.js';
import { DECIMAL_IN_SRC, resetRaw } from './kucoin-l3-wire.js';

const SIDES = ['buy', 'sell'];
const REASONS = ['filled', 'canceled'];
const KINDS = ['open', 'done', 'match', 'update', 'received', 'change', 'activate', 'activated'];
const SUBJECTS = [
  'open',
  'done',
  'match',
  'update',
  'received',
  'trade.l3open',
  'trade.l3done',
  'trade.l3match',
  'trade.l3change',
  'trade.l3received',
];
const TYPES = ['message'];

/**
 * A flat (sequential) copy of a string built by concatenation. V8 keeps `a + b` and template
 * literals as rope (cons) strings, and character access and startsWith on those take a slow
 * path on every call; the literals compared on the hot path are flattened once when built.
 */
export function flat(x: string): string {
  return Buffer.from(x, 'utf8').toString('utf8');
}

/**
 * Does s hold `lit` at i? A plain loop: for the short literals here it is about twice as fast
 * as String.prototype.startsWith with a position (measured on Node 20).
 */
function eqAt(s: string, i: number, lit: string): boolean {
  const n = lit.length;
  for (let j = 0; j < n; j++) if (s.charCodeAt(i + j) !== lit.charCodeAt(j)) return false;
  return true;
}

/** The value of s[a, b) as one of `cands` when equal (no allocation), else a fresh slice. */
function pick(s: string, a: number, b: number, cands: readonly string[]): string {
  const len = b - a;
  for (let k = 0; k < cands.length; k++) {
    const c = cands[k];
    if (c.length === len && eqAt(s, a, c)) return c;
  }
  return s.slice(a, b);
}

/** Skip JSON whitespace (callers only call it when s[i] ≤ 32). */
function ws(s: string, i: number): number {
  for (;;) {
    const c = s.charCodeAt(i);
    if (c === 32 || c === 10 || c === 13 || c === 9) i++;
    else return i;
  }
}

function digitsEnd(s: string, i: number): number {
  for (;;) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) i++;
    else return i;
  }
}

/** Value of the digits s[a, b) (caller guarantees digits, b - a ≤ 16). */
function digitValue(s: string, a: number, b: number): number {
  let v = 0;
  for (let i = a; i < b; i++) v = v * 10 + (s.charCodeAt(i) - 48);
  return v;
}

/** Are s[a, b) all digits? */
function allDigits(s: string, a: number, b: number): boolean {
  for (let i = a; i < b; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return a < b;
}

/** ns digits s[a, b) → integer ms (as the decoder's nsToMs), or -1 if not ns digits. */
function nsDigitsToMs(s: string, a: number, b: number): number {
  const n = b - a;
  if (n < 1 || n > 22) return -1;
  const cut = n <= 6 ? a : b - 6;
  let v = 0;
  for (let i = a; i < cut; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return allDigits(s, cut, b) ? v : -1;
}

/** End of a JSON number token starting at i (strict grammar); -1 if it is not one. */
function numEnd(s: string, i: number): number {
  if (s.charCodeAt(i) === 45) i++;
  const c0 = s.charCodeAt(i);
  if (c0 === 48) i++;
  else if (c0 >= 49 && c0 <= 57) i = digitsEnd(s, i + 1);
  else return -1;
  if (s.charCodeAt(i) === 46) {
    const j = digitsEnd(s, i + 1);
    if (j === i + 1) return -1;
    i = j;
  }
  const e = s.charCodeAt(i);
  if (e === 101 || e === 69) {
    i++;
    const sg = s.charCodeAt(i);
    if (sg === 43 || sg === 45) i++;
    const j = digitsEnd(s, i);
    if (j === i) return -1;
    i = j;
  }
  return i;
}

/** End of a scalar (string/number/true/false/null) starting at i; -1 otherwise. */
function scalarEnd(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (c === 34) {
    const e = s.indexOf('"', i + 1);
    return e < 0 ? -1 : e + 1;
  }
  if (c === 116) return s.startsWith('true', i) ? i + 4 : -1;
  if (c === 102) return s.startsWith('false', i) ? i + 5 : -1;
  if (c === 110) return s.startsWith('null', i) ? i + 4 : -1;
  return numEnd(s, i);
}

// Field ids for data members.
const F_NONE = 0;
const F_KIND = 1;
const F_SIDE = 2;
const F_SIZE = 3;
const F_TIME = 4;
const F_TS = 5;
const F_PRICE = 6;
const F_REASON = 7;
const F_ORDER_ID = 8;
const F_TRADE_ID = 9;
const F_NEW_SIZE = 10;
const F_SEQUENCE = 11;
const F_CLIENT_OID = 12;
const F_ORDER_TIME = 13;
const F_MATCH_SIZE = 14;
const F_REMAIN_SIZE = 15;
const F_MAKER = 16;
const F_TAKER = 17;

/** Fields that may arrive as JSON numbers (sizes, prices, sequence, timestamps). */
const NUMERIC: readonly boolean[] = (() => {
  const a = new Array<boolean>(18).fill(false);
  for (const f of [F_SIZE, F_TIME, F_TS, F_PRICE, F_NEW_SIZE, F_SEQUENCE, F_ORDER_TIME, F_MATCH_SIZE, F_REMAIN_SIZE]) {
    a[f] = true;
  }
  return a;
})();

function fieldOf(s: string, a: number, len: number): number {
  switch (len) {
    case 2:
      return s.startsWith('ts', a) ? F_TS : F_NONE;
    case 4:
      if (s.startsWith('type', a)) return F_KIND;
      if (s.startsWith('side', a)) return F_SIDE;
      if (s.startsWith('size', a)) return F_SIZE;
      if (s.startsWith('time', a)) return F_TIME;
      return F_NONE;
    case 5:
      return s.startsWith('price', a) ? F_PRICE : F_NONE;
    case 6:
      return s.startsWith('reason', a) ? F_REASON : F_NONE;
    case 7:
      if (s.startsWith('orderId', a)) return F_ORDER_ID;
      if (s.startsWith('tradeId', a)) return F_TRADE_ID;
      if (s.startsWith('newSize', a)) return F_NEW_SIZE;
      return F_NONE;
    case 8:
      return s.startsWith('sequence', a) ? F_SEQUENCE : F_NONE;
    case 9:
      if (s.startsWith('clientOid', a)) return F_CLIENT_OID;
      if (s.startsWith('orderTime', a)) return F_ORDER_TIME;
      if (s.startsWith('matchSize', a)) return F_MATCH_SIZE;
      return F_NONE;
    case 10:
      return s.startsWith('remainSize', a) ? F_REMAIN_SIZE : F_NONE;
    case 12:
      if (s.startsWith('makerOrderId', a)) return F_MAKER;
      if (s.startsWith('takerOrderId', a)) return F_TAKER;
      return F_NONE;
    default:
      return F_NONE;
  }
}

/** Store field f = s[a, b) (the text of a string value or of an unsigned integer token). */
function setField(out: KucoinL3Raw, f: number, s: string, a: number, b: number): void {
  switch (f) {
    case F_KIND:
      out.kind = pick(s, a, b, KINDS);
      break;
    case F_SIDE:
      out.side = pick(s, a, b, SIDES);
      break;
    case F_SIZE:
      out.size = DECIMAL_IN_SRC;
      out.sizeA = a;
      out.sizeB = b;
      break;
    case F_TIME:
    case F_TS: {
      const ms = nsDigitsToMs(s, a, b);
      if (f === F_TS) out.ts = ms < 0 ? s.slice(a, b) : '';
      else out.time = ms < 0 ? s.slice(a, b) : '';
      // ts wins over time in the decoder; keep that order for the pre-read ms too.
      if (ms >= 0 && (f === F_TS || out.ts === undefined)) out.tsMs = ms;
      else if (ms < 0 && f === F_TS) out.tsMs = undefined;
      break;
    }
    case F_PRICE:
      out.price = DECIMAL_IN_SRC;
      out.priceA = a;
      out.priceB = b;
      break;
    case F_REASON:
      out.reason = pick(s, a, b, REASONS);
      break;
    case F_ORDER_ID:
      out.orderId = s.slice(a, b);
      break;
    case F_TRADE_ID:
      out.tradeId = s.slice(a, b);
      break;
    case F_NEW_SIZE:
      out.newSize = s.slice(a, b);
      break;
    case F_SEQUENCE:
      out.sequence = b - a <= 16 && allDigits(s, a, b) ? digitValue(s, a, b) : s.slice(a, b);
      break;
    case F_CLIENT_OID:
      out.clientOid = s.slice(a, b);
      break;
    case F_ORDER_TIME: {
      const ms = nsDigitsToMs(s, a, b);
      out.orderTime = ms < 0 ? s.slice(a, b) : '';
      out.orderTimeMs = ms < 0 ? undefined : ms;
      break;
    }
    case F_MATCH_SIZE:
      out.matchSize = s.slice(a, b);
      break;
    case F_REMAIN_SIZE:
      out.remainSize = DECIMAL_IN_SRC;
      out.remainA = a;
      out.remainB = b;
      break;
    case F_MAKER:
      out.makerOrderId = s.slice(a, b);
      break;
    case F_TAKER:
      out.takerOrderId = s.slice(a, b);
      break;
  }
}

/**
 * Key-order templates: KuCoin sends the members of each message kind in a fixed order, so the
 * scanner remembers, per subject, the `"key":` literals of the last frame and first tries the
 * next expected literal with one startsWith. A miss falls back to reading the key generically
 * and re-learns the template from that frame. Templates only predict; they never change what
 * a frame means.
 */
interface KeyTemplate {
  lits: string[];
  fids: number[];
}
const TEMPLATES = new Map<string, KeyTemplate>();
const MAX_TEMPLATE_KEYS = 24;

/** Scan the data object starting at i ('{'); returns the index after its '}' or -1. */
function scanData(s: string, i: number, out: KucoinL3Raw, subject: unknown): number {
  if (s.charCodeAt(i) !== 123) return -1;
  i++;
  if (s.charCodeAt(i) <= 32) i = ws(s, i);
  if (s.charCodeAt(i) === 125) return i + 1;
  const tpl = typeof subject === 'string' ? TEMPLATES.get(subject) : undefined;
  let learn: KeyTemplate | undefined;
  for (let k = 0; ; k++) {
    let f: number;
    const lit = tpl !== undefined && k < tpl.lits.length ? tpl.lits[k] : undefined;
    if (lit !== undefined && learn === undefined && eqAt(s, i, lit)) {
      f = (tpl as KeyTemplate).fids[k];
      i += lit.length;
    } else {
      if (s.charCodeAt(i) !== 34) return -1;
      const ks = i + 1;
      const ke = s.indexOf('"', ks);
      if (ke < 0) return -1;
      i = ke + 1;
      if (s.charCodeAt(i) <= 32) i = ws(s, i);
      if (s.charCodeAt(i) !== 58) return -1;
      i++;
      f = fieldOf(s, ks, ke - ks);
      if (typeof subject === 'string' && k < MAX_TEMPLATE_KEYS) {
        // First miss: keep the k keys that matched, then record the rest of this frame.
        if (learn === undefined) {
          learn =
            tpl !== undefined ? { lits: tpl.lits.slice(0, k), fids: tpl.fids.slice(0, k) } : { lits: [], fids: [] };
        }
        learn.lits.push(flat(`"${s.slice(ks, ke)}":`));
        learn.fids.push(f);
      }
    }
    if (s.charCodeAt(i) <= 32) i = ws(s, i);
    const c = s.charCodeAt(i);
    if (c === 34) {
      const ve = s.indexOf('"', i + 1);
      if (ve < 0) return -1;
      if (f !== F_NONE) setField(out, f, s, i + 1, ve);
      i = ve + 1;
    } else if (f === F_NONE) {
      const ve = scalarEnd(s, i);
      if (ve < 0) return -1;
      i = ve;
    } else {
      // A field read here must be a string, or for numeric fields a plain unsigned integer
      // token (its text then means what the number JSON.parse gives means); anything else
      // (fractions, exponents, signs, literals, numbers for string fields) goes the slow way.
      if (!NUMERIC[f]) return -1;
      const ve = digitsEnd(s, i);
      if (ve === i || (c === 48 && ve - i > 1)) return -1;
      const t = s.charCodeAt(ve);
      if (t === 46 || t === 101 || t === 69) return -1;
      setField(out, f, s, i, ve);
      i = ve;
    }
    if (s.charCodeAt(i) <= 32) i = ws(s, i);
    const d = s.charCodeAt(i);
    if (d === 44) {
      i++;
      if (s.charCodeAt(i) <= 32) i = ws(s, i);
      continue;
    }
    if (d === 125) {
      if (learn !== undefined && typeof subject === 'string' && TEMPLATES.size < 64) TEMPLATES.set(subject, learn);
      return i + 1;
    }
    return -1;
  }
}

/**
 * Scan a whole frame into `out` (reset first). `heads` are the usual frame heads
 * `{"type":"message","topic":"<topic>","subject":"` with the topic each stands for (`topics`).
 * Returns false when the frame is outside the fast subset (the caller then uses JSON.parse).
 */
export function scanKucoinL3(
  s: string,
  out: KucoinL3Raw,
  heads: readonly string[],
  topics: readonly string[],
): boolean {
  resetRaw(out);
  out.src = s;
  if (s.indexOf('\\') >= 0) return false;
  let i = 0;
  // Usual head: one compare instead of three key/value scans.
  for (let k = 0; k < heads.length; k++) {
    const h = heads[k];
    // lastIndexOf(h, 0) looks at position 0 only and compares with memcmp speed: ~3× faster
    // than startsWith or a charCodeAt loop over these ~70 characters (Node 20).
    if (s.lastIndexOf(h, 0) === 0) {
      const ve = s.indexOf('"', h.length);
      if (ve < 0) return false;
      out.type = 'message';
      out.topic = topics[k];
      out.subject = pick(s, h.length, ve, SUBJECTS);
      i = ve + 1;
      if (s.charCodeAt(i) <= 32) i = ws(s, i);
      if (s.charCodeAt(i) !== 44) return scanEnd(s, i);
      i++;
      if (s.charCodeAt(i) <= 32) i = ws(s, i);
      return scanMembers(s, i, out, topics);
    }
  }
  if (s.charCodeAt(i) <= 32) i = ws(s, i);
  if (s.charCodeAt(i) !== 123) return false;
  i++;
  if (s.charCodeAt(i) <= 32) i = ws(s, i);
  return scanMembers(s, i, out, topics);
}

function scanEnd(s: string, i: number): boolean {
  if (s.charCodeAt(i) !== 125) return false;
  i++;
  return (s.charCodeAt(i) <= 32 ? ws(s, i) : i) === s.length;
}

/** Top-level members from i (at a key) to the closing brace and end of text. */
function scanMembers(s: string, i: number, out: KucoinL3Raw, topics: readonly string[]): boolean {
  for (;;) {
    if (s.charCodeAt(i) !== 34) return false;
    const ks = i + 1;
    const ke = s.indexOf('"', ks);
    if (ke < 0) return false;
    const klen = ke - ks;
    i = ke + 1;
    if (s.charCodeAt(i) <= 32) i = ws(s, i);
    if (s.charCodeAt(i) !== 58) return false;
    i++;
    if (s.charCodeAt(i) <= 32) i = ws(s, i);
    if (klen === 4 && s.startsWith('data', ks)) {
      if (out.hasData) return false; // duplicate "data": let JSON.parse decide
      i = scanData(s, i, out, out.subject);
      if (i < 0) return false;
      out.hasData = true;
    } else if (s.charCodeAt(i) === 34) {
      const vs = i + 1;
      const ve = s.indexOf('"', vs);
      if (ve < 0) return false;
      if (klen === 4 && s.startsWith('type', ks)) out.type = pick(s, vs, ve, TYPES);
      else if (klen === 5 && s.startsWith('topic', ks)) out.topic = pick(s, vs, ve, topics);
      else if (klen === 7 && s.startsWith('subject', ks)) out.subject = pick(s, vs, ve, SUBJECTS);
      i = ve + 1;
    } else {
      if (
        (klen === 4 && s.startsWith('type', ks)) ||
        (klen === 5 && s.startsWith('topic', ks)) ||
        (klen === 7 && s.startsWith('subject', ks))
      ) {
        return false;
      }
      const ve = scalarEnd(s, i);
      if (ve < 0) return false;
      i = ve;
    }
    if (s.charCodeAt(i) <= 32) i = ws(s, i);
    const d = s.charCodeAt(i);
    if (d === 44) {
      i++;
      if (s.charCodeAt(i) <= 32) i = ws(s, i);
      continue;
    }
    return scanEnd(s, i);
  }
}
