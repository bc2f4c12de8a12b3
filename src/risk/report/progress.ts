/**
 * A progress bar for long simulations, written to a stream (stderr): redrawn in place on a
 * TTY, or a line per 10 % otherwise. Time comes from an injected clock.
 */
import type { Clock } from '../../core/clock.js';

export interface ProgressSink {
  write(s: string): unknown;
  readonly isTTY?: boolean;
}

export function progressBar(
  sink: ProgressSink,
  clock: Clock,
  label: string,
  width = 30,
): { update(done: number, total: number): void; finish(): void } {
  const t0 = clock.now();
  let lastDraw = -Infinity;
  let lastDecile = -1;
  let drawn = false;
  return {
    update(done: number, total: number): void {
      const f = total > 0 ? done / total : 1;
      const now = clock.now();
      const el = (now - t0) / 1000;
      const eta = f > 0 ? (el * (1 - f)) / f : 0;
      const line = `${label} [${'#'.repeat(Math.round(f * width)).padEnd(width, '.')}] ${(f * 100).toFixed(0).padStart(3)}% ${done}/${total} ${el.toFixed(1)}s eta ${eta.toFixed(1)}s`;
      if (sink.isTTY) {
        if (now - lastDraw < 100 && done < total) return;
        lastDraw = now;
        sink.write(`\r${line}`);
        drawn = true;
      } else {
        const d = Math.floor(f * 10);
        if (d === lastDecile) return;
        lastDecile = d;
        sink.write(`${line}\n`);
      }
    },
    finish(): void {
      if (sink.isTTY && drawn) sink.write('\n');
    },
  };
}
