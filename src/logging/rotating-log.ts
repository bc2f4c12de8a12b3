/**
 * Time-rotated log files (spec S0.4), shared by the Dealer daemon and `deskgate serve`.
 *
 * - One file per period: `<prefix>-<YYYYMMDDTHHMMSSZ>.log` in `dir`, the stamp being the UTC start
 *   of the period (periods are multiples of `rotateMs` since the epoch, so `24h` → midnight UTC). A
 *   restart inside a period appends to that period's file.
 * - Files of this prefix whose period ended more than `maxAgeMs` ago are deleted at each rotation
 *   and on every timer tick (so they go even when nothing is logged), the names older versions
 *   wrote included (serve's stamp with ms and `-N`, the Dealer's `<prefix>.YYYYMMDD-HHMMSS.log`);
 *   other files are never touched.
 * - No syscall per line: `write` appends to an in-memory batch which reaches the OS in one
 *   `writeSync` at the end of the current event-loop turn (or sooner once it holds 64 KiB). `close`,
 *   a rotation and process exit (incl. an uncaught exception) flush it, so a crash loses only what
 *   the OS had not written yet — or, on SIGKILL, the lines of the turn that was running.
 * - Time comes from the injected clock and the idle tick from the injected timer: tests rotate and
 *   prune with a manual clock, without waiting.
 */
import { closeSync, mkdirSync, openSync, readdirSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from '../core/clock.js';
import { dgError } from '../core/errors.js';

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

export interface RotatingLogOptions {
  readonly dir: string;
  /** File name prefix, `[A-Za-z0-9_-]{1,64}`. */
  readonly prefix: string;
  readonly rotateMs: number;
  readonly maxAgeMs: number;
  readonly clock: Clock;
  /** Idle tick (rotation without writes, pruning); default setInterval, unref'd. */
  readonly timer?: RotatorTimer;
}

/** Batch size that is written at once instead of waiting for the end of the turn. */
const FLUSH_BYTES = 64 * 1024;
/** The idle tick: every period, at most a minute apart. */
const MAX_TICK_MS = 60_000;

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** 2026-11-22T00:45:12.345Z → 20261122T004512Z (ISO 8601 basic, UTC, whole seconds). */
export function stampOf(ms: number): string {
  const d = new Date(ms);
  return (
    `${pad(d.getUTCFullYear(), 4)}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}` +
    `T${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}Z`
  );
}

/** Also reads the older serve stamp with milliseconds (20261122T004512345Z), so those files age out. */
const STAMP_RE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})?Z$/;

export function parseStamp(s: string): number | undefined {
  const m = STAMP_RE.exec(s);
  if (!m) return undefined;
  return Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6], m[7] === undefined ? 0 : +m[7]);
}

/** File name of the period starting at `periodStart`. */
export function logFileName(prefix: string, periodStart: number): string {
  return `${prefix}-${stampOf(periodStart)}.log`;
}

// Logs still open at process exit are flushed there (an uncaught exception exits through it too).
const openLogs = new Set<RotatingLog>();
let exitHooked = false;
function track(log: RotatingLog): void {
  openLogs.add(log);
  if (exitHooked) return;
  exitHooked = true;
  process.on('exit', () => {
    for (const l of openLogs) l.flush();
  });
}

export class RotatingLog {
  private fd: number | undefined;
  private currentName = '';
  private periodStart = 0;
  private batch: string[] = [];
  private batchBytes = 0;
  private flushQueued = false;
  private closed = false;
  private stopTimer: (() => void) | undefined;
  private readonly nameRe: RegExp;
  private readonly legacyRe: RegExp;
  rotations = 0;
  deleted = 0;
  /** Flushes that failed (e.g. disk full); their lines are lost, the log carries on. */
  writeErrors = 0;

  constructor(private readonly o: RotatingLogOptions) {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(o.prefix)) throw dgError('DG_E_BAD_CONFIG', `log prefix ${o.prefix}`);
    if (!(o.rotateMs >= 1000) || !(o.maxAgeMs >= o.rotateMs))
      throw dgError('DG_E_BAD_CONFIG', 'logs: rotate_time must be ≥ 1s and max_age ≥ rotate_time');
    // Legacy serve names carried a `-N` suffix on a stamp collision: still ours, still pruned.
    this.nameRe = new RegExp(`^${o.prefix}-(\\d{8}T\\d{6}(?:\\d{3})?Z)(?:-\\d+)?\\.log$`);
    // The Dealer's names before this rotator (`<prefix>.YYYYMMDD-HHMMSS.log`, UTC period start).
    this.legacyRe = new RegExp(`^${o.prefix}\\.(\\d{8})-(\\d{6})\\.log$`);
    mkdirSync(o.dir, { recursive: true, mode: 0o700 });
    this.open(o.clock.now());
    this.prune();
    track(this);
    this.stopTimer = (o.timer ?? nodeRotatorTimer).every(Math.min(o.rotateMs, MAX_TICK_MS), () => this.tick());
  }

  /** Path of the file being written. */
  get current(): string {
    return join(this.o.dir, this.currentName);
  }

  /** Buffer one line (a newline is added if missing); rotates first if the period has changed. */
  write(line: string): boolean {
    if (this.closed) return false;
    const now = this.o.clock.now();
    if (now < this.periodStart || now >= this.periodStart + this.o.rotateMs) this.rotate(now);
    const text = line.endsWith('\n') ? line : line + '\n';
    this.batch.push(text);
    this.batchBytes += text.length;
    if (this.batchBytes >= FLUSH_BYTES) this.flush();
    else if (!this.flushQueued) {
      this.flushQueued = true;
      setImmediate(() => {
        this.flushQueued = false;
        this.flush();
      });
    }
    return true;
  }

  /** Hand the buffered lines to the OS now (one write). Never throws. */
  flush(): void {
    if (this.batch.length === 0 || this.fd === undefined) return;
    const data = Buffer.from(this.batch.join(''), 'utf8');
    this.batch = [];
    this.batchBytes = 0;
    try {
      for (let off = 0; off < data.length;) off += writeSync(this.fd, data, off, data.length - off);
    } catch {
      this.writeErrors++;
    }
  }

  /** The timer's job: rotate if the period has changed (even with no writes), delete expired files. */
  tick(): void {
    if (this.closed) return;
    const now = this.o.clock.now();
    if (now < this.periodStart || now >= this.periodStart + this.o.rotateMs) this.rotate(now);
    else this.prune(now);
  }

  private open(now: number): void {
    this.periodStart = now - (((now % this.o.rotateMs) + this.o.rotateMs) % this.o.rotateMs);
    this.currentName = logFileName(this.o.prefix, this.periodStart);
    this.fd = openSync(join(this.o.dir, this.currentName), 'a', 0o600);
  }

  /** Flush into the old file, open the period's file, delete the expired ones. */
  private rotate(now: number): void {
    this.flush();
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    this.open(now);
    this.rotations++;
    this.prune(now);
  }

  /** Our files, oldest first, with their start times. */
  files(): { name: string; start: number }[] {
    const out: { name: string; start: number }[] = [];
    for (const name of readdirSync(this.o.dir)) {
      const m = this.nameRe.exec(name);
      const legacy = m ? undefined : this.legacyRe.exec(name);
      const start = m ? parseStamp(m[1]) : legacy ? parseStamp(`${legacy[1]}T${legacy[2]}Z`) : undefined;
      if (start !== undefined) out.push({ name, start });
    }
    return out.sort((a, b) => a.start - b.start || (a.name < b.name ? -1 : 1));
  }

  /** Delete every file of ours (never the current one) whose period ended before now − maxAge. */
  prune(now = this.o.clock.now()): number {
    let n = 0;
    for (const f of this.files()) {
      if (f.name === this.currentName || f.start + this.o.rotateMs >= now - this.o.maxAgeMs) continue;
      try {
        unlinkSync(join(this.o.dir, f.name));
        n++;
      } catch {
        // already gone
      }
    }
    this.deleted += n;
    return n;
  }

  /** Flush, close the file, stop the timer. Later writes are ignored. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    this.stopTimer?.();
    this.stopTimer = undefined;
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    openLogs.delete(this);
  }
}
