import { mkdtempSync, readFileSync, writeFileSync, cpSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { buildCoinReport, type MarketRow } from '../../src/risk/liquidity/coin-report.js';
import { dirSources } from '../../src/risk/liquidity/dir-source.js';
import { renderHtml, renderMarkdown } from '../../src/risk/liquidity/render.js';
import { synthSources } from '../../src/risk/liquidity/synth-source.js';
import { SimEngineSource } from '../../src/risk/liquidity/sim-engine-source.js';

const FIX = path.join(import.meta.dirname, '..', 'fixtures', 'risk', 'snapshots');
const asOf = Date.UTC(2026, 10, 20, 12);
const row = (rows: MarketRow[], ex: string, type: string): MarketRow => {
  const r = rows.find((x) => x.exchange === ex && x.type === type);
  if (!r) throw new Error(`no row ${ex} ${type}`);
  return r;
};

describe('coin report from saved snapshots (--from-dir)', () => {
  it('reports every exchange × market type, saying why where there is no number', async () => {
    const rep = await buildCoinReport(dirSources(FIX), { coin: 'btc', asOf, notionals: ['10000', '100000'] });
    expect(rep.coin).toBe('BTC');
    expect(rep.rows.map((r) => `${r.exchange}/${r.type}/${r.status}`)).toEqual([
      'alpha/spot/ok',
      'alpha/swap/ok',
      'beta/spot/ok',
      'beta/swap/not listed',
      'gamma/spot/ok',
      'gamma/swap/ok',
    ]);
    expect(row(rep.rows, 'beta', 'swap').reason).toMatch(/lists no BTC\/USDT:USDT/);
    const beta = row(rep.rows, 'beta', 'spot');
    expect(beta.slippage?.[1].buy.complete).toBe(false);
    expect(beta.notes.join('\n')).toMatch(/buy 100000 USDT: book too thin/);
    const gamma = row(rep.rows, 'gamma', 'spot');
    expect(gamma.realisedVol).toBeNull();
    expect(gamma.notes.join('\n')).toMatch(/too few candles.*got 12/);
    const gswap = row(rep.rows, 'gamma', 'swap');
    expect(gswap.notes.join('\n')).toMatch(/funding interval not given, assumed 8h/);
    expect(gswap.funding?.annualised).toBeCloseTo((gswap.funding?.rate ?? 0) * 3 * 365, 12);
    expect(gswap.contractSize).toBe('0.01');
  });

  it('matches an independent float recomputation from the raw snapshot', async () => {
    const rep = await buildCoinReport(dirSources(FIX), { coin: 'BTC', asOf, notionals: ['250000'] });
    const raw = JSON.parse(readFileSync(path.join(FIX, 'alpha', 'BTC-USDT', 'orderbook.json'), 'utf8')) as {
      bids: number[][];
      asks: number[][];
    };
    const mid = (raw.bids[0][0] + raw.asks[0][0]) / 2;
    let rem = 250000;
    let base = 0;
    for (const [p, a] of raw.asks) {
      const q = Math.min(a, rem / p);
      base += q;
      rem -= q * p;
      if (rem <= 1e-9) break;
    }
    const slip = ((250000 / base - mid) / mid) * 1e4;
    const r = row(rep.rows, 'alpha', 'spot');
    expect(r.slippage?.[0].buy.slippageBps).toBeCloseTo(slip, 2);
    let depth = 0;
    for (const [p, a] of raw.bids) if (p >= mid * 0.99) depth += p * a;
    expect(Number(r.depth?.[2].bidQuote)).toBeCloseTo(depth, 1);
    expect(r.spreadBps).toBeCloseTo(((raw.asks[0][0] - raw.bids[0][0]) / mid) * 1e4, 2);
    // depth grows with the band
    const d = r.depth ?? [];
    for (let i = 1; i < d.length; i++) expect(Number(d[i].bidQuote)).toBeGreaterThanOrEqual(Number(d[i - 1].bidQuote));
  });

  it('a malformed snapshot becomes an error row naming the file', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'dg-risk-'));
    try {
      cpSync(FIX, dir, { recursive: true });
      writeFileSync(
        path.join(dir, 'alpha', 'BTC-USDT', 'orderbook.json'),
        '{"symbol":"BTC/USDT","bids":[["abc","1"]],"asks":[]}',
      );
      writeFileSync(path.join(dir, 'gamma', 'markets.json'), 'not json');
      const rep = await buildCoinReport(dirSources(dir), { coin: 'BTC', asOf });
      const a = row(rep.rows, 'alpha', 'spot');
      expect(a.status).toBe('error');
      expect(a.reason).toMatch(/alpha[/\\]BTC-USDT[/\\]orderbook\.json.*not a non-negative decimal/);
      expect(row(rep.rows, 'alpha', 'swap').status).toBe('ok');
      expect(row(rep.rows, 'gamma', 'spot').reason).toMatch(/markets\.json: not JSON/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('renders Markdown and self-contained HTML with SVG charts', async () => {
    const rep = await buildCoinReport(dirSources(FIX), { coin: 'BTC', asOf });
    const md = renderMarkdown(rep);
    expect(md).toMatch(/\| beta \| swap \| BTC\/USDT:USDT \| not listed: beta lists no BTC\/USDT:USDT \|/);
    const spreads = rep.rows.filter((r) => r.status === 'ok').map((r) => r.spreadBps ?? Infinity);
    const tight = rep.rows.find((r) => r.spreadBps === Math.min(...spreads));
    expect(md).toContain(
      `- Tightest spread: ${tight?.exchange} ${tight?.type} at ${tight?.spreadBps?.toFixed(2)} bps.`,
    );
    expect(md).toMatch(/- Combined swap depth within ±1 % over 2 market\(s\)/);
    const html = renderHtml(rep);
    expect((html.match(/<svg /g) ?? []).length).toBe(3);
    expect(html).not.toMatch(/<script|<link|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
  });
});

describe('coin report against the in-process synthetic venues (--sim)', () => {
  it('is deterministic for a seed and clock, and lists what each venue has', async () => {
    const clock = new ManualClock(asOf);
    const a = await buildCoinReport(synthSources(3, clock, ['ETH']), { coin: 'ETH', asOf });
    const b = await buildCoinReport(synthSources(3, clock, ['ETH']), { coin: 'ETH', asOf });
    const c = await buildCoinReport(synthSources(4, clock, ['ETH']), { coin: 'ETH', asOf });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(JSON.stringify(a)).not.toBe(JSON.stringify(c));
    expect(a.rows.map((r) => `${r.exchange}/${r.type}/${r.status}`)).toEqual([
      'sim-a/spot/ok',
      'sim-a/swap/ok',
      'sim-b/spot/ok',
      'sim-b/swap/ok',
      'sim-c/spot/ok',
      'sim-c/swap/not listed',
    ]);
    const spreads = ['sim-a', 'sim-b', 'sim-c'].map((v) => row(a.rows, v, 'spot').spreadBps ?? 0);
    expect(spreads[0]).toBeLessThan(spreads[1]);
    expect(spreads[1]).toBeLessThan(spreads[2]);
    expect(row(a.rows, 'sim-a', 'spot').realisedVol?.candles).toBe(168);
  });

  it('the simulated exchange (src/venue/sim engine + synthetic flow) as a source: deterministic, spot only', async () => {
    const mk = () => new SimEngineSource({ seed: 2, asOf, warmupMinutes: 30, symbols: ['BTC-USDT'] });
    const opts = { coin: 'BTC', asOf, timeframe: '1m', notionals: ['1000', '10000'] };
    const a = await buildCoinReport([mk()], opts);
    const b = await buildCoinReport([mk()], opts);
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    const spot = row(a.rows, 'sim-engine', 'spot');
    expect(spot.status).toBe('ok');
    expect(Number(spot.bestAsk)).toBeGreaterThan(Number(spot.bestBid));
    expect(spot.spreadBps).toBeGreaterThan(0);
    expect(spot.realisedVol?.candles).toBeGreaterThanOrEqual(24);
    expect(spot.notes.join('\n')).toMatch(/24 h volume covers only the 0.5 h/);
    expect(row(a.rows, 'sim-engine', 'swap').status).toBe('not listed');
    const eth = await buildCoinReport([mk()], { ...opts, coin: 'SOL' });
    expect(eth.rows.every((r) => r.status === 'not listed')).toBe(true);
  });

  it('a coin a venue does not list is a not-listed row, bad notionals are an error', async () => {
    const clock = new ManualClock(asOf);
    const rep = await buildCoinReport(synthSources(1, clock, ['BTC']), { coin: 'DOGE', asOf });
    expect(rep.rows.every((r) => r.status === 'not listed')).toBe(true);
    await expect(buildCoinReport(synthSources(1, clock), { coin: 'BTC', asOf, notionals: ['-5'] })).rejects.toThrow(
      /notional/,
    );
  });

  it('CLI: coin-report --from-dir --json and --out write the reports', () => {
    const out = mkdtempSync(path.join(os.tmpdir(), 'dg-risk-cli-'));
    try {
      const stdout = execFileSync(
        process.execPath,
        [
          '--import',
          'tsx',
          'src/cli/main.ts',
          'risk',
          'coin-report',
          'BTC',
          '--from-dir',
          FIX,
          '--notionals',
          '5000,50000',
          '--json',
          '--out',
          out,
        ],
        {
          encoding: 'utf8',
        },
      );
      const rep = JSON.parse(stdout) as { rows: MarketRow[]; notionals: string[] };
      expect(rep.notionals).toEqual(['5000', '50000']);
      expect(rep.rows).toHaveLength(6);
      expect(readFileSync(path.join(out, 'report.md'), 'utf8')).toMatch(/^# Liquidity report: BTC\/USDT/);
      expect(readFileSync(path.join(out, 'report.html'), 'utf8')).toMatch(/<svg /);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
