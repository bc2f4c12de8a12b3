/**
 * Test double for the gateway kernel: a balance map with allocate / release / place, behind
 * commandRouter, journaling each accepted command with its idempotency key so a retried command is
 * answered from the first result. Publishes order and balance events on the bus it serves.
 */
import { z } from 'zod';
import { dgError } from '../../src/core/errors.js';
import type { Bus } from '../../src/bus/bus.js';
import { commandRouter, route, type CommandHandler, type CommandResult } from '../../src/bus/commands.js';
import { Journal } from '../../src/store/journal.js';

const units = z.string().regex(/^[0-9]{1,18}$/, 'integer units as a string');
const transfer = z.object({
  strategy: z.string().min(1).max(32),
  currency: z.string().min(1).max(16),
  amount: units,
  index: z.number().int().min(2).max(7),
});
const place = z.object({
  strategy: z.string().min(1).max(32),
  symbol: z.string().regex(/^[A-Z]+-[A-Z]+$/),
  side: z.enum(['buy', 'sell']),
  price: units,
  size: units,
  clientOid: z.string().min(1).max(40),
});

export class TestGateway {
  /** currency -> units in main (slot 1) */
  readonly main = new Map<string, bigint>();
  /** `${strategy}/${currency}` -> units */
  readonly slots = new Map<string, bigint>();
  readonly orders: Array<z.infer<typeof place> & { orderId: string }> = [];
  readonly journal = new Journal({ file: ':memory:' });
  private readonly results = new Map<string, CommandResult>();
  private readonly buses: Bus[] = [];

  constructor(initial: Record<string, bigint>) {
    for (const [c, v] of Object.entries(initial)) this.main.set(c, v);
  }

  attach(bus: Bus): void {
    this.buses.push(bus);
  }

  private async emit(type: string, data: unknown): Promise<void> {
    for (const b of this.buses) await b.publish({ type, data });
  }

  private slot(strategy: string, currency: string): bigint {
    return this.slots.get(`${strategy}/${currency}`) ?? 0n;
  }

  private move(strategy: string, currency: string, delta: bigint): CommandResult {
    const main = this.main.get(currency);
    if (main === undefined) return { ok: false, error: dgError('DG_E_LEDGER_UNKNOWN_CURRENCY', currency) };
    const s = this.slot(strategy, currency);
    if (delta > 0n && main < delta)
      return { ok: false, error: dgError('DG_E_LEDGER_INSUFFICIENT', `main ${main} < ${delta}`) };
    if (delta < 0n && s < -delta)
      return { ok: false, error: dgError('DG_E_LEDGER_INSUFFICIENT', `slot ${s} < ${-delta}`) };
    this.main.set(currency, main - delta);
    this.slots.set(`${strategy}/${currency}`, s + delta);
    return { ok: true, value: { currency, main: String(main - delta), slot: String(s + delta) } };
  }

  readonly handler: CommandHandler = async (cmd, payload, ctx) => {
    // idempotency: a retried command (same key) gets the first answer, and is journaled once
    if (ctx.key) {
      const seen = this.results.get(ctx.key);
      if (seen) return seen;
    }
    const r = await this.router(cmd, payload, ctx);
    if (r.ok) {
      this.journal.append({ kind: 'cmd', type: cmd, payload: payload ?? null, ...(ctx.key ? { key: ctx.key } : {}) });
      if (ctx.key) this.results.set(ctx.key, r);
    }
    return r;
  };

  /** Restart: rebuild state by replaying another gateway's journal through the same command logic. */
  async replayFrom(journal: Journal): Promise<void> {
    for (const e of journal.replay()) {
      if (e.kind !== 'cmd') continue;
      const ctx = { gateway: 'replay', transport: 'local' as const, id: `seq-${e.seq}`, key: e.key ?? undefined };
      const r = await this.handler(e.type, e.payload, ctx);
      if (!r.ok) throw r.error;
    }
  }

  private readonly router: CommandHandler = commandRouter({
    allocate: route(transfer, async (p) => {
      const r = this.move(p.strategy, p.currency, BigInt(p.amount));
      if (r.ok) await this.emit('balance', r.value);
      return r;
    }),
    release: route(transfer, async (p) => {
      const r = this.move(p.strategy, p.currency, -BigInt(p.amount));
      if (r.ok) await this.emit('balance', r.value);
      return r;
    }),
    place: route(place, async (p) => {
      const quote = p.symbol.split('-')[1]!.toLowerCase();
      const cost = BigInt(p.price) * BigInt(p.size);
      const have = this.slot(p.strategy, quote);
      if (p.side === 'buy' && have < cost)
        return { ok: false, error: dgError('DG_E_LEDGER_INSUFFICIENT', `slot ${have} < cost ${cost}`) };
      if (p.side === 'buy') this.slots.set(`${p.strategy}/${quote}`, have - cost);
      const order = { ...p, orderId: `o${this.orders.length + 1}` };
      this.orders.push(order);
      await this.emit('order', { orderId: order.orderId, clientOid: p.clientOid, status: 'open' });
      return { ok: true, value: { orderId: order.orderId, reserved: String(cost) } };
    }),
    slow: route(z.object({ ms: z.number().int().min(0).max(10_000) }), async (p) => {
      await new Promise((r) => setTimeout(r, p.ms));
      return { ok: true, value: 'done' };
    }),
    boom: route(z.unknown(), () => {
      throw new Error('secret internal detail');
    }),
  });
}

/** A gateway name unique to this run and test, so parallel runs never share keys or subjects. */
export function uniqueGateway(tag: string): string {
  return `t_${tag}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
}
