/**
 * Time-rotated log files (S0.4): one file per `rotateMs` period, named
 * `<prefix>.<YYYYMMDD-HHMMSS>.log` after the period start (UTC), and files of this prefix whose
 * period ended more than `maxAgeMs` ago are deleted at each rotation. Time comes from the
 * injected clock, so rotation and pruning are tested without waiting.
 */
import { appendFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Clock } from '../../core/clock.js';
import { dgError } from '../../core/errors.js';

export interface RotatingLogOptions {
  readonly dir: string;
  readonly prefix: string;
  readonly rotateMs: number;
  readonly maxAgeMs: number;
  readonly clock: Clock;
}

function stamp(ms: number): string {
  const d = new Date(ms);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}-${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
}

function parseStamp(s: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})$/.exec(s);
  if (!m) return undefined;
  return Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
}

export class RotatingLog {
  private periodStart = -1;
  private file = '';

  constructor(private readonly o: RotatingLogOptions) {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(o.prefix)) throw dgError('DG_E_BAD_CONFIG', `log prefix ${o.prefix}`);
    if (!(o.rotateMs >= 1000) || !(o.maxAgeMs >= o.rotateMs)) throw dgError('DG_E_BAD_CONFIG', 'rotate/max age');
    mkdirSync(o.dir, { recursive: true });
  }

  /** Current file path (after the first write). */
  get current(): string {
    return this.file;
  }

  write(line: string): void {
    const now = this.o.clock.now();
    const start = now - (now % this.o.rotateMs);
    if (start !== this.periodStart) {
      this.periodStart = start;
      this.file = path.join(this.o.dir, `${this.o.prefix}.${stamp(start)}.log`);
      this.prune(now);
    }
    appendFileSync(this.file, line.endsWith('\n') ? line : line + '\n');
  }

  /** Delete this prefix's files whose period ended more than maxAge ago. */
  prune(now = this.o.clock.now()): string[] {
    const gone: string[] = [];
    const re = new RegExp(`^${this.o.prefix}\\.(\\d{8}-\\d{6})\\.log$`);
    for (const name of readdirSync(this.o.dir)) {
      const m = re.exec(name);
      const t = m ? parseStamp(m[1]) : undefined;
      if (t === undefined) continue;
      if (now - (t + this.o.rotateMs) > this.o.maxAgeMs) {
        rmSync(path.join(this.o.dir, name), { force: true });
        gone.push(name);
      }
    }
    return gone;
  }
}
