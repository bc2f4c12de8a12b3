/**
 * The desk report (S2.3): a self-contained HTML page (inline SVG charts, inline CSS, no scripts,
 * no network) plus CSV files: pairs.csv, aggregates.csv, unmatched.csv.
 */
import { formatAmount, formatFixed, toFloat } from './amount.js';
import { aggregate, DIMENSIONS, type GroupStats } from './aggregate.js';
import { csvLine } from './csv.js';
import type { PairPnl } from './pnl.js';
import { quantileSorted } from './stats.js';
import { barChart, esc, histogram, lineChart, scatter, type Series } from './svg-chart.js';
import type { UnmatchedHedge, UnmatchedLock } from './types.js';

export interface ReportInput {
  readonly pairs: readonly PairPnl[];
  readonly unmatchedLocks: readonly UnmatchedLock[];
  readonly unmatchedHedges: readonly UnmatchedHedge[];
  readonly lockCount: number;
  readonly hedgeCount: number;
  /** Shown in the header; the caller passes its clock's time (this module never reads a clock). */
  readonly generatedAt: number;
  readonly title?: string;
}

export interface ReportFiles {
  readonly 'report.html': string;
  readonly 'pairs.csv': string;
  readonly 'aggregates.csv': string;
  readonly 'unmatched.csv': string;
}

const MAX_SCATTER = 4000;

export function pairsCsv(pairs: readonly PairPnl[]): string {
  const head = csvLine([
    'lock_id',
    'hedge_ids',
    'client_id',
    'side',
    'base',
    'quote',
    'method',
    'venues',
    'lock_time',
    'hedge_start',
    'hedge_end',
    'delay_ms',
    'lock_amount',
    'hedge_amount',
    'lock_price',
    'hedge_avg_price',
    'fee',
    'notional',
    'pnl',
    'pnl_bps',
  ]);
  const rows = pairs.map((p) =>
    csvLine([
      p.lockId,
      p.hedgeIds.join(' '),
      p.clientId,
      p.side,
      p.base,
      p.quote,
      p.method,
      p.venues,
      new Date(p.lockTime).toISOString(),
      new Date(p.hedgeStart).toISOString(),
      new Date(p.hedgeEnd).toISOString(),
      p.delayMs,
      formatAmount(p.lockAmount),
      formatAmount(p.hedgeAmount),
      formatAmount(p.lockPrice),
      formatAmount(p.hedgeAvg),
      formatAmount(p.fee),
      formatAmount(p.notional),
      formatAmount(p.pnl),
      p.pnlBps.toFixed(4),
    ]),
  );
  return head + rows.join('');
}

export function aggregatesCsv(groups: readonly GroupStats[]): string {
  const head = csvLine([
    'dimension',
    'key',
    'quote',
    'count',
    'pnl',
    'notional',
    'weighted_bps',
    'median_bps',
    'p5_bps',
    'p95_bps',
    'win_rate',
    'median_delay_ms',
    'p95_delay_ms',
  ]);
  return (
    head +
    groups
      .map((g) =>
        csvLine([
          g.dimension,
          g.key,
          g.quote,
          g.count,
          formatAmount(g.pnl),
          formatAmount(g.notional),
          g.weightedBps.toFixed(4),
          g.medianBps.toFixed(4),
          g.p5Bps.toFixed(4),
          g.p95Bps.toFixed(4),
          g.winRate.toFixed(4),
          Math.round(g.medianDelayMs),
          Math.round(g.p95DelayMs),
        ]),
      )
      .join('')
  );
}

export function unmatchedCsv(locks: readonly UnmatchedLock[], hedges: readonly UnmatchedHedge[]): string {
  return (
    csvLine(['kind', 'id', 'reason']) +
    locks.map((u) => csvLine(['lock', u.id, u.reason])).join('') +
    hedges.map((u) => csvLine(['hedge', u.id, u.reason])).join('')
  );
}

function countBy<T>(items: readonly T[], key: (t: T) => string): Array<[string, number]> {
  const m = new Map<string, number>();
  for (const it of items) m.set(key(it), (m.get(key(it)) ?? 0) + 1);
  return [...m.entries()].sort((a, b) => b[1] - a[1]);
}

function groupTable(groups: readonly GroupStats[], title: string): string {
  const rows = groups
    .map(
      (g) =>
        `<tr><td>${esc(g.key)}</td><td>${esc(g.quote)}</td><td>${g.count}</td><td class="${g.pnl < 0n ? 'neg' : 'pos'}">${esc(formatFixed(g.pnl, 2))}</td>` +
        `<td>${g.weightedBps.toFixed(2)}</td><td>${g.medianBps.toFixed(2)}</td><td>${g.p5Bps.toFixed(2)} / ${g.p95Bps.toFixed(2)}</td>` +
        `<td>${(g.winRate * 100).toFixed(1)}%</td><td>${(g.medianDelayMs / 1000).toFixed(1)}</td><td>${(g.p95DelayMs / 1000).toFixed(1)}</td></tr>`,
    )
    .join('\n');
  return `<h3>${esc(title)}</h3><table><thead><tr><th>key</th><th>quote</th><th>pairs</th><th>PnL (quote)</th><th>weighted bps</th><th>median bps</th><th>p5 / p95 bps</th><th>win rate</th><th>median delay s</th><th>p95 delay s</th></tr></thead><tbody>${rows}</tbody></table>`;
}

export function buildReport(input: ReportInput): ReportFiles {
  const pairs = input.pairs;
  const groups = DIMENSIONS.flatMap((d) => aggregate(pairs, d));
  const bps = Float64Array.from(pairs.map((p) => p.pnlBps)).sort();
  const lo = bps.length ? quantileSorted(bps, 0.01) : -1;
  const hi = bps.length ? quantileSorted(bps, 0.99) : 1;

  // Cumulative PnL per quote coin, in lock-time order (exact sums, floats only for plotting).
  const byQuote = new Map<string, PairPnl[]>();
  for (const p of [...pairs].sort((a, b) => a.lockTime - b.lockTime)) {
    let list = byQuote.get(p.quote);
    if (!list) byQuote.set(p.quote, (list = []));
    list.push(p);
  }
  const totals: Array<[string, bigint, bigint]> = [];
  const series: Series[] = [];
  for (const [quote, list] of [...byQuote.entries()].sort()) {
    let cum = 0n;
    let notional = 0n;
    const step = Math.max(1, Math.floor(list.length / 2000));
    const points: Array<[number, number]> = [];
    list.forEach((p, i) => {
      cum += p.pnl;
      notional += p.notional;
      if (i % step === 0 || i === list.length - 1) points.push([p.lockTime, toFloat(cum)]);
    });
    totals.push([quote, cum, notional]);
    series.push({ name: quote, points });
  }

  const step = Math.max(1, Math.ceil(pairs.length / MAX_SCATTER));
  const scatterPts: Array<[number, number]> = [];
  for (let i = 0; i < pairs.length; i += step) scatterPts.push([pairs[i].delayMs / 1000, pairs[i].pnlBps]);

  const methodGroups = groups.filter((g) => g.dimension === 'method');
  const charts = [
    histogram([...bps], {
      title: 'PnL distribution (bps; p1..p99, outliers in the edge bins)',
      xLabel: 'PnL bps',
      lo,
      hi,
    }),
    lineChart(series, {
      title: 'Cumulative PnL by quote coin',
      xLabel: 'lock time (UTC)',
      yLabel: 'PnL (quote)',
      timeX: true,
    }),
    scatter(scatterPts, {
      title: 'PnL vs hedge delay',
      xLabel: 'delay seconds (log scale)',
      yLabel: 'PnL bps',
      logX: true,
      yLo: lo,
      yHi: hi,
    }),
    barChart(
      methodGroups.map((g) => ({ label: `${g.key} ${g.quote}`, value: g.weightedBps, note: `${g.count} pairs` })),
      { title: 'Weighted PnL by hedge method (bps)', yLabel: 'bps' },
    ),
  ];

  const matchRate = input.lockCount > 0 ? pairs.length / input.lockCount : 0;
  const reasonRows = [
    ...countBy(input.unmatchedLocks, (u) => `lock: ${u.reason}`),
    ...countBy(input.unmatchedHedges, (u) => `hedge: ${u.reason}`),
  ]
    .map(([r, n]) => `<tr><td>${esc(r)}</td><td>${n}</td></tr>`)
    .join('');
  const totalRows = totals
    .map(([q, pnl, notional]) => {
      const nf = toFloat(notional);
      return `<tr><td>${esc(q)}</td><td class="${pnl < 0n ? 'neg' : 'pos'}">${esc(formatFixed(pnl, 2))}</td><td>${esc(formatFixed(notional, 0))}</td><td>${nf > 0 ? ((toFloat(pnl) / nf) * 1e4).toFixed(2) : '0'}</td></tr>`;
    })
    .join('');
  const dimTitles: Record<string, string> = {
    coin: 'By coin',
    client: 'By client',
    method: 'By hedge method',
    size: 'By size (lock notional in quote)',
    hour: 'By hour of lock (UTC)',
    side: 'By client side',
  };
  const tables = DIMENSIONS.map((d) =>
    groupTable(
      groups.filter((g) => g.dimension === d),
      dimTitles[d],
    ),
  ).join('\n');
  const title = input.title ?? 'deskgate OTC hedge report';

  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<style>
body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:24px;color:#111827;max-width:1600px}
table{border-collapse:collapse;margin:8px 0 20px;font-size:13px}td,th{border:1px solid #d1d5db;padding:3px 8px;text-align:right}
th{background:#f3f4f6}td:first-child{text-align:left}.neg{color:#b91c1c}.pos{color:#15803d}
.charts{display:flex;flex-wrap:wrap;gap:16px}.charts svg{border:1px solid #e5e7eb;background:#fff}
.note{color:#4b5563;font-size:13px}
</style></head><body>
<h1>${esc(title)}</h1>
<p class="note">Generated ${esc(new Date(input.generatedAt).toISOString())}. Sign convention: positive PnL = desk profit.
Client BUY lock: pnl = (lock_price − hedge_avg) × amount − fees; client SELL lock: pnl = (hedge_avg − lock_price) × amount − fees.
bps = pnl / (lock_price × amount) × 10⁴. Delay = first hedge start − lock time.</p>
<h2>Summary</h2>
<table><tbody>
<tr><td>lock orders</td><td>${input.lockCount}</td></tr>
<tr><td>hedge orders</td><td>${input.hedgeCount}</td></tr>
<tr><td>matched pairs</td><td>${pairs.length} (${(matchRate * 100).toFixed(1)}% of locks; ${pairs.filter((p) => p.hedgeIds.length > 1).length} one-to-many)</td></tr>
<tr><td>unmatched locks / hedges</td><td>${input.unmatchedLocks.length} / ${input.unmatchedHedges.length}</td></tr>
<tr><td>median / p5 / p95 PnL bps</td><td>${bps.length ? `${quantileSorted(bps, 0.5).toFixed(2)} / ${quantileSorted(bps, 0.05).toFixed(2)} / ${quantileSorted(bps, 0.95).toFixed(2)}` : '–'}</td></tr>
</tbody></table>
<table><thead><tr><th>quote</th><th>total PnL</th><th>notional</th><th>weighted bps</th></tr></thead><tbody>${totalRows}</tbody></table>
<h2>Charts</h2><div class="charts">
${charts.join('\n')}
</div>
<h2>Breakdown</h2>
${tables}
<h2>Unmatched orders by reason</h2>
<table><thead><tr><th>reason</th><th>count</th></tr></thead><tbody>${reasonRows}</tbody></table>
<p class="note">Full lists: pairs.csv, aggregates.csv, unmatched.csv next to this file.</p>
</body></html>
`;
  return {
    'report.html': html,
    'pairs.csv': pairsCsv(pairs),
    'aggregates.csv': aggregatesCsv(groups),
    'unmatched.csv': unmatchedCsv(input.unmatchedLocks, input.unmatchedHedges),
  };
}
