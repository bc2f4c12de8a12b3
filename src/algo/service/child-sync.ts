/**
 * Children as the kernel's OrderTracker knows them → what the runner keeps (ChildView, ChildFill).
 * The tracker is the truth about fills and open/closed state (it journals every venue event): the
 * service feeds its outputs to the runner live, and after a restart rebuilds each runner snapshot
 * from it (`reconcileSnapshot`), including children placed after the last snapshot was written.
 */
import { formatScaled } from '../../core/decimal.js';
import type { Instrument } from '../../core/instrument.js';
import type { CurrencyBook } from '../../ledger/currencies.js';
import { parseClientOrderId, type ClientIdProfile } from '../../oms/client-order-id.js';
import type { FillRecord, OrderView } from '../../oms/order-io.js';
import { isTerminal } from '../../oms/order-states.js';
import type { RunnerSnapshot } from '../runner.js';
import type { ChildFill, ChildView } from '../types.js';
import type { StoredChild } from './algo-store.js';

/** What the service reads of the tracker. */
export interface TrackerReads {
  get(clientId: string): OrderView | undefined;
  fills(clientId: string): readonly FillRecord[];
  openOrders(strategy: string): OrderView[];
  closedOrders(strategy: string): OrderView[];
}

/** The parent number carried in a client order id (undefined: not a child of an algo). */
export function parentOf(profile: ClientIdProfile, clientId: string): number | undefined {
  const p = parseClientOrderId(profile, clientId);
  return p.ok ? p.value.parent : undefined;
}

/** Every tracked order of `strategy` that carries parent `id` (open first, then the recent closed). */
export function trackedChildren(
  tracker: TrackerReads,
  profile: ClientIdProfile,
  strategy: string,
  id: number,
): OrderView[] {
  return [...tracker.openOrders(strategy), ...tracker.closedOrders(strategy)].filter(
    (v) => parentOf(profile, v.clientId) === id,
  );
}

/**
 * The fee of one fill as a decimal amount of the instrument's quote currency, exact: a fee charged
 * in the base coin (the sim charges the coin received) is valued at the fill price. Fees in a third
 * currency (e.g. a platform token) cannot be valued here and count as "0" (docs/algo-service.md).
 */
export function feeInQuote(book: CurrencyBook, inst: Instrument, r: FillRecord): string {
  let sum = 0n;
  let scale = 0;
  const parts: { v: bigint; s: number }[] = [];
  for (const f of r.fees) {
    if (f.amount === 0n) continue;
    const c = book.get(f.currency);
    if (!c) continue;
    if (f.currency === inst.quote) parts.push({ v: f.amount, s: c.scale });
    else if (f.currency === inst.base)
      // amount × 10^-scale base × price ticks × step × 10^-decimals quote/base
      parts.push({ v: f.amount * BigInt(r.price) * BigInt(inst.price.step), s: c.scale + inst.price.decimals });
  }
  for (const p of parts) scale = Math.max(scale, p.s);
  for (const p of parts) sum += p.v * 10n ** BigInt(scale - p.s);
  return parts.length === 0 ? '0' : formatScaled(sum, scale);
}

export function childFillOf(book: CurrencyBook, inst: Instrument, r: FillRecord): ChildFill {
  return {
    clientId: r.clientId,
    price: r.price,
    size: r.size,
    fee: feeInQuote(book, inst, r),
    liquidity: r.liquidity,
    ts: r.ts,
    tradeId: r.tradeId,
  };
}

/** The runner's update of one child from the tracker's view (absolute values). */
export function childUpdateOf(v: OrderView): { filled: number; filledNotional: number; open: boolean } {
  return { filled: v.filledSize, filledNotional: Number(v.filledNotional), open: !isTerminal(v.state) };
}

export interface ReconcileInput {
  readonly snapshot: RunnerSnapshot;
  readonly side: 'buy' | 'sell';
  /** Children journaled by the service (tags of children placed after the snapshot). */
  readonly stored: ReadonlyMap<string, StoredChild>;
  /** The tracker's orders carrying this parent number. */
  readonly tracked: readonly OrderView[];
  readonly tracker: TrackerReads;
  readonly book: CurrencyBook;
  readonly inst: Instrument;
}

/**
 * The snapshot with every child's fills and open/closed state taken from the tracker, children the
 * snapshot does not know (placed after it was written; not a place the venue refused) adopted, and
 * the totals recomputed. A child the tracker does not know at all is closed with what the snapshot
 * had (it never reached the venue, or the kernel's journal was replaced).
 */
export function reconcileSnapshot(r: ReconcileInput): { snapshot: RunnerSnapshot; adopted: number } {
  const byId = new Map<string, ChildView>(r.snapshot.children.map((c) => [c.clientId, c]));
  const ids = new Set<string>([...byId.keys(), ...r.stored.keys(), ...r.tracked.map((v) => v.clientId)]);
  const round = r.snapshot.state.round;
  let adopted = 0;
  const children: ChildView[] = [];
  const fills = new Map<string, ChildFill>();
  for (const f of r.snapshot.fills) fills.set(`${f.clientId}\u0000${f.tradeId ?? `${f.ts}:${f.price}:${f.size}`}`, f);
  for (const cid of ids) {
    const v = r.tracker.get(cid);
    let base = byId.get(cid);
    if (!base) {
      const s = r.stored.get(cid);
      if (!s && !v) continue;
      // A place the venue refused (e.g. a post-only that would have crossed) never was a child: the
      // runner did not list it and the service journaled no `child` entry for it, so it is not adopted.
      if (!s && v && v.state === 'rejected' && v.filledSize === 0) continue;
      adopted++;
      base = {
        clientId: cid,
        tag: s?.tag ?? 'trade',
        side: r.side,
        type: s?.type ?? (v?.price === undefined ? 'market' : 'limit'),
        price: s?.price ?? v?.price,
        size: s?.size ?? v?.size ?? 0,
        filled: 0,
        filledNotional: 0,
        placedAt: s?.at ?? v?.createdAt ?? 0,
        round,
        open: true,
        cancelling: false,
      };
    }
    if (v) {
      const u = childUpdateOf(v);
      children.push({ ...base, ...u, cancelling: u.open && (base.cancelling || v.cancelRequested) });
      for (const f of r.tracker.fills(cid)) {
        if (f.covered) continue;
        fills.set(`${cid}\u0000${f.tradeId}`, childFillOf(r.book, r.inst, f));
      }
    } else {
      children.push({ ...base, open: false, cancelling: false });
    }
  }
  let filled = 0;
  let filledNotional = 0;
  for (const c of children) {
    filled += c.filled;
    filledNotional += c.filledNotional;
  }
  return {
    snapshot: { ...r.snapshot, children, fills: [...fills.values()], filled, filledNotional },
    adopted,
  };
}
