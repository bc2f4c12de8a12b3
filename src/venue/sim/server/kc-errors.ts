/**
 * KuCoin's REST envelope and error codes, as the public clients (ccxt `kucoin.handleErrors`,
 * python-kucoin) read them: success is `{"code":"200000","data":…}`, a failure
 * `{"code":"<6 digits>","msg":"<text>"}`. ccxt matches `msg` exactly first, then `code`.
 *
 *   400001 any KC-API-* header missing         → AuthenticationError   (HTTP 401)
 *   400002 KC-API-TIMESTAMP outside the window → InvalidNonce          (HTTP 401)
 *   400003 KC-API-KEY not exists               → AuthenticationError   (HTTP 401)
 *   400004 KC-API-PASSPHRASE error             → AuthenticationError   (HTTP 401)
 *   400005 signature error                     → AuthenticationError   (HTTP 401)
 *   400100 parameter error                     → BadRequest (or by msg: InvalidOrder, OrderNotFound)
 *   400600 symbol not available for orders     → BadSymbol
 *   404000 URL not found                       → NotSupported
 *   415000 unsupported media type
 *   429000 public rate limit used up           → RateLimitExceeded (by the HTTP 429)
 *   200004 balance insufficient                → InsufficientFunds
 *   126044 clientOid duplicate                 → InvalidOrder
 *   900001 symbol not exists (market data)     → ExchangeError
 *   500000 internal error                      → ExchangeNotAvailable
 */
import type { ErrorCode } from '../../../core/errors.js';

export interface KcError {
  readonly code: string;
  readonly msg: string;
  readonly http: number;
}

export class KcFailure extends Error {
  readonly kc: KcError;
  constructor(kc: KcError) {
    super(kc.msg);
    this.name = 'KcFailure';
    this.kc = kc;
  }
}

export const KC_OK = '200000';

export function kcError(code: string, msg: string, http = 400): KcFailure {
  return new KcFailure({ code, msg, http });
}

export const KC = {
  headersMissing: () =>
    kcError(
      '400001',
      'Please check the header of your request for KC-API-KEY, KC-API-SIGN, KC-API-TIMESTAMP, KC-API-PASSPHRASE',
      401,
    ),
  badTimestamp: () =>
    kcError('400002', 'KC-API-TIMESTAMP Invalid -- Time differs from server time by more than 5 seconds', 401),
  keyNotExists: () => kcError('400003', 'KC-API-KEY not exists', 401),
  badPassphrase: () => kcError('400004', 'Invalid KC-API-PASSPHRASE', 401),
  badSignature: () => kcError('400005', 'Invalid KC-API-SIGN', 401),
  badKeyVersion: () => kcError('400001', 'Invalid KC-API-KEY-VERSION', 401),
  badParams: (msg: string) => kcError('400100', msg, 400),
  symbolNotExists: () => kcError('900001', 'symbol not exists', 400),
  symbolNotAvailable: () => kcError('400600', 'validation.createOrder.symbolNotAvailable', 400),
  notFound: () => kcError('404000', 'Url Not Found', 404),
  unsupportedMedia: () => kcError('415000', 'Unsupported Media Type', 415),
  orderNotExist: () => kcError('400100', 'order not exist.', 400),
  cannotCancel: () => kcError('400100', 'order_not_exist_or_not_allow_to_cancel', 400),
  tooManyRequests: () => kcError('429000', 'Too Many Requests', 429),
  internal: () => kcError('500000', 'Internal Server Error', 500),
} as const;

/** Map a matching-engine rejection (DG_E_SIM_…) to KuCoin's code and message. */
export function kcFromEngine(code: ErrorCode, message: string): KcFailure {
  switch (code) {
    case 'DG_E_SIM_INSUFFICIENT_FUNDS':
      return kcError('200004', 'Balance insufficient!', 400);
    case 'DG_E_SIM_UNKNOWN_SYMBOL':
      return KC.symbolNotAvailable();
    case 'DG_E_SIM_OFF_TICK':
      return KC.badParams('Price increment invalid.');
    case 'DG_E_SIM_OFF_LOT':
      return KC.badParams('Order size increment invalid.');
    case 'DG_E_SIM_BELOW_MIN_SIZE':
      return KC.badParams('Order size below the minimum requirement.');
    case 'DG_E_SIM_ABOVE_MAX_SIZE':
      return KC.badParams('Order size above the maximum requirement.');
    case 'DG_E_SIM_BELOW_MIN_FUNDS':
      return KC.badParams('Order funds below the minimum requirement.');
    case 'DG_E_SIM_OUT_OF_RANGE':
      return KC.badParams('price not in the given range!');
    case 'DG_E_SIM_POST_ONLY_CROSS':
      return KC.badParams('Post-only order would take liquidity.');
    case 'DG_E_SIM_DUPLICATE_CLIENT_OID':
      return kcError('126044', 'clientOid duplicate', 400);
    case 'DG_E_SIM_UNKNOWN_ORDER':
    case 'DG_E_SIM_ORDER_DONE':
      return KC.cannotCancel();
    case 'DG_E_SIM_UNKNOWN_ACCOUNT':
      return KC.keyNotExists();
    default:
      return KC.badParams(message);
  }
}
