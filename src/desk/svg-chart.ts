/**
 * Dependency-free SVG charts for the self-contained HTML report (no scripts, no network).
 * Every text passes through esc(); numbers are formatted with fixed precision.
 */

export function esc(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}

const W = 760;
const H = 320;
const M = { l: 70, r: 20, t: 30, b: 50 };
const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#4b5563'];

/** About `count` round tick values covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 6): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  if (lo === hi) {
    lo -= 1;
    hi += 1;
  }
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step)
    out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

export function fmtNum(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e9) return `${(v / 1e9).toFixed(1)}G`;
  if (a >= 1e6) return `${(v / 1e6).toFixed(1)}M`;
  if (a >= 1e4) return `${(v / 1e3).toFixed(0)}k`;
  if (a >= 100 || a === 0) return v.toFixed(0);
  if (a >= 1) return v.toFixed(1);
  return v.toPrecision(2);
}

interface Frame {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
  xLabel: string;
  yLabel: string;
  title: string;
  xFormat?: (v: number) => string;
  xTicks?: number[];
}

function frame(f: Frame, body: string): string {
  const sx = (v: number): number => M.l + ((v - f.x0) / (f.x1 - f.x0 || 1)) * (W - M.l - M.r);
  const sy = (v: number): number => H - M.b - ((v - f.y0) / (f.y1 - f.y0 || 1)) * (H - M.t - M.b);
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(f.title)}">`,
  );
  parts.push(`<text x="${W / 2}" y="18" text-anchor="middle" font-size="14" font-weight="bold">${esc(f.title)}</text>`);
  for (const t of niceTicks(f.y0, f.y1)) {
    const y = sy(t).toFixed(1);
    parts.push(`<line x1="${M.l}" x2="${W - M.r}" y1="${y}" y2="${y}" stroke="#e5e7eb"/>`);
    parts.push(
      `<text x="${M.l - 6}" y="${y}" text-anchor="end" dominant-baseline="middle" font-size="11">${esc(fmtNum(t))}</text>`,
    );
  }
  for (const t of f.xTicks ?? niceTicks(f.x0, f.x1)) {
    const x = sx(t).toFixed(1);
    parts.push(`<line x1="${x}" x2="${x}" y1="${H - M.b}" y2="${H - M.b + 4}" stroke="#6b7280"/>`);
    parts.push(
      `<text x="${x}" y="${H - M.b + 16}" text-anchor="middle" font-size="11">${esc((f.xFormat ?? fmtNum)(t))}</text>`,
    );
  }
  parts.push(`<line x1="${M.l}" x2="${W - M.r}" y1="${H - M.b}" y2="${H - M.b}" stroke="#6b7280"/>`);
  parts.push(`<line x1="${M.l}" x2="${M.l}" y1="${M.t}" y2="${H - M.b}" stroke="#6b7280"/>`);
  if (f.y0 < 0 && f.y1 > 0) {
    parts.push(
      `<line x1="${M.l}" x2="${W - M.r}" y1="${sy(0).toFixed(1)}" y2="${sy(0).toFixed(1)}" stroke="#111827" stroke-dasharray="4 3"/>`,
    );
  }
  parts.push(`<text x="${W / 2}" y="${H - 10}" text-anchor="middle" font-size="12">${esc(f.xLabel)}</text>`);
  parts.push(
    `<text x="14" y="${H / 2}" text-anchor="middle" font-size="12" transform="rotate(-90 14 ${H / 2})">${esc(f.yLabel)}</text>`,
  );
  parts.push(
    body
      .replace(/\{\{x:([-+\d.e]+)\}\}/g, (_, v: string) => sx(Number(v)).toFixed(1))
      .replace(/\{\{y:([-+\d.e]+)\}\}/g, (_, v: string) => sy(Number(v)).toFixed(1)),
  );
  parts.push('</svg>');
  return parts.join('\n');
}

function extent(values: Iterable<number>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo === Infinity) return [0, 1];
  if (lo === hi) return [lo - 1, hi + 1];
  return [lo, hi];
}

/** Histogram; values outside [lo, hi] (default p1..p99 given by the caller) go to the edge bins. */
export function histogram(
  values: readonly number[],
  opts: { title: string; xLabel: string; lo: number; hi: number; bins?: number },
): string {
  const bins = opts.bins ?? 40;
  const { lo, hi } = opts.lo < opts.hi ? opts : { lo: opts.lo - 1, hi: opts.hi + 1 };
  const counts = new Array<number>(bins).fill(0);
  const width = (hi - lo) / bins;
  for (const v of values) {
    let i = Math.floor((v - lo) / width);
    if (i < 0) i = 0;
    if (i >= bins) i = bins - 1;
    counts[i]++;
  }
  const maxC = Math.max(1, ...counts);
  const bars = counts
    .map((c, i) => {
      const x0 = lo + i * width;
      return `<rect x="{{x:${x0}}}" width="${((W - M.l - M.r) / bins - 1).toFixed(1)}" y="{{y:${c}}}" height="${(((H - M.t - M.b) * c) / maxC).toFixed(1)}" fill="${x0 + width <= 0 ? PALETTE[1] : PALETTE[0]}"><title>${esc(`${fmtNum(x0)}..${fmtNum(x0 + width)}: ${c}`)}</title></rect>`;
    })
    .join('\n');
  return frame({ x0: lo, x1: hi, y0: 0, y1: maxC, xLabel: opts.xLabel, yLabel: 'pairs', title: opts.title }, bars);
}

export interface Series {
  readonly name: string;
  readonly points: ReadonlyArray<readonly [number, number]>;
}

/** Line chart of one or more series (x sorted ascending); x as epoch ms renders dates. */
export function lineChart(
  series: readonly Series[],
  opts: { title: string; xLabel: string; yLabel: string; timeX?: boolean },
): string {
  const [x0, x1] = extent(series.flatMap((s) => s.points.map((p) => p[0])));
  const [y0, y1] = extent([0, ...series.flatMap((s) => s.points.map((p) => p[1]))]);
  const body = series
    .map((s, si) => {
      const pts = s.points.map((p) => `{{x:${p[0]}}},{{y:${p[1]}}}`).join(' ');
      const color = PALETTE[si % PALETTE.length];
      return (
        `<polyline fill="none" stroke="${color}" stroke-width="1.5" points="${pts}"/>` +
        `<text x="${W - M.r - 4}" y="${M.t + 14 * (si + 1)}" text-anchor="end" font-size="11" fill="${color}">${esc(s.name)}</text>`
      );
    })
    .join('\n');
  const xFormat = opts.timeX ? (v: number): string => new Date(v).toISOString().slice(0, 10) : undefined;
  const xTicks = opts.timeX ? niceTicks(x0, x1, 5) : undefined;
  return frame({ x0, x1, y0, y1, xLabel: opts.xLabel, yLabel: opts.yLabel, title: opts.title, xFormat, xTicks }, body);
}

/** Scatter plot; when logX, x values are plotted as log10(x) (x ≤ 0 clamps to the smallest positive). */
export function scatter(
  points: ReadonlyArray<readonly [number, number]>,
  opts: { title: string; xLabel: string; yLabel: string; logX?: boolean; yLo?: number; yHi?: number },
): string {
  const tx = (x: number): number => (opts.logX ? Math.log10(Math.max(x, 1)) : x);
  const xs = points.map((p) => tx(p[0]));
  const [x0, x1] = extent(xs);
  const [ey0, ey1] = extent(points.map((p) => p[1]));
  const y0 = opts.yLo ?? ey0;
  const y1 = opts.yHi ?? ey1;
  const clamp = (v: number): number => Math.min(y1, Math.max(y0, v));
  const body = points
    .map(
      (p, i) =>
        `<circle cx="{{x:${xs[i]}}}" cy="{{y:${clamp(p[1])}}}" r="2" fill="${PALETTE[0]}" fill-opacity="0.45"/>`,
    )
    .join('');
  const xFormat = opts.logX ? (v: number): string => fmtNum(10 ** v) : undefined;
  const xTicks = opts.logX ? niceTicks(x0, x1, 5).filter((t) => Number.isInteger(t)) : undefined;
  return frame({ x0, x1, y0, y1, xLabel: opts.xLabel, yLabel: opts.yLabel, title: opts.title, xFormat, xTicks }, body);
}

/** Vertical bar chart of labelled values (may be negative). */
export function barChart(
  bars: ReadonlyArray<{ label: string; value: number; note?: string }>,
  opts: { title: string; yLabel: string },
): string {
  const [y0, y1] = extent([0, ...bars.map((b) => b.value)]);
  const n = Math.max(1, bars.length);
  const slot = (W - M.l - M.r) / n;
  const body = bars
    .map((b, i) => {
      const x = M.l + i * slot + slot * 0.15;
      const top = Math.max(b.value, 0);
      const bottom = Math.min(b.value, 0);
      return (
        `<rect x="${x.toFixed(1)}" width="${(slot * 0.7).toFixed(1)}" y="{{y:${top}}}" height="calc(0)" data-b="${bottom}" fill="${b.value < 0 ? PALETTE[1] : PALETTE[2]}"><title>${esc(`${b.label}: ${b.value.toFixed(2)}${b.note ? ` (${b.note})` : ''}`)}</title></rect>` +
        `<text x="${(x + slot * 0.35).toFixed(1)}" y="${H - M.b + 14}" text-anchor="middle" font-size="11">` +
        b.label
          .split(' ')
          .map((w, k) => `<tspan x="${(x + slot * 0.35).toFixed(1)}" dy="${k === 0 ? 0 : 12}">${esc(w)}</tspan>`)
          .join('') +
        '</text>'
      );
    })
    .join('\n');
  // Heights need both ends mapped; resolve after frame() substitutes y positions.
  const svg = frame({ x0: 0, x1: 1, y0, y1, xLabel: '', yLabel: opts.yLabel, title: opts.title, xTicks: [] }, body);
  const sy = (v: number): number => H - M.b - ((v - y0) / (y1 - y0 || 1)) * (H - M.t - M.b);
  return svg.replace(/y="([\d.]+)" height="calc\(0\)" data-b="([-+\d.e]+)"/g, (_, yTop: string, b: string) => {
    const h = Math.max(0.5, sy(Number(b)) - Number(yTop));
    return `y="${yTop}" height="${h.toFixed(1)}"`;
  });
}
