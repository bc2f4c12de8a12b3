/**
 * Time-rotated log files (spec S0.4): a new file every `rotateMs`, files whose content ended more
 * than `maxAgeMs` ago deleted. A pino destination (`write(line)`), synchronous appends so a crash
 * loses nothing written. Files are `<prefix>-<UTC stamp>.log` in `dir`; the stamp is the file's start
 * (from the injected clock), so a file's content ends where the next file starts. Clock and timer are
 * injected: tests rotate with a tiny interval and a manual clock.
 */
import { closeSync, mkdirSync, openSync, readdirSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from '../../core/clock.js';

export interface RotatorTimer {
  /** Call fn every ms; returns a stop function. */
  every(ms: number, fn: () => void): () => void;
}

export const nodeRotatorTimer: RotatorTimer = {
  every(ms, fn) {
    const t = setInterval(fn, ms);
    t.unref();
    return () => clearInterval(t);
  },
};

export interface LogRotatorOptions {
  readonly dir: string;
  readonly prefix?: string;
  readonly rotateMs: number;
  readonly maxAgeMs: number;
  readonly clock: Clock;
  readonly timer?: RotatorTimer;
}

/** 2026-11-22T00:45:12.345Z → 20261122T004512345Z (sortable, filename-safe). */
export function stampOf(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:.]/g, '');
}

const STAMP_RE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})Z(?:-(\d+))?$/;

export function parseStamp(s: string): number | undefined {
  const m = STAMP_RE.exec(s);
  if (!m) return undefined;
  return Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6], +m[7]);
}

export class LogRotator {
  private fd: number | undefined;
  private currentName = '';
  private stopTimer: (() => void) | undefined;
  private readonly prefix: string;
  rotations = 0;
  deleted = 0;

  constructor(private readonly opts: LogRotatorOptions) {
    if (!(opts.rotateMs > 0)) throw new RangeError('rotateMs must be > 0');
    this.prefix = opts.prefix ?? 'deskgate';
    mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
    this.open();
    this.prune();
    this.stopTimer = (opts.timer ?? nodeRotatorTimer).every(opts.rotateMs, () => this.rotate());
  }

  /** Path of the file being written. */
  get current(): string {
    return join(this.opts.dir, this.currentName);
  }

  private open(): void {
    const base = `${this.prefix}-${stampOf(this.opts.clock.now())}`;
    const taken = new Set(readdirSync(this.opts.dir));
    let name = `${base}.log`;
    for (let i = 1; taken.has(name); i++) name = `${base}-${i}.log`;
    this.fd = openSync(join(this.opts.dir, name), 'a', 0o600);
    this.currentName = name;
  }

  write(line: string): boolean {
    if (this.fd !== undefined) writeSync(this.fd, line);
    return true;
  }

  /** Start a new file, then delete the expired ones. */
  rotate(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
    this.open();
    this.rotations++;
    this.prune();
  }

  /** Our files, oldest first, with their start times. */
  files(): { name: string; start: number }[] {
    const out: { name: string; start: number }[] = [];
    for (const name of readdirSync(this.opts.dir)) {
      if (!name.startsWith(`${this.prefix}-`) || !name.endsWith('.log')) continue;
      const start = parseStamp(name.slice(this.prefix.length + 1, -4));
      if (start !== undefined) out.push({ name, start });
    }
    return out.sort((a, b) => a.start - b.start || (a.name < b.name ? -1 : 1));
  }

  /** Delete every file (never the current one) whose content ended before now − maxAge. */
  prune(): number {
    const now = this.opts.clock.now();
    const files = this.files();
    let n = 0;
    for (let i = 0; i < files.length - 1; i++) {
      const f = files[i];
      if (f.name === this.currentName) continue;
      const end = files[i + 1].start;
      if (end < now - this.opts.maxAgeMs) {
        try {
          unlinkSync(join(this.opts.dir, f.name));
          n++;
        } catch {
          // already gone
        }
      }
    }
    this.deleted += n;
    return n;
  }

  close(): void {
    this.stopTimer?.();
    this.stopTimer = undefined;
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
