/**
 * Ledger operations return their errors as values: `{ ok: false, error }` leaves the ledger
 * exactly as it was, so the kernel can journal the rejected command and carry on.
 */
import { dgError, type DeskgateError, type ErrorCode } from '../core/errors.js';

export type LedgerResult<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: DeskgateError };

export function ok<T>(value: T): LedgerResult<T> {
  return { ok: true, value };
}

export function fail<T = never>(code: ErrorCode, detail?: string): LedgerResult<T> {
  return { ok: false, error: dgError(code, detail) };
}
