/**
 * Checks an OrderRequest against its instrument before anything is sent: a request that cannot be
 * valid on any venue is refused with DG_E_VENUE_BAD_ORDER and never reaches the wire.
 */
import { parseDecimal } from '../core/decimal.js';
import { dgError, type DeskgateError } from '../core/errors.js';
import type { OrderRequest, VenueCapabilities } from './venue.js';

/** Client order ids every supported venue accepts (KuCoin: ≤ 40 of [A-Za-z0-9_-]). */
export const CLIENT_ORDER_ID_RE = /^[A-Za-z0-9_-]{1,40}$/;

export function checkOrderRequest(req: OrderRequest, caps: VenueCapabilities): DeskgateError | undefined {
  const bad = (why: string) => dgError('DG_E_VENUE_BAD_ORDER', why);
  if (typeof req.clientOrderId !== 'string' || !CLIENT_ORDER_ID_RE.test(req.clientOrderId)) {
    return bad('clientOrderId must be 1–40 characters of [A-Za-z0-9_-]');
  }
  if (req.side !== 0 && req.side !== 1) return bad('side must be 0 (buy) or 1 (sell)');
  const inst = req.instrument;
  const lots = req.size;
  if (lots !== undefined && (!Number.isSafeInteger(lots) || lots <= 0))
    return bad(`size ${lots} is not a positive number of lots`);
  if (lots !== undefined && lots < inst.minLots) return bad(`size below the minimum ${inst.minSize} ${inst.base}`);
  if (req.type === 'limit') {
    const p = req.price;
    if (p === undefined || !Number.isSafeInteger(p) || p <= 0)
      return bad(`limit price ${p} is not a positive number of ticks`);
    if (lots === undefined) return bad('limit order needs a size');
    if (req.funds !== undefined) return bad('funds is for market orders only');
    const tif = req.timeInForce ?? 'GTC';
    if (!caps.timeInForce.includes(tif)) return bad(`timeInForce ${tif} not supported`);
    if (req.postOnly && tif !== 'GTC') return bad('postOnly needs GTC');
    if (req.postOnly && !caps.postOnly) return bad('postOnly not supported');
  } else if (req.type === 'market') {
    if (req.price !== undefined) return bad('market order takes no price');
    if (req.postOnly) return bad('market order cannot be postOnly');
    if ((lots === undefined) === (req.funds === undefined)) return bad('market order needs exactly one of size, funds');
    if (req.funds !== undefined) {
      if (!caps.marketByFunds) return bad('market by funds not supported');
      try {
        const f = parseDecimal(req.funds);
        if (f.neg || f.digits === 0n) return bad('funds must be positive');
      } catch {
        return bad('funds is not a decimal');
      }
    }
  } else {
    return bad('type must be limit or market');
  }
  return undefined;
}
