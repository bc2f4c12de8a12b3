/**
 * `exchange.IO("api", verb, path, query)` → ccxt's implicit API methods. ccxt defines one method
 * per endpoint of its `api` tree (e.g. kucoin `public.get['timestamp']` ⇒ `publicGetTimestamp`,
 * okx `private.get['trade/orders-pending']` ⇒ `privateGetTradeOrdersPending`) and signs the call
 * itself. The request path (`/api/v1/timestamp`) is matched against every endpoint of the verb:
 * the endpoint must be a suffix of the path by whole segments (`{param}` segments capture a value),
 * and the longest match wins; private endpoints win ties when credentials are set. What comes before
 * the endpoint (`/api/v1/`) is the version prefix ccxt adds by itself.
 */
import type { Exchange } from 'ccxt';
import { dgError } from '../../core/errors.js';
import { fromCcxtError } from '../../venue/ccxt/ccxt-errors.js';
import type { Passthrough } from './methods.js';

interface Endpoint {
  readonly name: string;
  readonly segments: readonly string[];
  readonly privateApi: boolean;
}

const VERBS = new Set(['get', 'post', 'put', 'delete', 'patch', 'head']);

function capitalize(s: string): string {
  return s.length === 0 ? s : s[0].toUpperCase() + s.slice(1);
}

/** Endpoints of one verb in ccxt's api tree, with their implicit method names (ccxt's own rule). */
export function implicitEndpoints(api: unknown, verb: string): Endpoint[] {
  const out: Endpoint[] = [];
  const want = verb.toLowerCase();
  const walk = (node: unknown, paths: string[]): void => {
    if (node === null || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
      if (VERBS.has(key.toLowerCase())) {
        if (key.toLowerCase() !== want) continue;
        const list = Array.isArray(value) ? value.map(String) : Object.keys((value ?? {}) as object);
        for (const raw of list) {
          const path = raw.trim();
          const suffix = path
            .split(/[^a-zA-Z0-9]/)
            .map(capitalize)
            .join('');
          const prefix = [paths[0], ...paths.slice(1).map(capitalize)].join('');
          out.push({
            name: prefix + capitalize(want) + capitalize(suffix),
            segments: path.split('/').filter((s) => s.length > 0),
            privateApi: paths.some((p) => /private/i.test(p)),
          });
        }
      } else if (!Array.isArray(value)) {
        walk(value, [...paths, key]);
      }
    }
  };
  walk(api, []);
  return out;
}

/** Match `path` (no query) against the endpoints; returns the method name and path parameters. */
export function matchEndpoint(
  endpoints: readonly Endpoint[],
  path: string,
  preferPrivate: boolean,
): { name: string; pathParams: Record<string, string> } | undefined {
  const segs = path
    .split('?')[0]
    .split('/')
    .filter((s) => s.length > 0);
  let best: { ep: Endpoint; pathParams: Record<string, string> } | undefined;
  for (const ep of endpoints) {
    const n = ep.segments.length;
    if (n === 0 || n > segs.length) continue;
    const tail = segs.slice(segs.length - n);
    const pathParams: Record<string, string> = {};
    let ok = true;
    for (let i = 0; i < n && ok; i++) {
      const want = ep.segments[i];
      const ph = /^\{(\w+)\}$/.exec(want);
      if (ph) pathParams[ph[1]] = decodeURIComponent(tail[i]);
      else ok = want === tail[i];
    }
    if (!ok) continue;
    const better =
      !best ||
      n > best.ep.segments.length ||
      (n === best.ep.segments.length && preferPrivate && ep.privateApi && !best.ep.privateApi);
    if (better) best = { ep, pathParams };
  }
  return best ? { name: best.ep.name, pathParams: best.pathParams } : undefined;
}

/** A Passthrough for one ccxt exchange instance. */
export function ccxtPassthrough(ex: Exchange): Passthrough {
  return async (httpMethod, path, params) => {
    const verb = httpMethod.toUpperCase();
    if (!VERBS.has(verb.toLowerCase())) throw dgError('DG_E_API_BAD_REQUEST', `Http-Method ${verb.slice(0, 16)}`);
    if (!path.startsWith('/') || path.length > 512) throw dgError('DG_E_API_BAD_REQUEST', 'path must start with /');
    const preferPrivate = typeof ex.apiKey === 'string' && ex.apiKey.length > 0;
    const hit = matchEndpoint(implicitEndpoints(ex.api, verb), path, preferPrivate);
    if (!hit) throw dgError('DG_E_API_NOT_FOUND', `${ex.id} has no ${verb} ${path.slice(0, 128)} in ccxt's api`);
    const fn = (ex as unknown as Record<string, unknown>)[hit.name];
    if (typeof fn !== 'function') throw dgError('DG_E_API_NOT_FOUND', `${ex.id}.${hit.name}`);
    try {
      return await (fn as (p: Record<string, unknown>) => Promise<unknown>).call(ex, { ...params, ...hit.pathParams });
    } catch (e) {
      throw fromCcxtError(e);
    }
  };
}
