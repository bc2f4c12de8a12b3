/**
 * Deterministic random streams for the Monte Carlo: xoshiro128** on 32-bit integers, seeded per
 * (run seed, stream id) by a counter-based hash, so chunk k of a run draws the same numbers
 * whichever worker thread runs it. Normal variates come from a 128-layer Ziggurat
 * (Marsaglia & Tsang 2000) for the Student-t/gamma draws of GARCH, and from a 2^16-cell quantile
 * table (normal-table.ts, two normals per 32-bit draw) for GBM and Merton; uniforms are 32-bit
 * with a half-ulp offset, never 0 or 1.
 */
import { QUANT_BITS, QUANT_MASK, isTailCell, normalTable, tailThreshold } from './normal-table.js';

/** fmix32 of MurmurHash3: a bijective 32-bit mixer. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Hash of (seed, stream, word) into a 32-bit word; counter-based, order-free. */
export function streamWord(seed: number, stream: number, word: number): number {
  let h = fmix32((seed >>> 0) ^ 0x9e3779b9);
  h = fmix32(h ^ Math.imul((Math.floor(seed / 2 ** 32) >>> 0) + 0x7f4a7c15, 0x85ebca6b));
  h = fmix32(h ^ Math.imul((stream >>> 0) + 0x632be5ab, 0xc2b2ae35));
  h = fmix32(h ^ Math.imul((Math.floor(stream / 2 ** 32) >>> 0) + 0x165667b1, 0x27d4eb2f));
  return fmix32(h ^ Math.imul(word + 1, 0x9e3779b9));
}

const ZIG_N = 128;
const KN = new Uint32Array(ZIG_N);
const WN = new Float64Array(ZIG_N);
const FN = new Float64Array(ZIG_N);
const ZIG_R = 3.442619855899;
(function buildZiggurat(): void {
  const m1 = 2147483648.0;
  const vn = 9.91256303526217e-3;
  let dn = ZIG_R;
  let tn = dn;
  const q = vn / Math.exp(-0.5 * dn * dn);
  KN[0] = Math.floor((dn / q) * m1);
  KN[1] = 0;
  WN[0] = q / m1;
  WN[ZIG_N - 1] = dn / m1;
  FN[0] = 1.0;
  FN[ZIG_N - 1] = Math.exp(-0.5 * dn * dn);
  for (let i = ZIG_N - 2; i >= 1; i--) {
    dn = Math.sqrt(-2 * Math.log(vn / dn + Math.exp(-0.5 * dn * dn)));
    KN[i + 1] = Math.floor((dn / tn) * m1);
    tn = dn;
    FN[i] = Math.exp(-0.5 * dn * dn);
    WN[i] = dn / m1;
  }
})();

const U32 = 2 ** -32;

/** One xoshiro128** step on a 4-word state; returns the output as a signed 32-bit integer. */
export function xoshiroNext(st: Int32Array): number {
  const s0 = st[0];
  const s1 = st[1];
  let s2 = st[2];
  let s3 = st[3];
  const t = Math.imul(s1, 5);
  const r = Math.imul((t << 7) | (t >>> 25), 9);
  s2 ^= s0;
  s3 ^= s1;
  st[1] = s1 ^ s2;
  st[0] = s0 ^ s3;
  st[2] = s2 ^ (s1 << 9);
  st[3] = (s3 << 11) | (s3 >>> 21);
  return r;
}

function seedState(seed: number, stream: number, firstWord: number): Int32Array {
  const s = new Int32Array(6);
  s[4] = -1;
  for (let w = 0; w < 4; w++) s[w] = streamWord(seed, stream, firstWord + w) | 0;
  if ((s[0] | s[1] | s[2] | s[3]) === 0) s[0] = 1;
  return s;
}

export class Rng {
  /**
   * xoshiro128** state s0..s3, then at index 4 the unused upper 16-bit half of the last draw
   * that `normalQ` split (−1: none), and at index 5 a scratch word of the kernel's hot loop
   * (gbm-walk.ts), which takes the state into locals and hands it back with no object in between.
   */
  readonly state: Int32Array;
  /**
   * A second xoshiro128** stream (words 4–7 of the same seed hash) that only feeds the exact
   * tail draws of `normalTail`, so the hot loop never hands its main state over for them.
   */
  private readonly aux: Int32Array;

  /** A stream of run `seed` number `stream` (e.g. chunk index × pairs + pair). */
  constructor(seed: number, stream: number) {
    this.state = seedState(seed, stream, 0);
    this.aux = seedState(seed, stream, 4);
  }

  /** Next output as a signed 32-bit integer. */
  nextI32(): number {
    return xoshiroNext(this.state);
  }

  /** Next output as an unsigned 32-bit integer. */
  nextU32(): number {
    return this.nextI32() >>> 0;
  }

  /** Uniform on (0, 1). */
  uniform(): number {
    return ((this.nextI32() >>> 0) + 0.5) * U32;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /**
   * Standard normal from the quantised source (normal-table.ts): the low then the high 16-bit
   * half of one draw index the 2^16-cell table; the two extreme cells are sampled exactly.
   * The GBM and Merton models use this; the kernel's GBM walk inlines the same sequence.
   */
  normalQ(): number {
    const st = this.state;
    let i = st[4];
    if (i >= 0) st[4] = -1;
    else {
      const r = xoshiroNext(st);
      i = r & QUANT_MASK;
      st[4] = r >>> QUANT_BITS;
    }
    if (isTailCell(i)) return this.normalTail(i);
    return normalTable()[i];
  }

  /**
   * Exact draw from the tail cell `cell` (0: Z < −Z_TAIL, 2^16 − 1: Z ≥ Z_TAIL), Marsaglia's
   * tail method: x = −ln(U₁)/z, accept when −2 ln(U₂) > x², return z + x. Its uniforms come
   * from the auxiliary stream.
   */
  normalTail(cell: number): number {
    const z = tailThreshold();
    const aux = this.aux;
    let x: number;
    let y: number;
    do {
      x = -Math.log(((xoshiroNext(aux) >>> 0) + 0.5) * U32) / z;
      y = -Math.log(((xoshiroNext(aux) >>> 0) + 0.5) * U32);
    } while (y + y < x * x);
    return cell === 0 ? -z - x : z + x;
  }

  /** Standard normal variate (Ziggurat). */
  normal(): number {
    const hz = this.nextI32();
    const iz = hz & 127;
    if (Math.abs(hz) < KN[iz]) return hz * WN[iz];
    return this.normalSlow(hz, iz);
  }

  private normalSlow(hz: number, iz: number): number {
    for (;;) {
      if (iz === 0) {
        let x: number;
        let y: number;
        do {
          x = -Math.log(this.uniform()) / ZIG_R;
          y = -Math.log(this.uniform());
        } while (y + y < x * x);
        return hz > 0 ? ZIG_R + x : -ZIG_R - x;
      }
      const x = hz * WN[iz];
      if (FN[iz] + this.uniform() * (FN[iz - 1] - FN[iz]) < Math.exp(-0.5 * x * x)) return x;
      hz = this.nextI32();
      iz = hz & 127;
      if (Math.abs(hz) < KN[iz]) return hz * WN[iz];
    }
  }

  /** Gamma(shape, 1) variate (Marsaglia & Tsang 2000); shape > 0. */
  gamma(shape: number): number {
    if (shape < 1) return this.gamma(shape + 1) * Math.pow(this.uniform(), 1 / shape);
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = this.normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = this.uniform();
      if (u < 1 - 0.0331 * x * x * x * x) return d * v;
      if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
    }
  }

  /** Student-t variate with `nu` degrees of freedom scaled to unit variance (nu > 2). */
  studentTUnit(nu: number): number {
    const z = this.normal();
    const chi2 = 2 * this.gamma(nu / 2);
    return (z / Math.sqrt(chi2 / nu)) * Math.sqrt((nu - 2) / nu);
  }
}
