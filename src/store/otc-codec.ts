/** Row ⇄ record conversion shared by the OTC store adapters (exact decimal text, integer ms). */
import { formatAmount, parseAmount } from '../desk/amount.js';
import type { DeskSide, HedgeMethod, HedgeOrder, LockOrder } from '../desk/types.js';
import type { OutboxRow } from './otc-store.js';

export const LOCK_COLUMNS = [
  'id',
  'client_id',
  'side',
  'base',
  'quote',
  'base_amount',
  'price',
  'quote_time',
  'lock_time',
] as const;
export const HEDGE_COLUMNS = [
  'id',
  'client_id',
  'side',
  'base',
  'quote',
  'base_amount',
  'avg_price',
  'fee',
  'method',
  'venue',
  'start_time',
  'end_time',
] as const;

export type DbValue = string | number;

export function lockToRow(l: LockOrder): DbValue[] {
  return [
    l.id,
    l.clientId,
    l.side,
    l.base,
    l.quote,
    formatAmount(l.baseAmount),
    formatAmount(l.price),
    l.quoteTime,
    l.lockTime,
  ];
}

export function hedgeToRow(h: HedgeOrder): DbValue[] {
  return [
    h.id,
    h.clientId,
    h.side,
    h.base,
    h.quote,
    formatAmount(h.baseAmount),
    formatAmount(h.avgPrice),
    formatAmount(h.fee),
    h.method,
    h.venue,
    h.startTime,
    h.endTime,
  ];
}

type Row = Record<string, unknown>;

const str = (v: unknown): string => String(v);
const num = (v: unknown): number => Number(v);

export function rowToLock(r: Row): LockOrder {
  return {
    id: str(r.id),
    clientId: str(r.client_id),
    side: str(r.side) as DeskSide,
    base: str(r.base),
    quote: str(r.quote),
    baseAmount: parseAmount(str(r.base_amount)),
    price: parseAmount(str(r.price)),
    quoteTime: num(r.quote_time),
    lockTime: num(r.lock_time),
  };
}

export function rowToHedge(r: Row, prefix = ''): HedgeOrder {
  const g = (k: string): unknown => r[prefix + k];
  return {
    id: str(g('id')),
    clientId: str(g('client_id')),
    side: str(g('side')) as DeskSide,
    base: str(g('base')),
    quote: str(g('quote')),
    baseAmount: parseAmount(str(g('base_amount'))),
    avgPrice: parseAmount(str(g('avg_price'))),
    fee: parseAmount(str(g('fee'))),
    method: str(g('method')) as HedgeMethod,
    venue: str(g('venue')),
    startTime: num(g('start_time')),
    endTime: num(g('end_time')),
  };
}

export function sameLock(a: LockOrder, b: LockOrder): boolean {
  return (
    a.id === b.id &&
    a.clientId === b.clientId &&
    a.side === b.side &&
    a.base === b.base &&
    a.quote === b.quote &&
    a.baseAmount === b.baseAmount &&
    a.price === b.price &&
    a.quoteTime === b.quoteTime &&
    a.lockTime === b.lockTime
  );
}

export function sameHedge(a: HedgeOrder, b: HedgeOrder): boolean {
  return (
    a.id === b.id &&
    a.clientId === b.clientId &&
    a.side === b.side &&
    a.base === b.base &&
    a.quote === b.quote &&
    a.baseAmount === b.baseAmount &&
    a.avgPrice === b.avgPrice &&
    a.fee === b.fee &&
    a.method === b.method &&
    a.venue === b.venue &&
    a.startTime === b.startTime &&
    a.endTime === b.endTime
  );
}

export function rowToOutbox(r: Row): OutboxRow {
  return {
    id: Number(r.id),
    key: String(r.key),
    channel: String(r.channel),
    kind: String(r.kind),
    payload: String(r.payload),
    createdAt: Number(r.created_at),
    state: String(r.state) as OutboxRow['state'],
    attempts: Number(r.attempts),
    nextAttemptAt: Number(r.next_attempt_at),
    sentAt: r.sent_at === null || r.sent_at === undefined ? null : Number(r.sent_at),
    lastError: r.last_error === null || r.last_error === undefined ? null : String(r.last_error),
  };
}

/** Group joined (mh_lock_id, mh_part, hedge columns…) rows by lock, each list in part order. */
export function groupHedges(rows: readonly Row[]): Map<string, HedgeOrder[]> {
  const parts = new Map<string, Array<[number, HedgeOrder]>>();
  for (const r of rows) {
    const k = String(r.mh_lock_id);
    let list = parts.get(k);
    if (!list) parts.set(k, (list = []));
    list.push([Number(r.mh_part), rowToHedge(r)]);
  }
  const out = new Map<string, HedgeOrder[]>();
  for (const [k, list] of parts)
    out.set(k, list.length === 1 ? [list[0][1]] : list.sort((a, b) => a[0] - b[0]).map((x) => x[1]));
  return out;
}
