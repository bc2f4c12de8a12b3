/**
 * The gateway's command handling (S4.4, S4.6): validate at the edge (zod), journal, apply, then talk
 * to the venue and journal its answer; every refusal is an error value with a stable code and an
 * `err` journal entry, and leaves the state unchanged. The kernel owns the journal, the state and
 * the venue; this class reaches them through `KernelPorts`.
 *
 * Repeats. A command with a key (the client's idempotency key; on the bus, else `req:<request id>`,
 * see requestKey) is journaled under it, so a transport that delivers it again (Redis after a
 * gateway crash, a client retry with the same key) is recognised, also after a restart:
 *   - same process, same command and payload answered before: the first reply (a place or cancel:
 *     the order's state now);
 *   - journaled before (a restart, or the first attempt still waiting for the venue):
 *       place with the same strategy/instrument/side/type/price/size/tif/postOnly → the order it
 *       placed, in its current state; cancel of the same order → that order's current state;
 *       query → answered again; register of the same strategy → its slot; anything else, or a
 *       place/cancel that differs → DG_E_GATEWAY_DUPLICATE_COMMAND (nothing runs twice: no
 *       second order at the venue).
 * Client order ids are made here (ClientOrderIdFactory, one epoch per start), so a place run twice
 * would make a second, different order: the key is what makes it the same. The OMS keeps refusing
 * a second submit of a client id it knows (DG_E_DUPLICATE_CLIENT_ID).
 * A cancel of an order already done (a terminal state the table has no `cancel-request` for)
 * answers the order's state without journaling or asking the venue.
 */
import { toUnits } from '../core/decimal.js';
import { dgError, isDeskgateError, type DeskgateError, type ErrorCounter } from '../core/errors.js';
import type { Instrument } from '../core/instrument.js';
import type { CommandResult } from '../bus/commands.js';
import { parseBalanceCommand } from '../ledger/commands.js';
import type { ClientOrderIdFactory } from '../oms/client-order-id.js';
import type { OrderView } from '../oms/order-io.js';
import { isTerminal, transition } from '../oms/order-states.js';
import type { Journal } from '../store/journal.js';
import type { JournalEntry, JournalKind } from '../store/journal-entry.js';
import type { Venue } from '../venue/venue.js';
import { reservationOf } from './amounts.js';
import { cancelSchema, isGatewayCommand, parseWith, placeSchema, querySchema, registerSchema } from './commands.js';
import type { CancelEntry, PlaceEntry } from './journal-entries.js';
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

/** Journal key of a bus request that has no idempotency key: its request id (re-deliveries keep it). */
export function requestKey(requestId: string): string {
  return `req:${requestId}`;
}

/** A place command checked and priced, before it gets a client order id. */
interface PlaceDraft {
  readonly strategy: string;
  readonly parent: number | undefined;
  readonly inst: Instrument;
  readonly side: 0 | 1;
  readonly type: 'limit' | 'market';
  readonly price: number | undefined;
  readonly size: number;
  readonly tif: PlaceEntry['tif'];
  readonly postOnly: boolean;
  readonly reserve: PlaceEntry['reserve'];
}

/** The journaled place is the order this draft asks for (what the strategy sent, on the same grid). */
function samePlace(e: PlaceEntry, d: PlaceDraft): boolean {
  return (
    e.strategy === d.strategy &&
    e.symbol === d.inst.symbol &&
    e.side === d.side &&
    e.type === d.type &&
    (e.type === 'limit' ? e.price === d.price : true) &&
    e.size === d.size &&
    e.tif === d.tif &&
    (e.postOnly ?? false) === d.postOnly &&
    // a market buy's price cap shows only in its reservation
    e.reserve.currency === d.reserve.currency &&
    e.reserve.amount === d.reserve.amount
  );
}

interface Answered {
  readonly cmd: string;
  /** The payload as JSON text: only the same command with the same payload gets this answer. */
  readonly payload: string | undefined;
  readonly result: CommandResult;
}

function payloadText(raw: unknown): string | undefined {
  try {
    return JSON.stringify(raw);
  } catch {
    return undefined;
  }
}

export class GatewayCommands {
  private readonly keyed = new Map<string, Answered>();

  constructor(private readonly k: KernelPorts) {}

  /** Handle one strategy command (S4.4, S4.6). Errors are values with stable codes. */
  async run(cmd: string, raw: unknown, key?: string): Promise<CommandResult> {
    this.k.counters.commands++;
    const r = await this.commandInner(cmd, raw, key);
    if (!r.ok) this.k.counters.refused++;
    // Queries are answered afresh (and their results can be big); "not ready" is no answer: not kept.
    if (key !== undefined && cmd !== 'query' && (r.ok || r.error.code !== 'DG_E_GATEWAY_NOT_READY')) {
      this.keyed.set(key, { cmd, payload: payloadText(raw), result: r });
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
      if (prior && prior.cmd === cmd && prior.payload !== undefined && prior.payload === payloadText(raw))
        return this.again(prior);
      // Otherwise the journal decides; a key refused before it was journaled was not used up.
      const seq = this.k.journal.lookupKey('cmd', key);
      if (seq !== undefined) return this.repeated(cmd, raw, key, seq);
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

  /** The same key answered before in this process: that reply; a place or cancel's order as it is now. */
  private again(prior: Answered): CommandResult {
    const r = prior.result;
    if (!r.ok || (prior.cmd !== 'place' && prior.cmd !== 'cancel')) return r;
    const cid = (r.value as { clientId?: unknown } | null)?.clientId;
    const view = typeof cid === 'string' ? this.k.state.tracker.get(cid) : undefined;
    return view ? ok(this.orderData(view)) : r;
  }

  /** The journal entry `seq`, if it is still there (truncation keeps keys, not entries). */
  private journaled(seq: number): JournalEntry | undefined {
    for (const e of this.k.journal.replay(seq, { pageSize: 1, onCorrupt: 'skip' }))
      return e.seq === seq ? e : undefined;
    return undefined;
  }

  /**
   * A command whose key is journaled already (re-delivered after a restart, or repeated while the
   * first attempt is still under way): answer from the state, never run it twice.
   */
  private repeated(cmd: string, raw: unknown, key: string, seq: number): CommandResult {
    const dup = (why = ''): CommandResult =>
      this.refuse(cmd, dgError('DG_E_GATEWAY_DUPLICATE_COMMAND', `key ${key} is journal seq ${seq}${why}`), raw);
    const first = this.journaled(seq);
    if (!first || first.kind !== 'cmd') return dup();
    if (first.type !== cmd) return dup(` (${first.type})`);
    const tracker = this.k.state.tracker;
    switch (cmd) {
      case 'place': {
        const e = first.payload as PlaceEntry;
        const d = this.draftPlace(raw);
        if (!d.ok || !samePlace(e, d.value)) return dup(`: a different order (${e.clientId})`);
        const view = tracker.get(e.clientId);
        return view ? ok(this.orderData(view)) : dup(`: order ${e.clientId} was refused`);
      }
      case 'cancel': {
        const e = first.payload as CancelEntry;
        const p = parseWith(cancelSchema, cmd, raw);
        if (!p.ok || p.value.clientId !== e.clientId || p.value.strategy !== e.strategy)
          return dup(`: a cancel of ${e.clientId}`);
        const view = tracker.get(e.clientId);
        return view ? ok(this.orderData(view)) : dup();
      }
      case 'query': {
        const p = parseWith(querySchema, cmd, raw);
        return p.ok ? this.answerQuery(p.value) : this.refuse(cmd, p.error, raw);
      }
      case 'register': {
        const p = parseWith(registerSchema, cmd, raw);
        const index = p.ok ? this.k.state.requireLedger().slotOf(p.value.strategy) : undefined;
        if (!p.ok || p.value.strategy !== (first.payload as { strategy?: unknown }).strategy || index === undefined)
          return dup();
        return ok({ strategy: p.value.strategy, index });
      }
      default:
        return dup(' (applied then)');
    }
  }

  private orderData(v: OrderView): unknown {
    return orderEvent(
      { event: 'submit', prev: undefined, order: v },
      this.k.instrumentById(v.instrument),
      this.k.state.currencies,
    ).data;
  }

  /** Validate and price a place command (no id, nothing journaled). */
  private draftPlace(raw: unknown): { ok: true; value: PlaceDraft } | { ok: false; error: DeskgateError } {
    const p = parseWith(placeSchema, 'place', raw);
    if (!p.ok) return p;
    const c = p.value;
    const inst = this.k.instrument(c.instrument ?? c.symbol ?? '');
    if (!inst) return { ok: false, error: dgError('DG_E_UNKNOWN_INSTRUMENT', String(c.instrument ?? c.symbol)) };
    const slot = this.k.state.requireLedger().slotOf(c.strategy);
    if (slot === undefined || slot < 2)
      return { ok: false, error: dgError('DG_E_GATEWAY_UNKNOWN_STRATEGY', c.strategy) };
    let size: number;
    let price: number | undefined;
    try {
      size = toUnits(c.size, inst.size);
      price = c.price === undefined ? undefined : toUnits(c.price, inst.price);
    } catch (e) {
      return { ok: false, error: isDeskgateError(e) ? e : dgError('DG_E_BAD_DECIMAL') };
    }
    if (!Number.isSafeInteger(size) || size < inst.minLots)
      return { ok: false, error: dgError('DG_E_BAD_SIZE', `${c.size} (min ${inst.minSize})`) };
    if (price !== undefined && (!Number.isSafeInteger(price) || price <= 0))
      return { ok: false, error: dgError('DG_E_BAD_PRICE', String(c.price)) };
    const side = c.side === 'buy' ? 0 : 1;
    const res = reservationOf(this.k.state.currencies, inst, side, price ?? 0, size);
    if (!res.ok) return res;
    return {
      ok: true,
      value: {
        strategy: c.strategy,
        parent: c.parent,
        inst,
        side,
        type: c.type,
        price,
        size,
        tif: c.tif,
        postOnly: c.postOnly ?? false,
        reserve: { currency: res.currency, amount: res.amount.toString() },
      },
    };
  }

  private async place(raw: unknown, key?: string): Promise<CommandResult> {
    const d = this.draftPlace(raw);
    if (!d.ok) return this.refuse('place', d.error, raw);
    const c = d.value;
    const { inst, side, price, size } = c;
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
      reserve: c.reserve,
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
    // Already done (canceled, filled, …): nothing to send; the state says how it ended.
    if (isTerminal(view.state) && !transition(view.state, 'cancel-request').ok) return ok(this.orderData(view));
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
