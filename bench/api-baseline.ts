/**
 * Baseline of the `api` benchmark: an FMZ General Protocol server built the way the seed plugin is
 * (the FMZ docs' Python example): every `ticker` / `depth` POST is answered by one round trip to the
 * venue's REST API, reshaped into FMZ's reply. The venue here is the sim's KuCoin-dialect server:
 *
 *   ticker → GET /api/v1/market/stats?symbol=BTC-USDT           (buy, sell, high, low, last, vol, changePrice)
 *   depth  → GET /api/v1/market/orderbook/level2_20?symbol=…     (20 levels a side)
 *
 * It is given every advantage the seed lacks: a bare node:http server (no framework, no schema
 * validation, no logging) and a keep-alive connection pool to the venue (the seed opens a new
 * connection per call with urllib). Bench-only code; not a product path.
 */
import http from 'node:http';

export interface BaselineServer {
  readonly port: number;
  close(): Promise<void>;
}

interface KcReply {
  code: string;
  data?: unknown;
  msg?: string;
}

interface KcStats {
  time: number;
  symbol: string;
  buy: string | null;
  sell: string | null;
  high: string | null;
  low: string | null;
  last: string | null;
  vol: string;
  changePrice: string | null;
}

interface KcLevel2 {
  time: number;
  bids: Array<[string, string]>;
  asks: Array<[string, string]>;
}

/** a − b on decimal strings, exactly (scaled bigint). */
export function decSub(a: string, b: string): string {
  const scale = Math.max(a.split('.')[1]?.length ?? 0, b.split('.')[1]?.length ?? 0);
  const units = (s: string): bigint => {
    const neg = s.startsWith('-');
    const [i = '0', f = ''] = (neg ? s.slice(1) : s).split('.');
    const v = BigInt(i + f.padEnd(scale, '0'));
    return neg ? -v : v;
  };
  const d = units(a) - units(b);
  const neg = d < 0n;
  const digits = (neg ? -d : d).toString().padStart(scale + 1, '0');
  const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return neg ? `-${text}` : text;
}

const SYMBOL_RE = /^([A-Za-z0-9]{1,20})[_\-/]([A-Za-z0-9]{1,20})$/;

export async function startBaselineFmz(venueUrl: string): Promise<BaselineServer> {
  const venue = new URL(venueUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

  const venueGet = (path: string): Promise<KcReply> =>
    new Promise((resolve, reject) => {
      const r = http.get({ host: venue.hostname, port: venue.port, path, agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          try {
            resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as KcReply);
          } catch (e) {
            reject(e instanceof Error ? e : new Error(String(e)));
          }
        });
        res.on('error', reject);
      });
      r.on('error', reject);
    });

  const answer = async (method: string, params: Record<string, unknown>): Promise<unknown> => {
    const m = SYMBOL_RE.exec(typeof params.symbol === 'string' ? params.symbol : '');
    if (!m) throw new Error('bad symbol');
    const kcSymbol = `${m[1]}-${m[2]}`.toUpperCase();
    if (method === 'ticker') {
      const r = await venueGet(`/api/v1/market/stats?symbol=${kcSymbol}`);
      if (r.code !== '200000') throw new Error(r.msg ?? r.code);
      const s = r.data as KcStats;
      const last = s.last ?? '0';
      return {
        symbol: `${m[1]}_${m[2]}`.toUpperCase(),
        buy: s.buy ?? '0',
        sell: s.sell ?? '0',
        high: s.high ?? '0',
        low: s.low ?? '0',
        open: s.changePrice === null ? last : decSub(last, s.changePrice),
        last,
        vol: s.vol,
        time: String(s.time),
      };
    }
    if (method === 'depth') {
      const limit = Math.max(1, Math.min(Number(params.limit ?? 20) || 20, 20));
      const r = await venueGet(`/api/v1/market/orderbook/level2_20?symbol=${kcSymbol}`);
      if (r.code !== '200000') throw new Error(r.msg ?? r.code);
      const b = r.data as KcLevel2;
      const row = ([p, q]: [string, string]): [number, number] => [Number(p), Number(q)];
      return { time: b.time, asks: b.asks.slice(0, limit).map(row), bids: b.bids.slice(0, limit).map(row) };
    }
    throw new Error(`unsupported method ${method}`);
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const send = (o: unknown): void => {
        const text = JSON.stringify(o);
        res.writeHead(200, {
          'content-type': 'application/json; charset=utf-8',
          'content-length': Buffer.byteLength(text),
        });
        res.end(text);
      };
      let env: { method?: unknown; params?: unknown };
      try {
        env = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof env;
      } catch {
        send({ error: 'body is not JSON' });
        return;
      }
      const method = typeof env.method === 'string' ? env.method : '';
      const params = (typeof env.params === 'object' && env.params !== null ? env.params : {}) as Record<
        string,
        unknown
      >;
      answer(method, params).then(
        (data) => send({ data }),
        (e: unknown) => send({ error: e instanceof Error ? e.message : String(e) }),
      );
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    port,
    async close() {
      await new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      });
      agent.destroy();
    },
  };
}
