/**
 * The gateway's command handling (S4.4, S4.6): validate at the edge (zod), journal, apply, then talk
 * to the venue and journal its answer; every refusal is an error value with a stable code and an
 * `err` journal entry, and leaves the state unchanged. The kernel owns the journal, the state and
 * the venue; this class reaches them through `KernelPorts`.
 */
import { toUnits } from '../core/decimal.js';
import { dgError, isDeskgateError, type DeskgateError, type ErrorCounter } from '../core/errors.js';
import type { Instrument } from '../core/instrument.js';
import type { CommandResult } from '../bus/commands.js';
import { parseBalanceCommand } from '../ledger/commands.js';
import type { ClientOrderIdFactory } from '../oms/client-order-id.js';
import type { OrderView } from '../oms/order-io.js';
import type { Journal } from '../store/journal.js';
import type { JournalKind } from '../store/journal-entry.js';
import type { Venue } from '../venue/venue.js';
import { reservationOf } from './amounts.js';
import { cancelSchema, isGatewayCommand, parseWith, placeSchema, querySchema, registerSchema } from './commands.js';
import type { PlaceEntry } from './journal-entries.js';
import type { KernelState } from './kernel-state.js';
import { orderEvent } from './publish.js';

/** What command handling needs of the kernel. */
export interface KernelPorts {
  readonly state: KernelState;
  readonly venue: Venue;
  readonly journal: Journal;
  readonly errors: ErrorCounter;
  readonly counters: { commands: number; refused: number };
  phase(): string;
  ids(): ClientOrderIdFactory | undefined;
  instrument(name: string): Instrument | undefined;
  instrumentById(id: number): Instrument | undefined;
  /** Journal, apply, publish (kernel.ts). */
  record(
    kind: JournalKind,
    type: string,
    payload: unknown,
    key?: string,
  ): { seq: number; error: DeskgateError | undefined };
  journalError(cmd: string, error: DeskgateError, ref?: number, raw?: unknown): void;
}

const ok = (value: unknown): CommandResult => ({ ok: true, value });
const fail = (error: DeskgateError): CommandResult => ({ ok: false, error });
/** Venue errors after which a request's outcome is unknown (docs/venue.md): resolve by query, never assume. */
export const OUTCOME_UNKNOWN: ReadonlySet<string> = new Set([
  'DG_E_VENUE_TIMEOUT',
  'DG_E_VENUE_UNAVAILABLE',
  'DG_E_VENUE_BAD_REPLY',
]);

export class GatewayCommands {
  private readonly keyed = new Map<string, CommandResult>();

  constructor(private readonly k: KernelPorts) {}

  /** Handle one strategy command (S4.4, S4.6). Errors are values with stable codes. */
  async run(cmd: string, raw: unknown, key?: string): Promise<CommandResult> {
    this.k.counters.commands++;
    const r = await this.commandInner(cmd, raw, key);
    if (!r.ok) this.k.counters.refused++;
    if (key !== undefined) {
      this.keyed.set(key, r);
      if (this.keyed.size > 10_000) this.keyed.delete(this.keyed.keys().next().value as string);
    }
    return r;
  }

  private refuse(cmd: string, error: DeskgateError, raw: unknown): CommandResult {
    this.k.errors.record(error);
    this.k.journalError(cmd, error, undefined, raw);
    return fail(error);
  }

  private async commandInner(cmd: string, raw: unknown, key?: string): Promise<CommandResult> {
    if (this.k.phase() !== 'live')
      return this.refuse(cmd, dgError('DG_E_GATEWAY_NOT_READY', `gateway ${this.k.phase()}`), raw);
    if (key !== undefined) {
      const prior = this.keyed.get(key);
      if (prior) return prior;
      const seq = this.k.journal.lookupKey('cmd', key);
      if (seq !== undefined)
        return this.refuse(cmd, dgError('DG_E_GATEWAY_DUPLICATE_COMMAND', `key ${key} is journal seq ${seq}`), raw);
    }
    if (!isGatewayCommand(cmd))
      return this.refuse(cmd, dgError('DG_E_BUS_UNKNOWN_COMMAND', JSON.stringify(cmd.slice(0, 64))), raw);
    switch (cmd) {
      case 'allocate':
      case 'release':
      case 'adjust': {
        // The S4.4 payload names its cmd; when it does not, the command name says it.
        const payload =
          typeof raw === 'object' && raw !== null && !Array.isArray(raw) && !('cmd' in raw) ? { ...raw, cmd } : raw;
        const p = parseBalanceCommand(payload);
        if (!p.ok) return this.refuse(cmd, p.error, raw);
        if (p.value.cmd !== cmd)
          return this.refuse(cmd, dgError('DG_E_GATEWAY_BAD_COMMAND', `payload cmd ${p.value.cmd} ≠ ${cmd}`), raw);
        this.k.state.lastResult = undefined;
        const r = this.k.record('cmd', cmd, payload, key);
        return r.error ? fail(r.error) : ok(this.k.state.lastResult ?? null);
      }
      case 'register': {
        const p = parseWith(registerSchema, cmd, raw);
        if (!p.ok) return this.refuse(cmd, p.error, raw);
        const r = this.k.record('cmd', cmd, p.value, key);
        return r.error
          ? fail(r.error)
          : ok({ strategy: p.value.strategy, index: this.k.state.requireLedger().slotOf(p.value.strategy) });
      }
      case 'place':
        return this.place(raw, key);
      case 'cancel':
        return this.cancel(raw, key);
      case 'query': {
        const p = parseWith(querySchema, cmd, raw);
        if (!p.ok) return this.refuse(cmd, p.error, raw);
        const r = this.k.record('cmd', cmd, p.value, key);
        if (r.error) return fail(r.error);
        return this.answerQuery(p.value);
      }
    }
  }

  private orderData(v: OrderView): unknown {
    return orderEvent(
      { event: 'submit', prev: undefined, order: v },
      this.k.instrumentById(v.instrument),
      this.k.state.currencies,
    ).data;
  }

  private async place(raw: unknown, key?: string): Promise<CommandResult> {
    const p = parseWith(placeSchema, 'place', raw);
    if (!p.ok) return this.refuse('place', p.error, raw);
    const c = p.value;
    const inst = this.k.instrument(c.instrument ?? c.symbol ?? '');
    if (!inst) return this.refuse('place', dgError('DG_E_UNKNOWN_INSTRUMENT', String(c.instrument ?? c.symbol)), raw);
    const ledger = this.k.state.requireLedger();
    const slot = ledger.slotOf(c.strategy);
    if (slot === undefined || slot < 2)
      return this.refuse('place', dgError('DG_E_GATEWAY_UNKNOWN_STRATEGY', c.strategy), raw);
    let size: number;
    let price: number | undefined;
    try {
      size = toUnits(c.size, inst.size);
      price = c.price === undefined ? undefined : toUnits(c.price, inst.price);
    } catch (e) {
      return this.refuse('place', isDeskgateError(e) ? e : dgError('DG_E_BAD_DECIMAL'), raw);
    }
    if (!Number.isSafeInteger(size) || size < inst.minLots)
      return this.refuse('place', dgError('DG_E_BAD_SIZE', `${c.size} (min ${inst.minSize})`), raw);
    if (price !== undefined && (!Number.isSafeInteger(price) || price <= 0))
      return this.refuse('place', dgError('DG_E_BAD_PRICE', String(c.price)), raw);
    const side = c.side === 'buy' ? 0 : 1;
    const res = reservationOf(this.k.state.currencies, inst, side, price ?? 0, size);
    if (!res.ok) return this.refuse('place', res.error, raw);
    const ids = this.k.ids();
    if (!ids) return this.refuse('place', dgError('DG_E_GATEWAY_NOT_READY'), raw);
    const id = ids.next(c.strategy, c.parent);
    if (!id.ok) return this.refuse('place', id.error, raw);
    const entry: PlaceEntry = {
      clientId: id.value,
      strategy: c.strategy,
      symbol: inst.symbol,
      side,
      type: c.type,
      ...(c.type === 'limit' && price !== undefined ? { price } : {}),
      size,
      ...(c.tif ? { tif: c.tif } : {}),
      ...(c.postOnly ? { postOnly: true } : {}),
      reserve: { currency: res.currency, amount: res.amount.toString() },
    };
    const r = this.k.record('cmd', 'place', entry, key);
    if (r.error) return fail(r.error);
    const sent = await this.k.venue.placeOrder({
      clientOrderId: id.value,
      instrument: inst,
      side,
      type: c.type,
      ...(c.type === 'limit' ? { price } : {}),
      size,
      ...(c.tif ? { timeInForce: c.tif } : {}),
      ...(c.postOnly ? { postOnly: true } : {}),
    });
    if (this.k.phase() === 'live') {
      if (sent.ok) this.k.record('evt', 'placed', { clientId: id.value, venueOrderId: sent.value.venueOrderId });
      else if (OUTCOME_UNKNOWN.has(sent.error.code)) {
        this.k.record('evt', 'place-timeout', { clientId: id.value, code: sent.error.code });
      } else
        this.k.record('evt', 'place-rejected', {
          clientId: id.value,
          code: sent.error.code,
          message: sent.error.message,
        });
    }
    const view = this.k.state.tracker.get(id.value);
    if (!sent.ok && !OUTCOME_UNKNOWN.has(sent.error.code)) return fail(sent.error);
    return ok(view ? this.orderData(view) : { clientId: id.value });
  }

  private async cancel(raw: unknown, key?: string): Promise<CommandResult> {
    const p = parseWith(cancelSchema, 'cancel', raw);
    if (!p.ok) return this.refuse('cancel', p.error, raw);
    const view = this.k.state.tracker.get(p.value.clientId);
    if (!view) return this.refuse('cancel', dgError('DG_E_OMS_UNKNOWN_ORDER', p.value.clientId), raw);
    if (view.strategy !== p.value.strategy)
      return this.refuse('cancel', dgError('DG_E_GATEWAY_NOT_OWNER', p.value.clientId), raw);
    const inst = this.k.instrumentById(view.instrument);
    if (!inst) return this.refuse('cancel', dgError('DG_E_UNKNOWN_INSTRUMENT', String(view.instrument)), raw);
    const r = this.k.record('cmd', 'cancel', p.value, key);
    if (r.error) return fail(r.error);
    const sent = await this.k.venue.cancelOrder({
      instrument: inst,
      clientOrderId: view.clientId,
      ...(view.venueOrderId ? { venueOrderId: view.venueOrderId } : {}),
    });
    if (this.k.phase() === 'live') {
      if (sent.ok) this.k.record('evt', 'cancel-acked', { clientId: view.clientId });
      else if (OUTCOME_UNKNOWN.has(sent.error.code)) {
        this.k.record('evt', 'cancel-timeout', { clientId: view.clientId });
      } else
        this.k.record('evt', 'cancel-rejected', {
          clientId: view.clientId,
          code: sent.error.code,
          message: sent.error.message,
        });
    }
    const now = this.k.state.tracker.get(view.clientId);
    return ok(now ? this.orderData(now) : { clientId: view.clientId });
  }

  private answerQuery(q: ReturnType<typeof querySchema.parse>): CommandResult {
    const tracker = this.k.state.tracker;
    switch (q.what) {
      case 'order': {
        const v = tracker.get(q.clientId);
        return v ? ok(this.orderData(v)) : fail(dgError('DG_E_OMS_UNKNOWN_ORDER', q.clientId));
      }
      case 'orders': {
        const list = q.closed ? tracker.closedOrders(q.strategy) : tracker.openOrders(q.strategy);
        return ok(list.map((v) => this.orderData(v)));
      }
      case 'balance': {
        const ledger = this.k.state.requireLedger();
        const info = ledger.currencies.get(q.currency);
        if (!info) return fail(dgError('DG_E_LEDGER_UNKNOWN_CURRENCY', q.currency));
        const b = ledger.slot(info.code, q.index ?? 0);
        if (!b) return fail(dgError('DG_E_LEDGER_BAD_SLOT', String(q.index)));
        const f = (u: bigint) => ledger.currencies.format(info.code, u);
        return ok({
          currency: info.code,
          index: q.index ?? 0,
          total: f(b.total),
          free: f(b.free),
          frozen: f(b.frozen),
        });
      }
      case 'status':
        return ok({
          phase: this.k.phase(),
          epoch: this.k.state.epoch,
          counters: { ...this.k.counters, ...this.k.state.counters },
          errors: this.k.errors.toJSON(),
        });
    }
  }
}
