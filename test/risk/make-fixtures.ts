/**
 * Regenerates test/fixtures/risk/ deterministically (run: npx tsx test/risk/make-fixtures.ts).
 * Not a test. The snapshots are synthetic — produced by deskgate's seeded synthetic venues and
 * a GARCH(1,1)-t simulation — and then shaped into the --from-dir layout with a few deliberate
 * gaps (a venue without a perpetual, a thin book, too few candles, a funding file without an
 * interval, book levels as JSON strings) so the report's "why" rows are exercised.
 */
import { mkdirSync, writeFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ManualClock } from '../../src/core/clock.js';
import { simulateGarchReturns } from '../../src/risk/liqsim/models.js';
import { Rng } from '../../src/risk/liqsim/rng.js';
import { fileKey } from '../../src/risk/liquidity/dir-source.js';
import { SynthSource, type SynthVenue } from '../../src/risk/liquidity/synth-source.js';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'risk');
const clock = new ManualClock(Date.UTC(2026, 10, 20, 12, 0, 0));
const write = (rel: string, v: unknown): void => {
  const f = path.join(root, rel);
  mkdirSync(path.dirname(f), { recursive: true });
  // one array row (book level, candle) per line
  const text = JSON.stringify(v, null, 1).replace(
    /\[\s+([^[\]{}]*?)\s+\]/g,
    (_m, inner: string) => `[${inner.replace(/\s*\n\s*/g, ' ')}]`,
  );
  writeFileSync(f, `${text}\n`);
};

async function venue(
  dirName: string,
  v: SynthVenue,
  opts: { candles: number; numbers: boolean; fundingInterval: boolean; bookLevels: number },
): Promise<void> {
  const s = new SynthSource(v, 7, clock, ['BTC']);
  const markets = await s.fetchMarkets();
  write(`snapshots/${dirName}/markets.json`, markets);
  for (const m of markets) {
    const k = fileKey(m.symbol);
    const b = await s.fetchOrderBook(m.symbol, opts.bookLevels);
    const lv = (l: readonly (readonly [string, string])[]) =>
      opts.numbers ? l.map(([p, a]) => [Number(p), Number(a)]) : l;
    write(`snapshots/${dirName}/${k}/orderbook.json`, {
      symbol: m.symbol,
      bids: lv(b.bids),
      asks: lv(b.asks),
      timestamp: b.timestamp,
    });
    write(`snapshots/${dirName}/${k}/ticker.json`, await s.fetchTicker(m.symbol));
    const rows = await s.fetchOHLCV(m.symbol, '1h', undefined, opts.candles);
    write(
      `snapshots/${dirName}/${k}/ohlcv-1h.json`,
      rows.map((r) => r.map((x, i) => (i === 0 ? x : Number(x.toPrecision(8))))),
    );
    if (m.type === 'swap') {
      const f = await s.fetchFundingRate(m.symbol);
      write(
        `snapshots/${dirName}/${k}/funding.json`,
        opts.fundingInterval
          ? f
          : { symbol: f.symbol, fundingRate: f.fundingRate, nextFundingTimestamp: f.nextFundingTimestamp },
      );
    }
  }
}

rmSync(path.join(root, 'snapshots'), { recursive: true, force: true });
await venue(
  'alpha',
  { name: 'alpha', spreadBps: 1, depth: 1.5, gapBps: 1.5, volumeNotional: 2e9, contractSize: '1' },
  { candles: 168, numbers: true, fundingInterval: true, bookLevels: 200 },
);
await venue(
  'beta',
  { name: 'beta', spreadBps: 6, depth: 0.04, gapBps: 5, volumeNotional: 5e7, contractSize: null },
  { candles: 168, numbers: false, fundingInterval: true, bookLevels: 25 },
);
await venue(
  'gamma',
  { name: 'gamma', spreadBps: 3, depth: 0.3, gapBps: 3, volumeNotional: 4e8, contractSize: '0.01' },
  { candles: 12, numbers: false, fundingInterval: false, bookLevels: 150 },
);

// Hourly BTC/USDT candles from GARCH(1,1)-t (ω=2e-6, α=0.08, β=0.9, ν=5), 1000 bars.
const params = { mu: 0, omega: 2e-6, alpha: 0.08, beta: 0.9, nu: 5 };
const r = simulateGarchReturns(params, 1000, new Rng(2026, 1));
let p = 60000;
const lines = ['timestamp,open,high,low,close,volume'];
const t0 = Date.UTC(2026, 9, 1);
for (let i = 0; i < r.length; i++) {
  const o = p;
  p = p * Math.exp(r[i]);
  const hi = Math.max(o, p) * (1 + Math.abs(r[i]) * 0.3);
  const lo = Math.min(o, p) * (1 - Math.abs(r[i]) * 0.3);
  lines.push(
    [
      t0 + i * 3_600_000,
      o.toFixed(1),
      hi.toFixed(1),
      lo.toFixed(1),
      p.toFixed(1),
      (50 + ((10 * i) % 37)).toFixed(3),
    ].join(','),
  );
}
writeFileSync(path.join(root, 'btc-usdt-1h-garch.csv'), `${lines.join('\n')}\n`);
console.log('fixtures written to', root);
