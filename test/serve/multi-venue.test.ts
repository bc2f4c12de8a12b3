/**
 * Several venues in one `deskgate serve`: the embedded sim plus a ccxt kucoin account (ccxt.pro
 * kucoin pointed at a second simulated exchange's KuCoin-dialect server on loopback, with its own
 * synthetic flow). Per-venue listeners: a MOV Dealer and a REST API on each venue, and the KuCoin L3
 * RPC on the ccxt venue — its book and its order-by-order fan-out come from KuCoin's native level-3
 * feed (bullet-public → WebSocket → BookSync), not from an in-process engine.
 */
import net from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import type { L3Event } from '../../src/core/events.js';
import { parseServeConfig } from '../../src/gateway/serve/config.js';
import { startServe } from '../../src/gateway/serve/serve.js';
import { CcxtVenue } from '../../src/venue/ccxt/ccxt-venue.js';
import { DEFAULT_MARKETS } from '../../src/venue/sim/default-markets.js';
import { SimEngine } from '../../src/venue/sim/engine.js';
import { RealtimeDriver } from '../../src/venue/sim/flow/realtime-driver.js';
import { SyntheticFlow } from '../../src/venue/sim/flow/synthetic-flow.js';
import { startSimServer } from '../../src/venue/sim/server/index.js';
import { removeTempDirs, tempDir, until } from './support.js';

afterAll(() => removeTempDirs());

const RPC_TOKEN = 'multi-venue-rpc-token';

function rpcCall(port: number, method: string, params: Record<string, unknown>): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => {
      s.write(JSON.stringify({ method: `Server.${method}`, params: [{ token: RPC_TOKEN, ...params }], id: 1 }));
    });
    let buf = '';
    s.setEncoding('utf8');
    s.on('data', (c: string) => {
      buf += c;
      const i = buf.indexOf('\n');
      if (i >= 0) {
        s.destroy();
        resolve(JSON.parse(buf.slice(0, i)) as Record<string, unknown>);
      }
    });
    s.on('error', reject);
  });
}

describe('deskgate serve with two venues', () => {
  it('dealer and REST per venue; the L3 RPC on a ccxt kucoin venue from its native L3 feed', async () => {
    const engine = new SimEngine({ markets: DEFAULT_MARKETS, clock: systemClock, seed: 11 });
    engine.createAccount('acct');
    engine.depositText('acct', 'USDT', '250000');
    engine.depositText('acct', 'BTC', '3');
    const flow = new SyntheticFlow(engine, { seed: 11, ratePerSec: 60, startMs: systemClock.now() });
    const driver = new RealtimeDriver(flow, { clock: systemClock });
    driver.start();
    const srv = await startSimServer({
      engine,
      apiKeys: [{ key: 'mv-key', secret: 'mv-secret', passphrase: 'mv-pass', accountId: 'acct' }],
    });
    const dir = tempDir('multi');
    const cfg = parseServeConfig({
      dataDir: join(dir, 'data'),
      venues: [
        { type: 'sim', ratePerSec: 40, seed: 7 },
        {
          type: 'ccxt',
          name: 'kc',
          exchange: 'kucoin',
          url: srv.url,
          symbols: ['BTC-USDT'],
          credentials: { apiKey: 'mv-key', secret: 'mv-secret', password: 'mv-pass' },
        },
      ],
      listeners: {
        fmz: { port: 0 },
        dealer: [{ port: 0 }, { port: 0, venue: 'kc' }],
        l3rpc: { port: 0, venue: 'kc', symbol: 'BTC-USDT' },
        http: [{ port: 0 }, { port: 0, venue: 'kc' }],
      },
      metricsPort: 0,
    });
    if (!cfg.ok) throw cfg.error;
    const printed: string[] = [];
    const h = await startServe({
      config: cfg.value,
      print: (l) => printed.push(l),
      env: { DESKGATE_RPC_TOKEN: RPC_TOKEN },
    });
    try {
      expect(h.gateways.map((g) => g.name)).toEqual(['sim', 'kc']);
      expect(h.missing).toEqual([]);
      const dealers = h.listeners.filter((l) => l.name === 'dealer');
      expect(dealers.map((d) => d.note)).toEqual(['MOV Dealer (sim; loopback only)', 'MOV Dealer (kc; loopback only)']);
      const https = h.listeners.filter((l) => l.name === 'http');
      expect(https).toHaveLength(2);
      // One /metrics for the process.
      expect(h.listeners.filter((l) => l.name === 'metrics')).toHaveLength(1);

      // Each REST listener answers for its own gateway.
      const names = await Promise.all(
        https.map(async (l) => ((await (await fetch(`${l.url}/health`)).json()) as { gateway: string }).gateway),
      );
      expect(names).toEqual(['sim', 'kc']);

      // Each MOV Dealer reads its own account: the kc account holds 3 BTC, the embedded sim 10.
      const btcOf = async (base: string): Promise<number> => {
        const r = (await (await fetch(`${base}/api/v1/balances`)).json()) as {
          code: number;
          result: { data: { currency: string; total: string }[] };
        };
        expect(r.code).toBe(200);
        const btc = r.result.data.find((b) => b.currency === 'BTC');
        expect(btc, JSON.stringify(r.result)).toBeDefined();
        return Number(btc!.total);
      };
      expect(await btcOf(dealers[0].url)).toBe(10);
      expect(await btcOf(dealers[1].url)).toBe(3);

      // The L3 RPC on kc: the book from KuCoin's native L3 feed equals the remote engine's.
      const rpc = h.listeners.find((l) => l.name === 'l3rpc');
      expect(rpc?.note).toMatch(/BTC-USDT on kc/);
      const got = await until(
        async () => {
          const r = (await rpcCall(rpc!.port, 'GetOrderBook', { number: 5 })) as {
            result: { code: string; data: { asks: string[][]; bids: string[][] } };
          };
          return r.result.code === '0' && r.result.data.asks.length === 5 ? r.result.data : undefined;
        },
        20_000,
        'L3 RPC book',
      );
      const best = Number(got.asks[0][0]);
      expect(best).toBeGreaterThan(Number(got.bids[0][0]));
      const remoteAsk = Number(engine.formatPrice('BTC-USDT', engine.bestAsk('BTC-USDT')!));
      // The flow keeps moving: the RPC's best ask is the engine's within a few steps.
      expect(Math.abs(best - remoteAsk) / remoteAsk).toBeLessThan(0.002);

      // The order-by-order stream the fan-out re-sends comes off the same feed, in sequence.
      const kc = h.gateways[1].venue;
      expect(kc).toBeInstanceOf(CcxtVenue);
      const inst = h.gateways[1].port.instrument('BTC-USDT')!;
      const seen: L3Event[] = [];
      const off = (kc as CcxtVenue).onL3(inst, (e) => seen.push(e));
      await until(() => (seen.length >= 20 ? true : undefined), 20_000, 'L3 events');
      off();
      for (let i = 1; i < seen.length; i++) expect(seen[i].seq).toBe(seen[i - 1].seq + 1);
    } finally {
      await h.close();
      driver.stop();
      await srv.close();
    }
  });
});
