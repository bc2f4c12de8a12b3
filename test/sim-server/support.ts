/**
 * Test support for the sim server: an engine with funded accounts, a small seeded order flow that
 * drives the real engine (a test double for the synthetic flow generator), and a signed fetch
 * that speaks KuCoin's auth the way any client does.
 */
import WebSocket from 'ws';
import { ManualClock, systemClock, type Clock } from '../../src/core/clock.js';
import { DEFAULT_MARKETS } from '../../src/venue/sim/default-markets.js';
import { SimEngine } from '../../src/venue/sim/engine.js';
import { Rng } from '../../src/venue/sim/rng.js';
import { kcSignHeaders } from '../../src/venue/sim/server/index.js';

export const TRADER = { key: 'test-key-1', secret: 'test-secret-1', passphrase: 'test-pass-1', accountId: 'trader' };
export const CLASSIC = {
  key: 'test-key-2',
  secret: 'test-secret-2',
  passphrase: 'test-pass-2',
  accountId: 'classic',
  hf: false,
};

export function makeEngine(clock: Clock = systemClock, seed = 7): SimEngine {
  const engine = new SimEngine({ markets: DEFAULT_MARKETS, clock, seed });
  engine.createAccount('flow');
  engine.depositText('flow', 'USDT', '50000000');
  engine.depositText('flow', 'BTC', '100000');
  engine.depositText('flow', 'ETH', '1000000');
  for (const a of [TRADER.accountId, CLASSIC.accountId]) {
    engine.createAccount(a);
    engine.depositText(a, 'USDT', '1000000');
    engine.depositText(a, 'BTC', '10');
    engine.depositText(a, 'ETH', '100');
  }
  return engine;
}

/**
 * Seeded maker/taker flow on one symbol around a reference price: rests limit orders a few ticks
 * from the reference, cancels some, amends none, and now and then crosses the spread.
 */
export class TestFlow {
  private readonly rng: Rng;
  private readonly live: string[] = [];
  readonly ref: number;

  constructor(
    private readonly engine: SimEngine,
    readonly symbol: string,
    seed: number,
  ) {
    this.rng = new Rng(seed);
    const m = engine.market(symbol);
    if (!m) throw new Error(`no market ${symbol}`);
    this.ref = engine.parsePrice(symbol, m.config.startPrice);
  }

  /** Seed both sides with `n` resting orders each. */
  seed(n: number): void {
    for (let i = 0; i < n; i++) {
      this.rest('buy', 1 + (i % 20));
      this.rest('sell', 1 + (i % 20));
    }
  }

  step(): void {
    const r = this.rng.next();
    if (r < 0.5 || this.live.length < 10) {
      this.rest(this.rng.next() < 0.5 ? 'buy' : 'sell', 1 + Math.floor(this.rng.next() * 40));
    } else if (r < 0.8) {
      const i = Math.floor(this.rng.next() * this.live.length);
      const id = this.live[i];
      this.live.splice(i, 1);
      this.engine.cancelOrder('flow', id);
    } else {
      const side = this.rng.next() < 0.5 ? 'buy' : 'sell';
      const res = this.engine.placeOrder({
        account: 'flow',
        symbol: this.symbol,
        side,
        type: 'market',
        size: 1 + Math.floor(this.rng.next() * 300),
      });
      if (!res.ok) throw res.error;
    }
  }

  private rest(side: 'buy' | 'sell', ticksAway: number): void {
    const price = side === 'buy' ? this.ref - ticksAway : this.ref + ticksAway;
    const size = 1 + Math.floor(this.rng.next() * 200);
    const res = this.engine.placeOrder({ account: 'flow', symbol: this.symbol, side, type: 'limit', price, size });
    if (!res.ok) throw res.error;
    if (res.order.status === 'open') this.live.push(res.order.orderId);
  }
}

export interface KcReply {
  status: number;
  body: { code: string; msg?: string; data?: unknown };
}

/** A signed (or public when key is undefined) request to the sim server. */
export async function kcFetch(
  base: string,
  method: string,
  endpoint: string,
  opts: {
    key?: { key: string; secret: string; passphrase: string };
    body?: unknown;
    rawBody?: string;
    clock?: Clock;
    headers?: Record<string, string>;
  } = {},
): Promise<KcReply> {
  const body = opts.rawBody ?? (opts.body === undefined ? '' : JSON.stringify(opts.body));
  const headers: Record<string, string> = { ...(body ? { 'Content-Type': 'application/json' } : {}) };
  if (opts.key)
    Object.assign(headers, kcSignHeaders(opts.key, method, endpoint, body, (opts.clock ?? systemClock).now()));
  Object.assign(headers, opts.headers ?? {});
  const res = await fetch(base + endpoint, { method, headers, body: body || undefined });
  return { status: res.status, body: (await res.json()) as KcReply['body'] };
}

/** Connect with a public token and subscribe to one topic; resolves once acknowledged. */
export async function connectTopic(base: string, topic: string, onFrame: (text: string) => void): Promise<WebSocket> {
  const bullet = await kcFetch(base, 'POST', '/api/v1/bullet-public');
  const d = bullet.body.data as { token: string; instanceServers: Array<{ endpoint: string }> };
  const ws = new WebSocket(`${d.instanceServers[0].endpoint}?token=${encodeURIComponent(d.token)}&connectId=t1`);
  await new Promise<void>((resolve, reject) => {
    ws.once('error', reject);
    ws.on('message', (raw: WebSocket.RawData) => {
      const text = raw.toString();
      if (text.includes('"type":"welcome"')) {
        ws.send(JSON.stringify({ id: 'sub1', type: 'subscribe', topic, privateChannel: false, response: true }));
      } else if (text.includes('"type":"ack"')) {
        resolve();
      } else if (text.includes('"type":"message"')) {
        onFrame(text);
      }
    });
  });
  return ws;
}

export { ManualClock };
