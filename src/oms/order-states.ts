/**
 * The own-order state machine as ONE table of (state, event) → next state (design principle 5).
 *
 * The table is data: `TRANSITIONS[state][event]` is the next state, and a missing entry means
 * the event is not allowed in that state — `transition` returns DG_E_ILLEGAL_TRANSITION and the
 * OrderTracker counts it, never applies it. The tracker turns every venue input into exactly one
 * of the event kinds below (see docs/oms.md "Classification"), so a few guards on order data
 * (e.g. "does this fill complete the order?") live in the classification, not in the table.
 *
 * An order starts in `pending-new` when the gateway sends it (that is the `submit` command; a
 * second submit of the same client order id is DG_E_DUPLICATE_CLIENT_ID, not a table event).
 */
import { dgError, type DeskgateError } from '../core/errors.js';

export const ORDER_STATES = [
  'pending-new',
  'open',
  'partially-filled',
  'pending-cancel',
  'unknown',
  'filled',
  'canceled',
  'rejected',
  'expired',
] as const;
export type OrderState = (typeof ORDER_STATES)[number];

export const INITIAL_STATE: OrderState = 'pending-new';

export const TERMINAL_STATES: ReadonlySet<OrderState> = new Set<OrderState>([
  'filled',
  'canceled',
  'rejected',
  'expired',
]);

export function isTerminal(s: OrderState): boolean {
  return TERMINAL_STATES.has(s);
}

export const ORDER_EVENTS = [
  /** REST place reply: the venue accepted the order (carries the venue order id). */
  'ack',
  /** REST place reply: definitive rejection by the venue (a venue error code, not a transport failure). */
  'reject',
  /** Feed: the matching engine received the order, or it rests on the book (KuCoin received/open). */
  'accepted',
  /** Feed or REST: a fill that leaves some size unfilled (or an order without a fixed size). */
  'fill',
  /** Feed or REST: a fill that brings the filled size to the order size. */
  'fill-complete',
  /** Command: the gateway sent a cancel request. */
  'cancel-request',
  /** REST cancel reply: the venue accepted the cancel request (the order ends with `done-canceled`). */
  'cancel-ack',
  /** REST cancel reply: the venue refused (order already done or not found) — the state is re-asked. */
  'cancel-reject',
  /** Feed: the order is done, fully filled. */
  'done-filled',
  /** Feed: the order is done, canceled (filled size kept). */
  'done-canceled',
  /** Feed: the order is done, expired (time in force). */
  'done-expired',
  /** Adapter: a place or cancel request timed out — the request may or may not have landed. */
  'timeout',
  /** Adapter: the private feed or session dropped — any live order may have changed unseen. */
  'disconnect',
  /** Query by client order id: live, nothing filled. */
  'query-open',
  /** Query by client order id: live, partly filled. */
  'query-partial',
  /** Query by client order id: done, filled. */
  'query-filled',
  /** Query by client order id: done, canceled. */
  'query-canceled',
  /** Query by client order id: done, expired. */
  'query-expired',
  /** Query by client order id: the venue knows the order as rejected. */
  'query-rejected',
  /** Query by client order id: not found, after the venue's grace window. */
  'query-not-found',
] as const;
export type OrderEvent = (typeof ORDER_EVENTS)[number];

type Row = Partial<Record<OrderEvent, OrderState>>;

const O = 'open';
const PF = 'partially-filled';
const PC = 'pending-cancel';
const U = 'unknown';
const F = 'filled';
const C = 'canceled';
const R = 'rejected';
const E = 'expired';

/**
 * THE table. Rows are states, keys are events, values are next states. Terminal rows absorb
 * late evidence that agrees with them (a stale `accepted` after a REST query already said
 * `filled`, a duplicate `done-canceled`) and leave out everything that contradicts them.
 */
export const TRANSITIONS: Readonly<Record<OrderState, Readonly<Row>>> = {
  'pending-new': {
    ack: O,
    reject: R,
    accepted: O,
    fill: PF,
    'fill-complete': F,
    'cancel-request': PC,
    'done-filled': F,
    'done-canceled': C,
    'done-expired': E,
    timeout: U,
    disconnect: U,
    'query-open': O,
    'query-partial': PF,
    'query-filled': F,
    'query-canceled': C,
    'query-expired': E,
    'query-rejected': R,
    'query-not-found': R,
  },
  open: {
    ack: O,
    accepted: O,
    fill: PF,
    'fill-complete': F,
    'cancel-request': PC,
    'done-filled': F,
    'done-canceled': C,
    'done-expired': E,
    timeout: O,
    disconnect: U,
    'query-open': O,
    'query-partial': PF,
    'query-filled': F,
    'query-canceled': C,
    'query-expired': E,
  },
  'partially-filled': {
    ack: PF,
    accepted: PF,
    fill: PF,
    'fill-complete': F,
    'cancel-request': PC,
    'done-filled': F,
    'done-canceled': C,
    'done-expired': E,
    timeout: PF,
    disconnect: U,
    'query-partial': PF,
    'query-filled': F,
    'query-canceled': C,
    'query-expired': E,
  },
  'pending-cancel': {
    ack: PC,
    reject: R,
    accepted: PC,
    fill: PC,
    'fill-complete': F,
    'cancel-request': PC,
    'cancel-ack': PC,
    'cancel-reject': U,
    'done-filled': F,
    'done-canceled': C,
    'done-expired': E,
    timeout: U,
    disconnect: U,
    'query-open': PC,
    'query-partial': PC,
    'query-filled': F,
    'query-canceled': C,
    'query-expired': E,
    'query-rejected': R,
    'query-not-found': R,
  },
  unknown: {
    ack: U,
    reject: R,
    accepted: U,
    fill: U,
    'fill-complete': F,
    'cancel-request': U,
    'cancel-ack': U,
    'cancel-reject': U,
    'done-filled': F,
    'done-canceled': C,
    'done-expired': E,
    timeout: U,
    disconnect: U,
    'query-open': O,
    'query-partial': PF,
    'query-filled': F,
    'query-canceled': C,
    'query-expired': E,
    'query-rejected': R,
    'query-not-found': R,
  },
  filled: {
    ack: F,
    accepted: F,
    'cancel-reject': F,
    'done-filled': F,
    timeout: F,
    disconnect: F,
    'query-filled': F,
  },
  canceled: {
    ack: C,
    accepted: C,
    'cancel-ack': C,
    'cancel-reject': C,
    'done-canceled': C,
    timeout: C,
    disconnect: C,
    'query-canceled': C,
  },
  rejected: {
    reject: R,
    'cancel-reject': R,
    timeout: R,
    disconnect: R,
    'query-rejected': R,
    'query-not-found': R,
  },
  expired: {
    ack: E,
    accepted: E,
    'cancel-ack': E,
    'cancel-reject': E,
    'done-expired': E,
    timeout: E,
    disconnect: E,
    'query-expired': E,
  },
};

export type TransitionResult =
  { readonly ok: true; readonly next: OrderState } | { readonly ok: false; readonly error: DeskgateError };

/** Pure table lookup: the next state, or DG_E_ILLEGAL_TRANSITION for a pair not in the table. */
export function transition(state: OrderState, event: OrderEvent): TransitionResult {
  const row = TRANSITIONS[state] as Row | undefined;
  const next = row === undefined ? undefined : row[event];
  if (next === undefined) return { ok: false, error: dgError('DG_E_ILLEGAL_TRANSITION', `${event} in ${state}`) };
  return { ok: true, next };
}

/** Every (state, event, next) triple of the table, in table order. */
export function legalTransitions(): Array<{ state: OrderState; event: OrderEvent; next: OrderState }> {
  const out: Array<{ state: OrderState; event: OrderEvent; next: OrderState }> = [];
  for (const state of ORDER_STATES) {
    for (const event of ORDER_EVENTS) {
      const next = TRANSITIONS[state][event];
      if (next !== undefined) out.push({ state, event, next });
    }
  }
  return out;
}

/**
 * The table as a Markdown matrix (events down, states across; `·` = illegal). docs/oms.md holds
 * this exact text between markers and a test keeps the two identical.
 */
export function renderTransitionTable(): string {
  const head = `| event \\ state | ${ORDER_STATES.join(' | ')} |`;
  const rule = `|---|${ORDER_STATES.map(() => '---').join('|')}|`;
  const rows = ORDER_EVENTS.map((event) => {
    const cells = ORDER_STATES.map((state) => TRANSITIONS[state][event] ?? '·');
    return `| ${event} | ${cells.join(' | ')} |`;
  });
  return [head, rule, ...rows].join('\n');
}
