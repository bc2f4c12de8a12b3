/**
 * Outbox delivery (S2.6): pending alert rows whose next_attempt_at has come are sent per channel,
 * within each channel's per-minute limit. When more alerts wait than the limit allows, several
 * are merged into one message (up to `maxPerMessage` and the channel's size limit). A row turns
 * `sent` only after the service accepted its message; failures back off exponentially
 * (base × 2^attempts, capped), rate-limit replies wait the service's Retry-After (DingTalk
 * 130101: 10 minutes). Rows are never dropped.
 */
import type { Clock } from '../core/clock.js';
import type { OtcStore, OutboxRow } from '../store/otc-store.js';
import { MinuteLimiter } from '../notify/rate-limit.js';
import type { Notifier } from '../notify/types.js';
import { renderAlerts, type DeskAlert, type Language } from './alerts.js';

export interface DeliverOptions {
  readonly language: Language;
  readonly retryBaseMs: number;
  readonly retryMaxMs: number;
  readonly maxPerMessage: number;
}

export interface DeliverResult {
  sent: number;
  messages: number;
  failed: number;
  deferred: number;
  errors: string[];
}

export function backoffMs(attempts: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.min(attempts, 30));
}

export class OutboxDelivery {
  private readonly limiters = new Map<string, MinuteLimiter>();

  constructor(
    private readonly store: OtcStore,
    private readonly notifiers: readonly Notifier[],
    private readonly clock: Clock,
    private readonly opts: DeliverOptions,
  ) {}

  private async limiter(n: Notifier): Promise<MinuteLimiter> {
    let l = this.limiters.get(n.name);
    if (!l) {
      // Prime from the store so a restart does not burst past the service's limit.
      const now = this.clock.now();
      l = new MinuteLimiter(n.perMinute, await this.store.sentTimes(n.name, now - 60_000));
      this.limiters.set(n.name, l);
    }
    return l;
  }

  /** Earliest time some channel can send again (for schedulers). */
  nextSendAt(): number {
    const now = this.clock.now();
    let t = Infinity;
    for (const l of this.limiters.values()) t = Math.min(t, l.nextAt(now));
    return t;
  }

  async deliver(): Promise<DeliverResult> {
    const result: DeliverResult = { sent: 0, messages: 0, failed: 0, deferred: 0, errors: [] };
    const due = await this.store.duePending(this.clock.now(), 10_000);
    const byChannel = new Map<string, OutboxRow[]>();
    for (const r of due) {
      let list = byChannel.get(r.channel);
      if (!list) byChannel.set(r.channel, (list = []));
      list.push(r);
    }
    for (const [channel, rows] of byChannel) {
      const n = this.notifiers.find((x) => x.name === channel);
      if (!n) {
        // Channel removed from the config: keep the rows, look again later.
        result.deferred += rows.length;
        continue;
      }
      await this.deliverChannel(n, rows, result);
    }
    return result;
  }

  private async deliverChannel(n: Notifier, rows: OutboxRow[], result: DeliverResult): Promise<void> {
    const limiter = await this.limiter(n);
    let i = 0;
    while (i < rows.length) {
      const now = this.clock.now();
      const slots = limiter.available(now);
      if (slots === 0) {
        result.deferred += rows.length - i;
        return;
      }
      // Merge so that what remains fits in the slots left this minute.
      const perMessage = Math.min(this.opts.maxPerMessage, Math.max(1, Math.ceil((rows.length - i) / slots)));
      const chunk: OutboxRow[] = [];
      const alerts: DeskAlert[] = [];
      while (i < rows.length && chunk.length < perMessage) {
        const a = JSON.parse(rows[i].payload) as DeskAlert;
        const candidate = renderAlerts([...alerts, a], this.opts.language);
        if (chunk.length > 0 && Math.max(candidate.markdown.length, candidate.text.length) > n.maxChars) break;
        chunk.push(rows[i]);
        alerts.push(a);
        i++;
      }
      const msg = renderAlerts(alerts, this.opts.language);
      limiter.record(now);
      const out = await n.send(msg);
      const ids = chunk.map((r) => r.id);
      const after = this.clock.now();
      if (out.ok) {
        await this.store.markSent(ids, after);
        result.sent += ids.length;
        result.messages++;
        continue;
      }
      result.failed += ids.length;
      result.errors.push(`${n.name}: ${out.code} ${out.detail}`);
      const attempts = Math.max(...chunk.map((r) => r.attempts));
      if (out.code === 'DG_E_NOTIFY_RATE_LIMITED') {
        const until = after + (out.retryAfterMs ?? backoffMs(attempts, this.opts.retryBaseMs, this.opts.retryMaxMs));
        limiter.block(until);
        await this.store.markRetry(ids, until, `${out.code} ${out.detail}`);
        result.deferred += rows.length - i;
        return;
      }
      await this.store.markRetry(
        ids,
        after + backoffMs(attempts, this.opts.retryBaseMs, this.opts.retryMaxMs),
        `${out.code} ${out.detail}`,
      );
      if (out.code === 'DG_E_NOTIFY_UNREACHABLE' || out.code === 'DG_E_NOTIFY_BAD_SIGNATURE') {
        // The channel is down or misconfigured: leave the rest for the next round.
        result.deferred += rows.length - i;
        return;
      }
    }
  }
}
