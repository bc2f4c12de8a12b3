/**
 * The liquidation Monte Carlo's outputs: a deterministic JSON document (same seed ⇒ same
 * bytes, whatever the thread count) and a self-contained HTML report with SVG charts.
 */
import { esc, fanChart, histogram, htmlPage, lineChart } from '../report/svg.js';
import { formatDurationSeconds as formatDuration } from '../../core/duration.js';
import type { Setup } from './setup.js';
import type { Estimate, LossStats, SimStats } from './stats.js';

export interface LiqsimReport {
  readonly kind: 'deskgate.liqsim';
  readonly seed: number;
  readonly paths: number;
  readonly steps: number;
  readonly dt: string;
  readonly horizon: string;
  readonly model: string;
  readonly monitoring: 'discrete' | 'continuous';
  readonly loanCoin: string;
  readonly pairs: { pair: string; price: number; priceSource: string; model: string }[];
  readonly positions: ({
    id: string;
    pair: string;
    collateral: string;
    loan: string;
    ltvNow: number;
    ltvInitial: number;
    ltvMarginCall: number;
    ltvLiquidation: number;
    marginCallPrice: number;
    liquidationPrice: number;
    liquidationDelay: string;
    slippage: number;
  } & LossStats)[];
  readonly aggregate: LossStats;
}

const r6 = (x: number): number => (Number.isFinite(x) ? Number(x.toPrecision(6)) : x);
const est = (e: Estimate): Estimate => ({ value: r6(e.value), se: r6(e.se) });
const stats = (s: LossStats): LossStats => ({
  pMarginCall: est(s.pMarginCall),
  pLiquidation: est(s.pLiquidation),
  pLoss: est(s.pLoss),
  expectedLoss: est(s.expectedLoss),
  var95: est(s.var95),
  var99: est(s.var99),
  lossGivenLoss: r6(s.lossGivenLoss),
});

export function buildReport(setup: Setup, st: SimStats, modelKind: string): LiqsimReport {
  const cfg = setup.config;
  const dtS = Math.round(cfg.dtYears * 365 * 86400 * 1e6) / 1e6;
  return {
    kind: 'deskgate.liqsim',
    seed: cfg.seed,
    paths: cfg.paths,
    steps: cfg.steps,
    dt: formatDuration(dtS),
    horizon: formatDuration(Math.round(dtS * cfg.steps)),
    model: modelKind,
    monitoring: cfg.monitoring,
    loanCoin: setup.loanCoin,
    pairs: setup.pairs.map((p) => ({ pair: p.pair, price: p.s0, priceSource: p.priceSource, model: p.modelText })),
    positions: setup.positions.map((p, i) => {
      const sp = cfg.positions[i];
      const s0 = cfg.pairs[sp.pairIndex].s0;
      return {
        id: p.id,
        pair: `${p.collateralCoin}/${p.loanCoin}`,
        collateral: p.collateralAmount,
        loan: p.loanAmount,
        ltvNow: r6(setup.ltv0[i]),
        ltvInitial: p.ltvInitial,
        ltvMarginCall: p.ltvMarginCall,
        ltvLiquidation: p.ltvLiquidation,
        marginCallPrice: r6(s0 * Math.exp(sp.logMarginCall)),
        liquidationPrice: r6(s0 * Math.exp(sp.logLiquidation)),
        liquidationDelay: formatDuration(p.liquidationDelayS),
        slippage: p.slippage,
        ...stats(st.positions[i]),
      };
    }),
    aggregate: stats(st.aggregate),
  };
}

function quantileAt(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = q * (sorted.length - 1);
  const i = Math.floor(pos);
  const f = pos - i;
  return i + 1 < sorted.length ? sorted[i] * (1 - f) + sorted[i + 1] * f : sorted[i];
}

const QS = [0.05, 0.25, 0.5, 0.75, 0.95];

/** Quantile curves over time of f(path value) for kept paths. */
function quantileCurves(
  paths: Float32Array[],
  points: number,
  f: (logRel: number) => number,
): { q: number; values: number[] }[] {
  const col = new Float64Array(paths.length);
  const out = QS.map((q) => ({ q, values: new Array<number>(points) }));
  for (let m = 0; m < points; m++) {
    for (let i = 0; i < paths.length; i++) col[i] = f(paths[i][m]);
    col.sort();
    QS.forEach((q, k) => (out[k].values[m] = quantileAt(col, q)));
  }
  return out;
}

const pct = (e: Estimate): string => `${(e.value * 100).toFixed(3)} % ± ${(e.se * 100).toFixed(3)}`;
const money = (v: number): string => (Math.abs(v) >= 100 ? v.toFixed(0) : v.toPrecision(4));
const amt = (e: Estimate): string => `${money(e.value)} ± ${money(e.se)}`;

export function renderHtml(rep: LiqsimReport, setup: Setup, st: SimStats): string {
  const cfg = setup.config;
  const dtS = cfg.dtYears * 365 * 86400;
  const horizonS = dtS * cfg.steps;
  const unit = horizonS <= 7 * 86400 ? { s: 3600, name: 'hours' } : { s: 86400, name: 'days' };
  const x = Array.from(
    { length: cfg.fanPoints },
    (_, m) => (Math.round((m * cfg.steps) / (cfg.fanPoints - 1)) * dtS) / unit.s,
  );
  const parts: string[] = [];
  parts.push(`<h1>Forced-liquidation Monte Carlo</h1>`);
  parts.push(
    `<p class="note">${rep.paths.toLocaleString('en')} paths × ${rep.steps} steps of ${esc(rep.dt)} (horizon ${esc(rep.horizon)}), ` +
      `${esc(rep.monitoring)} monitoring, seed ${rep.seed}. Losses in ${esc(rep.loanCoin)}; ± is one standard error. ` +
      `A liquidated position's collateral is sold ${'after its liquidation delay'} at the then-market price less its slippage; loss = max(0, loan − proceeds).</p>`,
  );
  parts.push(
    '<h2>Price models</h2><table><tr><th class="l">pair</th><th>start price</th><th class="l">source</th><th class="l">model</th></tr>',
  );
  for (const p of rep.pairs)
    parts.push(
      `<tr><td class="l">${esc(p.pair)}</td><td>${p.price}</td><td class="l">${esc(p.priceSource)}</td><td class="l">${esc(p.model)}</td></tr>`,
    );
  parts.push('</table>');
  const a = rep.aggregate;
  parts.push('<h2>Aggregate (all positions)</h2><table><tr><th class="l">measure</th><th>value</th></tr>');
  for (const [k, v] of [
    ['P(any margin call)', pct(a.pMarginCall)],
    ['P(any liquidation)', pct(a.pLiquidation)],
    ['P(loss after liquidation)', pct(a.pLoss)],
    ['expected loss', amt(a.expectedLoss)],
    ['VaR 95 % of loss', amt(a.var95)],
    ['VaR 99 % of loss', amt(a.var99)],
    ['mean loss given loss', money(a.lossGivenLoss)],
  ]) {
    parts.push(`<tr><td class="l">${k}</td><td>${v}</td></tr>`);
  }
  parts.push('</table>');
  parts.push(
    '<h2>By position</h2><table><tr><th class="l">id</th><th class="l">pair</th><th>LTV now</th><th>MC / liq LTV</th><th>liq price</th><th>delay</th><th>slip</th>' +
      '<th>P(margin call)</th><th>P(liquidation)</th><th>P(loss)</th><th>E[loss]</th><th>VaR95</th><th>VaR99</th></tr>',
  );
  for (const p of rep.positions.slice(0, 500)) {
    parts.push(
      `<tr><td class="l">${esc(p.id)}</td><td class="l">${esc(p.pair)}</td><td>${p.ltvNow.toFixed(4)}</td><td>${p.ltvMarginCall} / ${p.ltvLiquidation}</td>` +
        `<td>${p.liquidationPrice}</td><td>${esc(p.liquidationDelay)}</td><td>${p.slippage}</td><td>${pct(p.pMarginCall)}</td><td>${pct(p.pLiquidation)}</td>` +
        `<td>${pct(p.pLoss)}</td><td>${amt(p.expectedLoss)}</td><td>${amt(p.var95)}</td><td>${amt(p.var99)}</td></tr>`,
    );
  }
  parts.push('</table>');
  if (rep.positions.length > 500)
    parts.push(`<p class="note">first 500 of ${rep.positions.length} positions shown; all are in the JSON output.</p>`);

  // Charts: price fan and LTV fan per pair, for the pair's largest loan.
  cfg.pairs.forEach((pair, j) => {
    const paths = st.fan[j];
    if (!paths || paths.length < 5) return;
    const idx = cfg.positions
      .map((p, i) => ({ p, i }))
      .filter((o) => o.p.pairIndex === j)
      .sort((u, v) => v.p.loan - u.p.loan)[0];
    const pos = idx.p;
    const rp = rep.positions[idx.i];
    parts.push(`<h2>${esc(pair.pair)}</h2>`);
    parts.push(
      fanChart({
        title: `${pair.pair} price paths (${paths.length} kept paths)`,
        xLabel: unit.name,
        yLabel: `price (${rep.loanCoin})`,
        x,
        quantiles: quantileCurves(paths, cfg.fanPoints, (v) => pair.s0 * Math.exp(v)),
        samples: paths.slice(0, 12).map((p) => Array.from(p, (v) => pair.s0 * Math.exp(v))),
        hlines: [
          { y: rp.marginCallPrice, label: `${pos.id} margin call ${rp.marginCallPrice}`, color: '#ff7f0e' },
          { y: rp.liquidationPrice, label: `${pos.id} liquidation ${rp.liquidationPrice}`, color: '#d62728' },
        ],
      }),
    );
    const ltvOf = (v: number): number => pos.loan / (pos.collateral * pair.s0 * Math.exp(v));
    parts.push(
      fanChart({
        title: `LTV distribution over time — ${pos.id} (largest loan on ${pair.pair}), ignoring the sale`,
        xLabel: unit.name,
        yLabel: 'LTV',
        x,
        quantiles: quantileCurves(paths, cfg.fanPoints, ltvOf),
        hlines: [
          { y: rp.ltvInitial, label: `initial ${rp.ltvInitial}`, color: '#2ca02c' },
          { y: rp.ltvMarginCall, label: `margin call ${rp.ltvMarginCall}`, color: '#ff7f0e' },
          { y: rp.ltvLiquidation, label: `liquidation ${rp.ltvLiquidation}`, color: '#d62728' },
        ],
      }),
    );
  });
  const nPos = cfg.positions.length;
  parts.push(
    lineChart({
      title: 'Share of positions margin-called / liquidated by time (expected)',
      xLabel: unit.name,
      yLabel: 'share of positions',
      x,
      series: [
        { name: 'margin called', values: st.cumMarginCalls.map((v) => v / nPos) },
        { name: 'liquidated', values: st.cumLiquidations.map((v) => v / nPos) },
      ],
    }),
  );
  const vl: { x: number; label: string; color: string }[] = [];
  if (a.var95.value > 0) vl.push({ x: a.var95.value, label: `VaR95 ${money(a.var95.value)}`, color: '#ff7f0e' });
  if (a.var99.value > 0) vl.push({ x: a.var99.value, label: `VaR99 ${money(a.var99.value)}`, color: '#000' });
  parts.push(
    histogram({
      title: `Aggregate loss, paths with a loss (${st.aggLossesSorted.length} of ${st.paths}; P = ${pct(a.pLoss)})`,
      xLabel: `loss (${rep.loanCoin})`,
      yLabel: 'paths',
      sorted: st.aggLossesSorted,
      vlines: vl,
    }),
  );
  return htmlPage('deskgate liquidation Monte Carlo', parts.join('\n'));
}
