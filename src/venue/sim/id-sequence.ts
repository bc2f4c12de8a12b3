/**
 * Sequential 24-hex-digit ids like KuCoin's (`5c35c02703aa673ceec2a168`): an 8-digit prefix
 * followed by a 16-digit counter. Hot path: `Number#toString(16)` is a slow runtime call, so the
 * low 16 bits come from a shared table of 4-digit strings and the rest of the id is rebuilt only
 * every 65,536 ids — one string concatenation per id.
 */
let LOW4: string[] | undefined;

function low4(): string[] {
  if (LOW4 === undefined) {
    LOW4 = new Array<string>(65_536);
    for (let i = 0; i < 65_536; i++) LOW4[i] = i.toString(16).padStart(4, '0');
  }
  return LOW4;
}

export function hexPad(n: number, width: number): string {
  const s = n.toString(16);
  return s.length >= width ? s.slice(s.length - width) : s.padStart(width, '0');
}

export class IdSequence {
  private readonly prefix: string;
  private readonly table: string[];
  private n = 0;
  /** prefix + the 12 high digits of the counter, valid for the current block of 65,536. */
  private head = '';

  /** `prefix`: 8 hex digits. */
  constructor(prefix: string) {
    if (!/^[0-9a-f]{8}$/.test(prefix)) throw new RangeError(`id prefix must be 8 hex digits: ${prefix}`);
    this.prefix = prefix;
    this.table = low4();
    this.head = prefix + hexPad(0, 12);
  }

  /** Ids issued so far. */
  get count(): number {
    return this.n;
  }

  next(): string {
    const n = ++this.n;
    const lo = n & 0xffff;
    if (lo === 0) this.head = this.prefix + hexPad(Math.floor(n / 65_536), 12);
    return this.head + this.table[lo];
  }
}
