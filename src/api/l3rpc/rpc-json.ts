/**
 * JSON text for RPC replies that carry nanosecond timestamps: ms × 10⁶ is above 2⁵³, so such a
 * value is held as a `RawInteger` (exact decimal digits) and written as a bare JSON number —
 * what Go's encoder writes for an int64 and what Python's json module reads back exactly.
 */
export class RawInteger {
  constructor(readonly digits: string) {
    if (!/^-?\d{1,40}$/.test(digits)) throw new RangeError(`not an integer: ${digits.slice(0, 40)}`);
  }
}

/** ms (clock time) → ns as a RawInteger. */
export function nanos(ms: number): RawInteger {
  const whole = Math.trunc(ms);
  const frac = Math.round((ms - whole) * 1e6);
  return new RawInteger((BigInt(whole) * 1_000_000n + BigInt(frac)).toString());
}

export type JsonValue =
  | null
  | boolean
  | number
  | string
  | RawInteger
  | readonly JsonValue[]
  | { readonly [k: string]: JsonValue | undefined };

/** JSON.stringify with RawInteger support (undefined members are left out, as JSON.stringify does). */
export function toJsonText(v: JsonValue): string {
  if (v === null) return 'null';
  if (v instanceof RawInteger) return v.digits;
  if (Array.isArray(v)) return `[${(v as readonly JsonValue[]).map(toJsonText).join(',')}]`;
  if (typeof v === 'object') {
    const parts: string[] = [];
    for (const [k, x] of Object.entries(v as { readonly [k: string]: JsonValue | undefined })) {
      if (x !== undefined) parts.push(`${JSON.stringify(k)}:${toJsonText(x)}`);
    }
    return `{${parts.join(',')}}`;
  }
  if (typeof v === 'number' && !Number.isFinite(v)) return 'null';
  return JSON.stringify(v);
}
