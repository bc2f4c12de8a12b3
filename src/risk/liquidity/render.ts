/** Markdown and self-contained HTML (inline SVG charts) renderings of a coin report. */
import { barChart, esc, htmlPage, lineChart } from '../report/svg.js';
import type { CoinReport, MarketRow } from './coin-report.js';
import { Rational } from './rational.js';

const fmtQ = (s: string | undefined): string => {
  if (s === undefined) return '–';
  const v = Number(s);
  return v >= 1e6 ? `${(v / 1e6).toFixed(2)}M` : v >= 1e3 ? `${(v / 1e3).toFixed(1)}k` : v.toFixed(2);
};
const fmtBps = (v: number | null | undefined): string => (v === null || v === undefined ? '–' : v.toFixed(2));
const fmtVol = (v: number | null | undefined): string =>
  v === null || v === undefined
    ? '–'
    : v >= 1e6
      ? `${(v / 1e6).toFixed(1)}M`
      : v >= 1e3
        ? `${(v / 1e3).toFixed(1)}k`
        : v.toFixed(1);
const label = (r: MarketRow): string => `${r.exchange} ${r.type}`;

interface Table {
  head: string[];
  rows: string[][];
}

function tables(rep: CoinReport): { overview: Table; depth: Table; slippage: Table; notes: string[] } {
  const ok = rep.rows.filter((r) => r.status === 'ok');
  const overview: Table = {
    head: [
      'exchange',
      'type',
      'symbol',
      'status',
      'best bid',
      'best ask',
      'spread (bps)',
      `24 h volume (${rep.quote})`,
      'realised vol (ann.)',
      'funding (per interval / ann.)',
    ],
    rows: rep.rows.map((r) =>
      r.status !== 'ok'
        ? [r.exchange, r.type, r.symbol, `${r.status}: ${r.reason ?? ''}`, '', '', '', '', '', '']
        : [
            r.exchange,
            r.type,
            r.symbol,
            'ok',
            r.bestBid ?? '',
            r.bestAsk ?? '',
            fmtBps(r.spreadBps),
            fmtVol(r.volume24hQuote),
            r.realisedVol
              ? `${(r.realisedVol.annualised * 100).toFixed(1)} % (${r.realisedVol.candles}×${r.realisedVol.timeframe})`
              : '–',
            r.funding
              ? `${(r.funding.rate * 100).toFixed(4)} % / ${r.funding.interval} (${r.funding.annualised === null ? 'n/a' : (r.funding.annualised * 100).toFixed(1)} %/yr)`
              : r.type === 'swap'
                ? '–'
                : 'n/a',
          ],
    ),
  };
  const depth: Table = {
    head: ['market', ...rep.bandsPct.map((b) => `±${b} % bid / ask (${rep.quote})`)],
    rows: ok.map((r) => [
      label(r),
      ...(r.depth ?? []).map((d) => `${fmtQ(d.bidQuote)} / ${fmtQ(d.askQuote)}${d.truncated ? ' (≥)' : ''}`),
    ]),
  };
  const slippage: Table = {
    head: ['market', ...rep.notionals.map((n) => `${fmtQ(n)} buy / sell (bps)`)],
    rows: ok.map((r) => [
      label(r),
      ...(r.slippage ?? []).map(
        (s) =>
          `${s.buy.complete ? fmtBps(s.buy.slippageBps) : 'thin'} / ${s.sell.complete ? fmtBps(s.sell.slippageBps) : 'thin'}`,
      ),
    ]),
  };
  const notes = rep.rows.flatMap((r) => r.notes.map((n) => `${label(r)}: ${n}`));
  return { overview, depth, slippage, notes };
}

/** Derived highlights: tightest spread, combined ±1 % depth per market type, cheapest venue per notional. */
export function summary(rep: CoinReport): string[] {
  const ok = rep.rows.filter((r) => r.status === 'ok');
  if (ok.length === 0) return ['No market could be read: see the rows above for why.'];
  const lines: string[] = [];
  const tight = [...ok].sort((a, b) => (a.spreadBps ?? Infinity) - (b.spreadBps ?? Infinity))[0];
  lines.push(`Tightest spread: ${label(tight)} at ${fmtBps(tight.spreadBps)} bps.`);
  const band = rep.bandsPct.indexOf(1);
  if (band >= 0) {
    for (const type of ['spot', 'swap'] as const) {
      const rows = ok.filter((r) => r.type === type && r.depth?.[band]);
      if (rows.length === 0) continue;
      let bid = Rational.ZERO;
      let ask = Rational.ZERO;
      for (const r of rows) {
        bid = bid.add(Rational.parse(r.depth?.[band].bidQuote ?? '0'));
        ask = ask.add(Rational.parse(r.depth?.[band].askQuote ?? '0'));
      }
      lines.push(
        `Combined ${type} depth within ±1 % over ${rows.length} market(s): bid ${fmtQ(bid.toDecimal(2))} / ask ${fmtQ(ask.toDecimal(2))} ${rep.quote}.`,
      );
    }
  }
  rep.notionals.forEach((n, i) => {
    for (const side of ['buy', 'sell'] as const) {
      const c = ok
        .filter((r) => r.slippage?.[i]?.[side].complete)
        .sort(
          (a, b) => (a.slippage?.[i][side].slippageBps ?? Infinity) - (b.slippage?.[i][side].slippageBps ?? Infinity),
        )[0];
      lines.push(
        c
          ? `Cheapest to ${side} ${fmtQ(n)} ${rep.quote}: ${label(c)} at ${fmtBps(c.slippage?.[i][side].slippageBps)} bps.`
          : `No market can ${side} ${fmtQ(n)} ${rep.quote} from its fetched book.`,
      );
    }
  });
  return lines;
}

function mdTable(t: Table): string {
  const cell = (s: string): string => s.replace(/\|/g, '\\|');
  return [
    `| ${t.head.map(cell).join(' | ')} |`,
    `|${t.head.map(() => '---').join('|')}|`,
    ...t.rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ].join('\n');
}

function htmlTable(t: Table): string {
  return `<table><tr>${t.head.map((h, i) => `<th${i < 3 ? ' class="l"' : ''}>${esc(h)}</th>`).join('')}</tr>${t.rows
    .map((r) => `<tr>${r.map((c, i) => `<td${i < 3 ? ' class="l"' : ''}>${esc(c)}</td>`).join('')}</tr>`)
    .join('')}</table>`;
}

const INTRO = (rep: CoinReport): string =>
  `${rep.coin} against ${rep.quote}, spot and linear perpetual, as of ${rep.asOf}. Depth counts resting size within ±x % of each market's mid, in ${rep.quote}. ` +
  `Slippage is the cost of filling the notional by walking the fetched book, volume-weighted average price versus the mid, in bps (exact decimal arithmetic). ` +
  `"thin" = the fetched book cannot fill it; "(≥)" = the fetched book ends inside the band.`;

export function renderMarkdown(rep: CoinReport): string {
  const t = tables(rep);
  const out = [
    `# Liquidity report: ${rep.coin}/${rep.quote}`,
    '',
    INTRO(rep),
    '',
    '## Summary',
    '',
    ...summary(rep).map((l) => `- ${l}`),
    '',
    '## Markets',
    '',
    mdTable(t.overview),
    '',
    '## Depth',
    '',
    mdTable(t.depth),
    '',
    '## Slippage to fill',
    '',
    mdTable(t.slippage),
    '',
  ];
  if (t.notes.length) out.push('## Notes', '', ...t.notes.map((n) => `- ${n}`), '');
  return out.join('\n');
}

export function renderHtml(rep: CoinReport): string {
  const t = tables(rep);
  const ok = rep.rows.filter((r) => r.status === 'ok');
  const parts = [
    `<h1>Liquidity report: ${esc(rep.coin)}/${esc(rep.quote)}</h1>`,
    `<p class="note">${esc(INTRO(rep))}</p>`,
    '<h2>Summary</h2><ul>',
    ...summary(rep).map((l) => `<li>${esc(l)}</li>`),
    '</ul>',
    '<h2>Markets</h2>',
    htmlTable(t.overview),
  ];
  if (ok.length) {
    parts.push(
      barChart({
        title: 'Spread by market (bps)',
        yLabel: 'bps',
        categories: ok.map(label),
        series: [{ name: 'spread', values: ok.map((r) => r.spreadBps ?? null) }],
      }),
    );
    parts.push(
      barChart({
        title: `Depth within ±x % of mid, bid + ask (${rep.quote})`,
        yLabel: rep.quote,
        categories: ok.map(label),
        series: rep.bandsPct.map((b, i) => ({
          name: `±${b} %`,
          values: ok.map((r) => (r.depth?.[i] ? Number(r.depth[i].bidQuote) + Number(r.depth[i].askQuote) : null)),
        })),
      }),
    );
    parts.push(
      lineChart({
        title: 'Buy slippage versus notional (bps; gaps = book too thin)',
        xLabel: `notional (${rep.quote}, log scale)`,
        yLabel: 'bps vs mid',
        x: rep.notionals.map(Number),
        logX: true,
        series: ok.map((r) => ({
          name: label(r),
          values: (r.slippage ?? []).map((s) => (s.buy.complete ? s.buy.slippageBps : null)),
        })),
      }),
    );
  }
  parts.push('<h2>Depth</h2>', htmlTable(t.depth), '<h2>Slippage to fill</h2>', htmlTable(t.slippage));
  if (t.notes.length) parts.push('<h2>Notes</h2><ul>', ...t.notes.map((n) => `<li>${esc(n)}</li>`), '</ul>');
  return htmlPage(`deskgate liquidity report ${rep.coin}`, parts.join('\n'));
}
