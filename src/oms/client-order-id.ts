/**
 * Client order ids made by the gateway.
 *
 * Format: `<strategy><sep><epoch><sep><parent><sep><seq>`
 *   strategy  lowercase letter then lowercase letters/digits (validated, see STRATEGY_RE)
 *   epoch     the session/epoch number supplied by the caller (distinct per gateway start, e.g.
 *             a restart counter kept in the store), base 36 lowercase
 *   parent    optional parent order number (an algo's parent order), base 36, empty when absent
 *   seq       the factory's counter, base 36
 *   sep       per venue: "-" where the venue allows it, an UPPERCASE letter ("Z") for venues that
 *             allow only alphanumerics (OKX) — every field is lowercase, so it never clashes.
 *
 * e.g. KuCoin `mm-kx3f-1a-2s`, OKX `mmZkx3fZ1aZ2s`, no parent `mm-kx3f--2s`.
 * (epoch, seq) make an id unique across restarts as long as the caller never reuses an epoch.
 */
import { dgError, type DeskgateError } from '../core/errors.js';

export interface ClientIdProfile {
  readonly venue: string;
  /** Longest client order id the venue accepts. */
  readonly maxLength: number;
  /** Field separator (one character the venue allows and no field uses). */
  readonly separator: string;
  /** Characters the venue allows in a client order id (the whole id must match). */
  readonly charset: RegExp;
}

/** Venue limits (KuCoin clientOid ≤ 40; Binance newClientOrderId ≤ 36; OKX clOrdId alnum ≤ 32). */
export const CLIENT_ID_PROFILES = {
  kucoin: { venue: 'kucoin', maxLength: 40, separator: '-', charset: /^[A-Za-z0-9_-]+$/ },
  binance: { venue: 'binance', maxLength: 36, separator: '-', charset: /^[.A-Z:/a-z0-9_-]+$/ },
  okx: { venue: 'okx', maxLength: 32, separator: 'Z', charset: /^[A-Za-z0-9]+$/ },
  sim: { venue: 'sim', maxLength: 40, separator: '-', charset: /^[A-Za-z0-9_-]+$/ },
} as const satisfies Record<string, ClientIdProfile>;

/** Strategy names: 1–12 chars, lowercase letter first, then lowercase letters and digits. */
export const STRATEGY_RE = /^[a-z][a-z0-9]{0,11}$/;
const FIELD_RE = /^[0-9a-z]+$/;

export interface ParsedClientOrderId {
  readonly strategy: string;
  readonly epoch: number;
  readonly parent: number | undefined;
  readonly seq: number;
}

export type IdResult<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: DeskgateError };

export function validateStrategy(name: unknown): DeskgateError | undefined {
  if (typeof name !== 'string' || !STRATEGY_RE.test(name)) {
    return dgError(
      'DG_E_OMS_BAD_STRATEGY',
      `${JSON.stringify(String(name).slice(0, 40))} (want ${STRATEGY_RE.source})`,
    );
  }
  return undefined;
}

function checkProfile(p: ClientIdProfile): void {
  if (p.separator.length !== 1 || /[a-z0-9]/.test(p.separator) || !p.charset.test(p.separator)) {
    throw dgError('DG_E_BAD_CONFIG', `client id separator ${JSON.stringify(p.separator)} for ${p.venue}`);
  }
  if (!Number.isSafeInteger(p.maxLength) || p.maxLength < 8) {
    throw dgError('DG_E_BAD_CONFIG', `client id maxLength ${p.maxLength} for ${p.venue}`);
  }
}

function nonNegInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

export function formatClientOrderId(profile: ClientIdProfile, id: ParsedClientOrderId): IdResult<string> {
  const bad = validateStrategy(id.strategy);
  if (bad) return { ok: false, error: bad };
  if (!nonNegInt(id.epoch) || !nonNegInt(id.seq) || (id.parent !== undefined && !nonNegInt(id.parent))) {
    return {
      ok: false,
      error: dgError('DG_E_OMS_BAD_CLIENT_ID', 'epoch, parent and seq must be non-negative safe integers'),
    };
  }
  const s = profile.separator;
  const text = `${id.strategy}${s}${id.epoch.toString(36)}${s}${id.parent === undefined ? '' : id.parent.toString(36)}${s}${id.seq.toString(36)}`;
  if (text.length > profile.maxLength) {
    return {
      ok: false,
      error: dgError(
        'DG_E_OMS_BAD_CLIENT_ID',
        `${text} is ${text.length} chars, ${profile.venue} allows ${profile.maxLength}`,
      ),
    };
  }
  if (!profile.charset.test(text)) {
    return {
      ok: false,
      error: dgError('DG_E_OMS_BAD_CLIENT_ID', `${text} has characters ${profile.venue} does not allow`),
    };
  }
  return { ok: true, value: text };
}

function parseField(f: string): number | undefined {
  if (!FIELD_RE.test(f) || f.length > 10) return undefined;
  const n = parseInt(f, 36);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** Parse a gateway-made client order id back to (strategy, epoch, parent, seq). */
export function parseClientOrderId(profile: ClientIdProfile, text: unknown): IdResult<ParsedClientOrderId> {
  const fail = (why: string): IdResult<ParsedClientOrderId> => ({
    ok: false,
    error: dgError('DG_E_OMS_BAD_CLIENT_ID', `${JSON.stringify(String(text).slice(0, 64))}: ${why}`),
  });
  if (typeof text !== 'string') return fail('not a string');
  if (text.length > profile.maxLength) return fail(`longer than ${profile.maxLength}`);
  const parts = text.split(profile.separator);
  if (parts.length !== 4) return fail('want 4 fields');
  const [strategy, e, p, q] = parts as [string, string, string, string];
  if (validateStrategy(strategy)) return fail('bad strategy field');
  const epoch = parseField(e);
  const seq = parseField(q);
  const parent = p === '' ? undefined : parseField(p);
  if (epoch === undefined || seq === undefined || (p !== '' && parent === undefined)) return fail('bad number field');
  // Canonical form only (no leading zeros), so one order has exactly one id.
  const canon = formatClientOrderId(profile, { strategy, epoch, parent, seq });
  if (!canon.ok || canon.value !== text) return fail('not in canonical form');
  return { ok: true, value: { strategy, epoch, parent, seq } };
}

export interface ClientOrderIdFactoryOptions {
  readonly profile: ClientIdProfile;
  /** Session/epoch number, distinct for every gateway start (the caller keeps it durable). */
  readonly epoch: number;
  /** First sequence number (default 1). */
  readonly startSeq?: number;
}

/** Makes client order ids; one counter per factory, so ids are unique within the epoch. */
export class ClientOrderIdFactory {
  readonly profile: ClientIdProfile;
  readonly epoch: number;
  private seq: number;

  constructor(opts: ClientOrderIdFactoryOptions) {
    checkProfile(opts.profile);
    if (!nonNegInt(opts.epoch)) throw dgError('DG_E_BAD_CONFIG', `epoch ${String(opts.epoch)}`);
    const start = opts.startSeq ?? 1;
    if (!nonNegInt(start)) throw dgError('DG_E_BAD_CONFIG', `startSeq ${String(start)}`);
    this.profile = opts.profile;
    this.epoch = opts.epoch;
    this.seq = start;
  }

  /** The next id for `strategy` (and optional parent order number). Does not consume a seq on error. */
  next(strategy: string, parent?: number): IdResult<string> {
    const r = formatClientOrderId(this.profile, { strategy, epoch: this.epoch, parent, seq: this.seq });
    if (r.ok) this.seq++;
    return r;
  }

  /** The sequence number the next id will carry. */
  peekSeq(): number {
    return this.seq;
  }

  parse(text: unknown): IdResult<ParsedClientOrderId> {
    return parseClientOrderId(this.profile, text);
  }
}
