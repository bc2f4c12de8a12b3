/** Sliding one-minute window of sends per channel, plus a block-until after a rate-limit reply. Pure. */
export class MinuteLimiter {
  private readonly sends: number[] = [];
  private blockedUntil = 0;

  constructor(
    readonly perMinute: number,
    primed: readonly number[] = [],
  ) {
    this.sends.push(...primed);
  }

  private trim(now: number): void {
    while (this.sends.length && this.sends[0] <= now - 60_000) this.sends.shift();
  }

  /** Messages that may be sent right now. */
  available(now: number): number {
    if (now < this.blockedUntil) return 0;
    this.trim(now);
    return Math.max(0, this.perMinute - this.sends.length);
  }

  /** When the next message may go (ms epoch). */
  nextAt(now: number): number {
    if (now < this.blockedUntil) return this.blockedUntil;
    this.trim(now);
    if (this.sends.length < this.perMinute) return now;
    return this.sends[this.sends.length - this.perMinute] + 60_000;
  }

  record(now: number): void {
    this.sends.push(now);
  }

  block(until: number): void {
    if (until > this.blockedUntil) this.blockedUntil = until;
  }
}
