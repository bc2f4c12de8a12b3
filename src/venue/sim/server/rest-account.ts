/**
 * Account REST routes and the WebSocket token flow:
 *   GET  /api/v1/accounts[?currency=&type=]  → [{"id","currency","type","balance","available","holds"}]
 *   GET  /api/v1/accounts/{id}               → {"currency","balance","available","holds"}
 *   GET  /api/v1/hf/accounts/opened          → true | false (per API key; ccxt picks HF endpoints by it)
 *   GET  /api/ua/v1/account/mode             → {"selfAccountMode":"CLASSIC"} (ccxt: not a unified account)
 *   POST /api/v1/bullet-public | bullet-private → {"token","instanceServers":[{"endpoint","protocol":
 *        "websocket","encrypt","pingInterval","pingTimeout"}]}
 * Every account of the sim is one spot trading account; its rows are typed `trade_hf` for HF keys
 * and `trade` for classic ones, and both types answer a query for either.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { authHook, keyOf, ok, parseWith, type ServerContext } from './context.js';
import { KC } from './kc-errors.js';
import { accountRowId } from './wire-format.js';

const TRADING_TYPES = new Set(['trade', 'trade_hf']);

export function registerAccountRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const e = ctx.engine;
  const auth = authHook(ctx);

  const rows = (accountId: string, type: string, currency?: string) =>
    e
      .balances(accountId)
      .filter((b) => currency === undefined || b.currency === currency)
      .map((b) => ({
        id: accountRowId(accountId, b.currency, type),
        currency: b.currency,
        type,
        balance: e.formatAmount(b.currency, b.total),
        available: e.formatAmount(b.currency, b.available),
        holds: e.formatAmount(b.currency, b.hold),
      }));

  app.get('/api/v1/accounts', { preHandler: auth }, async (req, reply) => {
    const q = parseWith(
      z.object({ currency: z.string().min(1).max(20).optional(), type: z.string().min(1).max(20).optional() }),
      req.query,
    );
    const key = keyOf(req);
    const nativeType = key.hf ? 'trade_hf' : 'trade';
    const type = q.type ?? nativeType;
    if (!TRADING_TYPES.has(type) && !['main', 'margin', 'isolated', 'pool', 'contract'].includes(type)) {
      throw KC.badParams('type invalid');
    }
    return ok(reply, TRADING_TYPES.has(type) ? rows(key.accountId, type, q.currency?.toUpperCase()) : []);
  });

  app.get('/api/v1/accounts/:accountId', { preHandler: auth }, async (req, reply) => {
    const p = parseWith(z.object({ accountId: z.string().min(1).max(64) }), req.params);
    const key = keyOf(req);
    for (const type of TRADING_TYPES) {
      const row = rows(key.accountId, type).find((r) => r.id === p.accountId);
      if (row)
        return ok(reply, { currency: row.currency, balance: row.balance, available: row.available, holds: row.holds });
    }
    throw KC.badParams('account not exists');
  });

  app.get('/api/v1/hf/accounts/opened', { preHandler: auth }, async (req, reply) => ok(reply, keyOf(req).hf));
  app.get('/api/ua/v1/account/mode', { preHandler: auth }, async (_req, reply) =>
    ok(reply, { selfAccountMode: 'CLASSIC' }),
  );

  const bullet = (token: string) => ({
    token,
    instanceServers: [
      {
        endpoint: ctx.wsEndpoint(),
        encrypt: false,
        protocol: 'websocket',
        pingInterval: ctx.settings.pingIntervalMs,
        pingTimeout: ctx.settings.pingTimeoutMs,
      },
    ],
  });
  app.post('/api/v1/bullet-public', async (_req, reply) => ok(reply, bullet(ctx.tokens.issue(ctx.clock.now()))));
  app.post('/api/v1/bullet-private', { preHandler: auth }, async (req, reply) =>
    ok(reply, bullet(ctx.tokens.issue(ctx.clock.now(), keyOf(req).accountId))),
  );
}
