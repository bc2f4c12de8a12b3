/**
 * `npm run bench -- feeds`: the real captures (test/fixtures/cryptofeed) replayed in memory,
 * FEEDS_BENCH_REPS times each (default 20), through three pipelines on the same frames:
 *
 *   json_parse_<venue>_msgs_per_s   JSON.parse alone (the ceiling of any JSON decoder)
 *   deskgate_<venue>_msgs_per_s     ReplayEngine.feed: decoder → BookSync → L2Book, exact ticks/lots,
 *                                   sequence checks, OKX CRC32 verified on every update, crossed check
 *   ccxt_<venue>_msgs_per_s         JSON.parse + parseFloat + ccxt's OrderBook (exchange.orderBook(),
 *                                   what ccxt pro's handlers keep): no sequence sync, no checksum,
 *                                   float prices — less work and fewer guarantees
 *
 * The pipelines alternate round by round (after one warm-up round) so noise hits them alike.
 * Each repetition starts from fresh books (a repeated stream would otherwise be all duplicates).
 * The grid pre-pass (ReplayEngine.scan) is a capture artefact and is not timed.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ccxt from 'ccxt';
import { parseCapture, type CaptureRecord } from '../src/feeds/replay/capture-reader.js';
import { ReplayEngine } from '../src/feeds/replay/replay-engine.js';

const REPS = Number(process.env.FEEDS_BENCH_REPS ?? 20);
const here = path.dirname(fileURLToPath(import.meta.url));
const DIR = path.join(here, '..', 'test', 'fixtures', 'cryptofeed');

type Venue = 'kucoin' | 'okx' | 'coinbase';
interface CcxtSide {
  store(price: number, size: number): void;
}
interface CcxtBook {
  bids: CcxtSide;
  asks: CcxtSide;
}
type Obj = Record<string, unknown>;

const rows = (v: unknown): Array<[number, number]> =>
  (v as string[][]).map((r) => [parseFloat(r[0]), parseFloat(r[1])]);

/** The baseline: what a ccxt-pro style handler does with each frame. */
function ccxtRun(venue: Venue, recs: readonly CaptureRecord[], snaps: readonly CaptureRecord[]): number {
  const ex = new ccxt.pro.kucoin();
  const books = new Map<string, CcxtBook>();
  const mk = (sym: string, bids: Array<[number, number]>, asks: Array<[number, number]>): void => {
    books.set(sym, ex.orderBook({ bids, asks }) as unknown as CcxtBook);
  };
  let si = 0;
  let n = 0;
  for (const r of recs) {
    if (r.kind !== 'recv') continue;
    while (
      venue === 'kucoin' &&
      si < snaps.length &&
      snaps[si].kind === 'http' &&
      (snaps[si] as { ts: number }).ts <= r.ts
    ) {
      const s = snaps[si++] as { url: string; body: string };
      const d = (JSON.parse(s.body) as Obj).data as Obj;
      mk(/symbol=([^&]+)/.exec(s.url)?.[1] ?? '', rows(d.bids), rows(d.asks));
    }
    n++;
    const m = JSON.parse(r.frame) as Obj;
    if (venue === 'kucoin') {
      if (m.subject !== 'trade.l2update') continue;
      const d = m.data as Obj;
      const b = books.get(d.symbol as string);
      if (!b) continue;
      const ch = d.changes as { bids: string[][]; asks: string[][] };
      for (const c of ch.bids) if (c[0] !== '0') b.bids.store(parseFloat(c[0]), parseFloat(c[1]));
      for (const c of ch.asks) if (c[0] !== '0') b.asks.store(parseFloat(c[0]), parseFloat(c[1]));
    } else if (venue === 'okx') {
      const arg = m.arg as Obj | undefined;
      if (!arg || arg.channel !== 'books' || !Array.isArray(m.data)) continue;
      const d = (m.data as Obj[])[0];
      const sym = arg.instId as string;
      if (m.action === 'snapshot') mk(sym, rows(d.bids), rows(d.asks));
      else {
        const b = books.get(sym);
        if (!b) continue;
        for (const [p, s] of rows(d.bids)) b.bids.store(p, s);
        for (const [p, s] of rows(d.asks)) b.asks.store(p, s);
      }
    } else {
      const sym = m.product_id as string;
      if (m.type === 'snapshot') mk(sym, rows(m.bids), rows(m.asks));
      else if (m.type === 'l2update') {
        const b = books.get(sym);
        if (!b) continue;
        for (const c of m.changes as string[][])
          (c[0] === 'buy' ? b.bids : b.asks).store(parseFloat(c[1]), parseFloat(c[2]));
      }
    }
  }
  return n;
}

export async function run(log: (line: string) => void): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const files: Record<Venue, [string, string | undefined]> = {
    kucoin: ['KUCOIN.ws.1.0', 'KUCOIN.http.0.0'],
    okx: ['OKX.ws.1.0', undefined],
    coinbase: ['COINBASE.ws.28.0', undefined],
  };
  for (const venue of Object.keys(files) as Venue[]) {
    const [ws, http] = files[venue];
    const recs = parseCapture(readFileSync(path.join(DIR, ws), 'utf8'));
    const snaps = http ? parseCapture(readFileSync(path.join(DIR, http), 'utf8')) : [];
    const frames = recs.filter((r) => r.kind === 'recv').length;
    const total = frames * REPS;

    // One untimed warm-up round, then REPS rounds; the three pipelines alternate within each
    // round so machine noise hits them alike.
    let tJson = 0;
    let tDg = 0;
    let tCcxt = 0;
    let checks = 0;
    for (let i = 0; i <= REPS; i++) {
      let t0 = process.hrtime.bigint();
      for (const r of recs) if (r.kind === 'recv') JSON.parse(r.frame);
      const dJson = Number(process.hrtime.bigint() - t0);

      const e = new ReplayEngine({ venue });
      for (const r of recs) e.scan(r);
      for (const r of snaps) e.scan(r);
      e.start();
      e.addSnapshots(snaps);
      t0 = process.hrtime.bigint();
      for (const r of recs) e.feed(r);
      const rep = e.finish();
      const dDg = Number(process.hrtime.bigint() - t0);
      checks = rep.symbols.reduce((a, s) => a + s.checksumOk, 0);

      t0 = process.hrtime.bigint();
      ccxtRun(venue, recs, snaps);
      const dCcxt = Number(process.hrtime.bigint() - t0);
      if (i === 0) continue;
      tJson += dJson;
      tDg += dDg;
      tCcxt += dCcxt;
    }

    const rate = (ns: number): number => Math.round((total / ns) * 1e9);
    out[`json_parse_${venue}_msgs_per_s`] = rate(tJson);
    out[`deskgate_${venue}_msgs_per_s`] = rate(tDg);
    out[`ccxt_${venue}_msgs_per_s`] = rate(tCcxt);
    log(
      `${venue}: ${frames} frames × ${REPS}: JSON.parse ${rate(tJson)}/s, deskgate ${rate(tDg)}/s ` +
        `(${checks} checksums verified per pass), ccxt OrderBook ${rate(tCcxt)}/s; deskgate/ccxt = ${(tCcxt / tDg).toFixed(2)}`,
    );
  }
  return out;
}
