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
