/** Exact rational numbers over bigint for book walks (no float in sums or fills). */
import { parseDecimal } from '../../core/decimal.js';

export class Rational {
  readonly n: bigint;
  readonly d: bigint;
  private constructor(n: bigint, d: bigint) {
    if (d < 0n) {
      n = -n;
      d = -d;
    }
    const g = gcd(n < 0n ? -n : n, d);
    this.n = g > 1n ? n / g : n;
    this.d = g > 1n ? d / g : d;
  }
  static of(n: bigint, d = 1n): Rational {
    if (d === 0n) throw new RangeError('division by zero');
    return new Rational(n, d);
  }
  /** Exact value of a decimal string ("60000.5", "1e-8"). */
  static parse(text: string): Rational {
    const p = parseDecimal(text);
    const v = p.neg ? -p.digits : p.digits;
    return p.scale >= 0 ? new Rational(v, 10n ** BigInt(p.scale)) : new Rational(v * 10n ** BigInt(-p.scale), 1n);
  }
  static readonly ZERO = new Rational(0n, 1n);
  add(o: Rational): Rational {
    return new Rational(this.n * o.d + o.n * this.d, this.d * o.d);
  }
  sub(o: Rational): Rational {
    return new Rational(this.n * o.d - o.n * this.d, this.d * o.d);
  }
  mul(o: Rational): Rational {
    return new Rational(this.n * o.n, this.d * o.d);
  }
  div(o: Rational): Rational {
    if (o.n === 0n) throw new RangeError('division by zero');
    return new Rational(this.n * o.d, this.d * o.n);
  }
  cmp(o: Rational): -1 | 0 | 1 {
    const a = this.n * o.d;
    const b = o.n * this.d;
    return a < b ? -1 : a > b ? 1 : 0;
  }
  isZero(): boolean {
    return this.n === 0n;
  }
  toNumber(): number {
    return Number(this.n) / Number(this.d);
  }
  /** Decimal string rounded half-up to `places` decimals, trailing zeros removed. */
  toDecimal(places: number): string {
    const neg = this.n < 0n;
    const n = neg ? -this.n : this.n;
    const f = 10n ** BigInt(places);
    const q = (n * f * 2n + this.d) / (this.d * 2n);
    let s = q.toString();
    if (places > 0) {
      s = s.padStart(places + 1, '0');
      s = `${s.slice(0, -places)}.${s.slice(-places)}`.replace(/\.?0+$/, '');
    }
    return neg && q !== 0n ? `-${s}` : s;
  }
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}
