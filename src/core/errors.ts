/**
 * The error registry: every error deskgate reports has a stable code (`DG_E_…`), an HTTP status
 * and a human message template. Errors are values: pure code returns or throws a
 * `DeskgateError`; every API maps it the same way (REST problem JSON, FMZ `{error}`,
 * MOV `{code,msg}`, RPC app codes).
 *
 * Add new codes to the section of the layer that raises them. Codes are never renamed or reused.
 */

export interface ErrorSpec {
  /** HTTP status an API answers with for this error. */
  readonly status: number;
  /** Short human description; details are appended per occurrence. */
  readonly message: string;
}

export const ERRORS = {
  // --- core: input, decimals, symbols -------------------------------------------------------
  DG_E_BAD_DECIMAL: { status: 400, message: 'not a valid decimal number' },
  DG_E_OFF_GRID: { status: 400, message: 'value is not a multiple of the increment' },
  DG_E_OUT_OF_RANGE: { status: 400, message: 'value out of the representable range' },
  DG_E_NEGATIVE: { status: 400, message: 'value must not be negative' },
  DG_E_BAD_SYMBOL: { status: 400, message: 'symbol notation not understood' },
  DG_E_AMBIGUOUS_SYMBOL: { status: 400, message: 'symbol notation is ambiguous' },
  DG_E_UNKNOWN_INSTRUMENT: { status: 404, message: 'unknown instrument' },
  DG_E_BAD_INPUT: { status: 400, message: 'invalid input' },
  DG_E_INTERNAL: { status: 500, message: 'internal error' },

  // --- book: L2/L3 books ----------------------------------------------------------------------
  DG_E_DUPLICATE_ORDER_ID: { status: 409, message: 'order id already on the book' },
  DG_E_UNKNOWN_ORDER_ID: { status: 404, message: 'order id not on the book' },
  DG_E_BAD_SIZE: { status: 400, message: 'size must be a positive number of lots' },
  DG_E_BAD_PRICE: { status: 400, message: 'price must be a positive number of ticks' },
  DG_E_CROSSED_BOOK: { status: 500, message: 'book is crossed' },

  // --- feeds: wire decoding and sequencing ----------------------------------------------------
  DG_E_MALFORMED_JSON: { status: 400, message: 'frame is not valid JSON' },
  DG_E_UNKNOWN_MESSAGE: { status: 400, message: 'unknown message type' },
  DG_E_BAD_MESSAGE: { status: 400, message: 'message is missing or has mistyped fields' },
  DG_E_SEQUENCE_GAP: { status: 500, message: 'sequence gap detected' },
  DG_E_CHECKSUM: { status: 500, message: 'book checksum mismatch' },
  DG_E_BUFFER_OVERFLOW: { status: 500, message: 'sync buffer overflow' },
  DG_E_STALE_SNAPSHOT: { status: 500, message: 'snapshot older than the buffered stream' },
  DG_E_SNAPSHOT_FETCH: { status: 502, message: 'snapshot fetch failed' },
  DG_E_SNAPSHOT_TIMEOUT: { status: 504, message: 'snapshot not received in time' },
  DG_E_BAD_FRAME: { status: 400, message: 'capture line not understood' },

  // --- desk: OTC import, matching, alerts ------------------------------------------------------
  DG_E_MISSING_FIELD: { status: 400, message: 'required field is missing' },
  DG_E_BAD_SIDE: { status: 400, message: 'side must be buy or sell' },
  DG_E_BAD_TIME: { status: 400, message: 'time not understood' },
  DG_E_DUPLICATE_ID: { status: 409, message: 'duplicate id' },
  DG_E_BAD_METHOD: { status: 400, message: 'unknown hedge method' },
  DG_E_BAD_CONFIG: { status: 400, message: 'invalid configuration' },
  DG_E_SOURCE_DOWN: { status: 503, message: 'data source unreachable' },
  DG_E_STORE: { status: 500, message: 'store operation failed' },

  // --- notify: alert channels ------------------------------------------------------------------
  DG_E_NOTIFY_RATE_LIMITED: { status: 429, message: 'notifier rate limit hit' },
  DG_E_NOTIFY_BAD_SIGNATURE: { status: 401, message: 'notifier rejected the signature or token' },
  DG_E_NOTIFY_REJECTED: { status: 502, message: 'notifier rejected the message' },
  DG_E_NOTIFY_UNREACHABLE: { status: 503, message: 'notifier unreachable' },

  // --- risk: liquidation Monte Carlo, liquidity report ----------------------------------------
  DG_E_RISK_BAD_POSITION: { status: 400, message: 'invalid loan position' },
  DG_E_RISK_TOO_FEW_CANDLES: { status: 400, message: 'too few candles to fit the price model' },
  DG_E_RISK_MODEL_FIT: { status: 422, message: 'price model could not be fitted' },
  DG_E_RISK_NO_MARKET: { status: 404, message: 'exchange does not list the market' },
  DG_E_RISK_BAD_SNAPSHOT: { status: 400, message: 'saved market snapshot is malformed' },

  // --- sim: simulated exchange matching engine --------------------------------------------------
  DG_E_SIM_UNKNOWN_SYMBOL: { status: 404, message: 'unknown symbol' },
  DG_E_SIM_UNKNOWN_ACCOUNT: { status: 404, message: 'unknown account' },
  DG_E_SIM_DUPLICATE_ACCOUNT: { status: 409, message: 'account already exists' },
  DG_E_SIM_BAD_ORDER: { status: 400, message: 'invalid order parameters' },
  DG_E_SIM_OFF_TICK: { status: 400, message: 'price is not a multiple of the tick size' },
  DG_E_SIM_OFF_LOT: { status: 400, message: 'size is not a multiple of the lot size' },
  DG_E_SIM_BELOW_MIN_SIZE: { status: 400, message: 'size below the minimum order size' },
  DG_E_SIM_ABOVE_MAX_SIZE: { status: 400, message: 'size above the maximum order size' },
  DG_E_SIM_BELOW_MIN_FUNDS: { status: 400, message: 'funds below the minimum' },
  DG_E_SIM_OUT_OF_RANGE: { status: 400, message: 'price, size or amount out of range' },
  DG_E_SIM_INSUFFICIENT_FUNDS: { status: 400, message: 'insufficient available balance' },
  DG_E_SIM_POST_ONLY_CROSS: { status: 400, message: 'post-only order would cross the book' },
  DG_E_SIM_DUPLICATE_CLIENT_OID: { status: 409, message: 'clientOid already used by this account' },
  DG_E_SIM_UNKNOWN_ORDER: { status: 404, message: 'order not found' },
  DG_E_SIM_ORDER_DONE: { status: 400, message: 'order is already done' },
  DG_E_SIM_AMEND_NOT_DOWN: { status: 400, message: 'amend may only decrease the remaining size' },

  // --- venue: Venue interface and adapters (SimVenue, CcxtVenue) -----------------------------
  DG_E_VENUE_TIMEOUT: { status: 504, message: 'venue did not answer in time; the request outcome is unknown' },
  DG_E_VENUE_REJECTED: { status: 400, message: 'venue rejected the request' },
  DG_E_VENUE_UNAVAILABLE: { status: 503, message: 'venue unreachable or not connected' },
  DG_E_VENUE_BAD_REPLY: { status: 502, message: 'venue reply malformed or contradictory' },
  DG_E_RATE_LIMITED: { status: 429, message: 'rate limit reached' },
  DG_E_VENUE_AUTH: { status: 401, message: 'venue refused the credentials' },
  DG_E_VENUE_INSUFFICIENT_FUNDS: { status: 400, message: 'venue reports insufficient balance' },
  DG_E_VENUE_UNKNOWN_ORDER: { status: 404, message: 'venue does not know this order' },
  DG_E_VENUE_DUPLICATE_CLIENT_ID: { status: 409, message: 'client order id already used on this venue' },
  DG_E_VENUE_BAD_ORDER: { status: 400, message: 'order request invalid for the instrument' },
  DG_E_VENUE_UNSUPPORTED: { status: 501, message: 'venue does not support this operation' },

  // --- oms: own-order tracking (state table, client order ids, OrderTracker) -------------------
  DG_E_ILLEGAL_TRANSITION: { status: 409, message: 'event not allowed in the order state' },
  DG_E_DUPLICATE_CLIENT_ID: { status: 409, message: 'client order id already used' },
  DG_E_OMS_UNKNOWN_ORDER: { status: 404, message: 'no tracked order with this id' },
  DG_E_OMS_BAD_CLIENT_ID: { status: 400, message: 'client order id malformed or too long for the venue' },
  DG_E_OMS_BAD_STRATEGY: { status: 400, message: 'strategy name not allowed' },
  DG_E_OMS_BAD_EVENT: { status: 400, message: 'order event malformed' },
  DG_E_OMS_OVERFILL: { status: 409, message: 'fills exceed the order size' },
  DG_E_OMS_CONTRADICTION: { status: 409, message: 'venue reply contradicts what is known of the order' },
  DG_E_OMS_VENUE_ID_CONFLICT: { status: 409, message: 'venue order id already linked to another order' },

  // --- ledger: balances, virtual sub-accounts, reconciliation, shared-memory balances --------
  DG_E_LEDGER_BAD_COMMAND: { status: 400, message: 'balance command is malformed' },
  DG_E_LEDGER_BAD_AMOUNT: { status: 400, message: 'amount must be a finite decimal on the currency grid, in range' },
  DG_E_LEDGER_UNKNOWN_STRATEGY: { status: 404, message: 'unknown strategy' },
  DG_E_LEDGER_UNKNOWN_CURRENCY: { status: 404, message: 'unknown currency' },
  DG_E_LEDGER_BAD_SLOT: { status: 400, message: 'slot index out of range or not the strategy slot' },
  DG_E_LEDGER_INSUFFICIENT: { status: 409, message: 'amount exceeds what is free' },
  DG_E_LEDGER_INVARIANT: { status: 409, message: 'ledger invariant would be violated' },
  DG_E_LEDGER_DUPLICATE_STRATEGY: { status: 409, message: 'strategy or slot already registered' },
  DG_E_LEDGER_DUPLICATE_RESERVATION: { status: 409, message: 'order already holds a reservation' },
  DG_E_LEDGER_UNKNOWN_RESERVATION: { status: 404, message: 'no reservation for this order' },
  DG_E_LEDGER_SHM_LAYOUT: { status: 500, message: 'shared-memory balance file has a bad layout' },
  DG_E_LEDGER_SHM_FULL: { status: 500, message: 'shared-memory balance table is full' },
  DG_E_LEDGER_SHM_BUSY: { status: 503, message: 'no consistent shared-memory snapshot within the retry limit' },
  DG_E_LEDGER_SHM_MAP: { status: 500, message: 'shared-memory balance file could not be mapped' },

  // --- store: crash-safe journal (SQLite WAL) --------------------------------------------------
  DG_E_JOURNAL_BAD_ENTRY: { status: 400, message: 'journal entry is malformed' },
  DG_E_JOURNAL_DUPLICATE_KEY: { status: 409, message: 'idempotency key already journaled' },
  DG_E_JOURNAL_CORRUPT: { status: 500, message: 'journal entry or file is corrupt' },
  DG_E_JOURNAL_SCHEMA: { status: 500, message: 'journal schema version not supported' },
  DG_E_JOURNAL_TRUNCATE: { status: 400, message: 'journal can only be truncated up to its latest snapshot' },
  DG_E_JOURNAL_CLOSED: { status: 500, message: 'journal is closed' },

  // --- bus: events and command RPC over in-process, Redis and NATS ----------------------------
  DG_E_BUS_BAD_REQUEST: { status: 400, message: 'command request is malformed' },
  DG_E_BUS_UNKNOWN_COMMAND: { status: 404, message: 'unknown command' },
  DG_E_BUS_BAD_PAYLOAD: { status: 400, message: 'command payload is invalid' },
  DG_E_BUS_TOO_LARGE: { status: 413, message: 'message exceeds the size limit' },
  DG_E_BUS_EXPIRED: { status: 408, message: 'command arrived after its deadline' },
  DG_E_BUS_TIMEOUT: { status: 504, message: 'no reply from the gateway in time' },
  DG_E_BUS_NO_GATEWAY: { status: 503, message: 'no gateway serves commands under this name' },
  DG_E_BUS_BAD_NAME: { status: 400, message: 'gateway, event type or channel name not allowed' },
  DG_E_BUS_BAD_REPLY: { status: 502, message: 'reply from the gateway is malformed' },
  DG_E_BUS_UNAVAILABLE: { status: 503, message: 'bus connection failed or is closed' },
  DG_E_BUS_POISON: {
    status: 500,
    message:
      'request was taken the maximum number of times without an answer (the gateway stopped or lost its connection while handling it); not run again',
  },

  // --- gateway: the kernel (commands, journal replay, reconciliation) --------------------------
  DG_E_GATEWAY_BAD_COMMAND: { status: 400, message: 'gateway command is malformed' },
  DG_E_GATEWAY_NOT_READY: { status: 503, message: 'gateway is not running' },
  DG_E_GATEWAY_NOT_OWNER: { status: 403, message: 'order belongs to another strategy' },
  DG_E_GATEWAY_UNKNOWN_STRATEGY: { status: 404, message: 'strategy not registered with the gateway' },
  DG_E_GATEWAY_DUPLICATE_COMMAND: { status: 409, message: 'command idempotency key already used' },
  DG_E_GATEWAY_REPLAY: { status: 500, message: 'journal entry could not be replayed' },

  // --- api: protocol servers (MOV Dealer, KuCoin level-3 SDK RPC, FMZ, native REST) --------------
  DG_E_API_BAD_REQUEST: { status: 400, message: 'request malformed or missing parameters' },
  DG_E_API_NOT_FOUND: { status: 404, message: 'no such endpoint' },
  DG_E_API_UNKNOWN_ORDER: { status: 404, message: 'no order with this id' },
  DG_E_API_BAD_TOKEN: { status: 401, message: 'token refused' },
  DG_E_API_UNKNOWN_METHOD: { status: 404, message: 'unknown method' },
  DG_E_API_TOO_LARGE: { status: 413, message: 'request exceeds the size limit' },
  DG_E_API_BAD_HOST: { status: 403, message: 'Host header not allowed (loopback names only)' },
  DG_E_API_UNKNOWN_EXCHANGE: { status: 404, message: 'no gateway or ccxt exchange with this name' },
  DG_E_API_NOT_POST: { status: 405, message: 'only POST requests are served' },
  DG_E_API_NO_PASSTHROUGH: { status: 501, message: 'raw API passthrough needs a real exchange' },

  // --- api/http: native REST + WebSocket API (src/api/http/) -----------------------------------
  DG_E_API_METHOD_NOT_ALLOWED: { status: 405, message: 'method not allowed on this path' },
  DG_E_API_UNSUPPORTED_MEDIA: { status: 415, message: 'request body must be application/json' },
  DG_E_API_NO_LEDGER: { status: 501, message: 'this server has no ledger access (sub-account commands)' },
  DG_E_API_SUBSCRIPTION_LIMIT: { status: 429, message: 'too many subscriptions on this connection' },
  DG_E_API_NOT_SUBSCRIBED: { status: 404, message: 'no such subscription on this connection' },
  DG_E_API_UPGRADE_REQUIRED: { status: 426, message: 'this path serves WebSocket connections only' },

  // --- algo: execution algorithms (src/algo/: params, decision core, runner) -----------------
  DG_E_ALGO_BAD_PARAMS: { status: 400, message: 'algo parameters invalid or out of range' },
  DG_E_ALGO_BAD_SIZE: { status: 400, message: 'algo size invalid, below the instrument minimum or above the maximum' },
  DG_E_ALGO_PAST_END: { status: 400, message: 'algo end time is not in the future' },
  DG_E_ALGO_UNKNOWN: { status: 404, message: 'no algo with this id' },
  DG_E_ALGO_BAD_TRANSITION: { status: 409, message: 'algo cannot do this in its current status' },
  DG_E_ALGO_MARKET_UNAVAILABLE: { status: 503, message: 'market data for the algo is unavailable' },
  DG_E_ALGO_KEY_CONFLICT: { status: 409, message: 'client algo id already started a parent with other parameters' },

  // --- serve: the `deskgate serve` daemon (config, listeners, kernel port) ---------------------
  DG_E_SERVE_CONFIG: { status: 400, message: 'serve configuration is invalid' },
  DG_E_SERVE_INSECURE: { status: 400, message: 'refusing a non-loopback listener without an API token' },
  DG_E_SERVE_IN_DOUBT: { status: 504, message: 'order sent, venue answer unknown; it is being resolved by query' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

export class DeskgateError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly detail: string | undefined;

  constructor(code: ErrorCode, detail?: string) {
    const spec: ErrorSpec = ERRORS[code];
    super(detail ? `${spec.message}: ${detail}` : spec.message);
    this.name = 'DeskgateError';
    this.code = code;
    this.status = spec.status;
    this.detail = detail;
  }

  /** Serialisable form used by APIs and logs (never includes a stack). */
  toJSON(): { code: ErrorCode; status: number; message: string } {
    return { code: this.code, status: this.status, message: this.message };
  }
}

export function dgError(code: ErrorCode, detail?: string): DeskgateError {
  return new DeskgateError(code, detail);
}

export function isDeskgateError(e: unknown): e is DeskgateError {
  return e instanceof DeskgateError;
}

/** Wrap anything thrown into a DeskgateError without leaking internals to a client. */
export function asDeskgateError(e: unknown): DeskgateError {
  if (e instanceof DeskgateError) return e;
  return new DeskgateError('DG_E_INTERNAL');
}

/**
 * Counts errors by code. Layers that must never throw on bad input (decoders, books, sync)
 * record here instead and carry on.
 */
export class ErrorCounter {
  private readonly counts = new Map<ErrorCode, number>();
  private last: DeskgateError | undefined;

  record(e: DeskgateError): void {
    this.counts.set(e.code, (this.counts.get(e.code) ?? 0) + 1);
    this.last = e;
  }

  count(code?: ErrorCode): number {
    if (code) return this.counts.get(code) ?? 0;
    let n = 0;
    for (const v of this.counts.values()) n += v;
    return n;
  }

  lastError(): DeskgateError | undefined {
    return this.last;
  }

  toJSON(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }
}
