/**
 * ccxt's exception classes → the Venue's stable codes. Order matters: subclasses before their
 * parents (RequestTimeout is a NetworkError; InsufficientFunds, InvalidOrder, OrderNotFound are
 * ExchangeErrors). The detail keeps ccxt's class name and a bounded message (ccxt puts the venue's
 * reply body in it, never credentials).
 */
import ccxt from 'ccxt';
import { dgError, isDeskgateError, type DeskgateError, type ErrorCode } from '../../core/errors.js';

/** Venue replies that mean "this client order id was used already" (KuCoin 126044, …). */
const DUPLICATE_RE = /126044|duplicate/i;

export function ccxtErrorCode(e: unknown): ErrorCode {
  if (isDeskgateError(e)) return e.code;
  if (e instanceof ccxt.DuplicateOrderId) return 'DG_E_VENUE_DUPLICATE_CLIENT_ID';
  if (e instanceof ccxt.AuthenticationError || e instanceof ccxt.PermissionDenied) return 'DG_E_VENUE_AUTH';
  if (e instanceof ccxt.InsufficientFunds) return 'DG_E_VENUE_INSUFFICIENT_FUNDS';
  if (e instanceof ccxt.OrderNotFound) return 'DG_E_VENUE_UNKNOWN_ORDER';
  if (e instanceof ccxt.InvalidOrder)
    return DUPLICATE_RE.test(e.message) ? 'DG_E_VENUE_DUPLICATE_CLIENT_ID' : 'DG_E_VENUE_REJECTED';
  if (e instanceof ccxt.BadSymbol) return 'DG_E_UNKNOWN_INSTRUMENT';
  if (e instanceof ccxt.RateLimitExceeded || e instanceof ccxt.DDoSProtection) return 'DG_E_RATE_LIMITED';
  if (e instanceof ccxt.RequestTimeout) return 'DG_E_VENUE_TIMEOUT';
  if (e instanceof ccxt.NetworkError) return 'DG_E_VENUE_UNAVAILABLE';
  if (e instanceof ccxt.BadResponse || e instanceof ccxt.NullResponse) return 'DG_E_VENUE_BAD_REPLY';
  if (e instanceof ccxt.NotSupported) return 'DG_E_VENUE_UNSUPPORTED';
  // e.g. an exchange that lists open orders per symbol only, asked without an instrument
  if (e instanceof ccxt.ArgumentsRequired) return 'DG_E_VENUE_UNSUPPORTED';
  if (e instanceof ccxt.BadRequest || e instanceof ccxt.ExchangeError) return 'DG_E_VENUE_REJECTED';
  // Anything else thrown while parsing a reply (TypeError on a missing field, …).
  return 'DG_E_VENUE_BAD_REPLY';
}

export function fromCcxtError(e: unknown): DeskgateError {
  if (isDeskgateError(e)) return e;
  const name = e instanceof Error ? e.constructor.name : typeof e;
  const msg = e instanceof Error ? e.message : String(e);
  return dgError(ccxtErrorCode(e), `${name}: ${msg.slice(0, 300)}`);
}
