/**
 * Small self-contained SVG charts for the risk reports: no scripts, no CDN, no network —
 * the HTML files open offline. Fan (quantile bands), line, grouped bar and histogram charts.
 */

export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export const PALETTE = [
  '#1f77b4',
  '#d62728',
  '#2ca02c',
  '#ff7f0e',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#17becf',
  '#7f7f7f',
  '#bcbd22',
];

const W = 760;
const H = 340;
const M = { l: 74, r: 16, t: 34, b: 46 };

/** "Nice" tick values covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, target = 6): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  if (hi === lo) {
    hi = lo + (lo === 0 ? 1 : Math.abs(lo) * 0.1);
  }
  const raw = (hi - lo) / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((f) => f * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step)
    out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

export function fmtNum(v: number): string {
  const a = Math.abs(v);
  if (a === 0) return '0';
  if (a >= 1e9) return `${(v / 1e9).toPrecision(3)}G`;
  if (a >= 1e6) return `${(v / 1e6).toPrecision(3)}M`;
  if (a >= 1e4) return `${(v / 1e3).toPrecision(3)}k`;
  if (a >= 1) return String(Math.round(v * 100) / 100);
  return v.toPrecision(2);
}

interface Frame {
  x: (v: number) => number;
  y: (v: number) => number;
  parts: string[];
}

function frame(
  title: string,
  xr: [number, number],
  yr: [number, number],
  xLabel: string,
  yLabel: string,
  xTicks?: { v: number; label: string }[],
  integerY = false,
): Frame {
  const [x0, x1] = xr[0] === xr[1] ? [xr[0] - 1, xr[1] + 1] : xr;
  const [y0, y1] = yr[0] === yr[1] ? [yr[0] - 1, yr[1] + 1] : yr;
  const x = (v: number): number => M.l + ((v - x0) / (x1 - x0)) * (W - M.l - M.r);
  const y = (v: number): number => H - M.b - ((v - y0) / (y1 - y0)) * (H - M.t - M.b);
  const parts: string[] = [];
  parts.push(`<text x="${W / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">${esc(title)}</text>`);
  for (const t of niceTicks(y0, y1)) {
    if (t < y0 || t > y1 || (integerY && !Number.isInteger(t))) continue;
    parts.push(`<line x1="${M.l}" x2="${W - M.r}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}" stroke="#e5e5e5"/>`);
    parts.push(
      `<text x="${M.l - 6}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end" font-size="11">${esc(fmtNum(t))}</text>`,
    );
  }
  const xt =
    xTicks ??
    niceTicks(x0, x1)
      .filter((t) => t >= x0 && t <= x1)
      .map((v) => ({ v, label: fmtNum(v) }));
  for (const t of xt) {
    parts.push(
      `<line x1="${x(t.v).toFixed(1)}" x2="${x(t.v).toFixed(1)}" y1="${H - M.b}" y2="${H - M.b + 4}" stroke="#333"/>`,
    );
    parts.push(
      `<text x="${x(t.v).toFixed(1)}" y="${H - M.b + 16}" text-anchor="middle" font-size="11">${esc(t.label)}</text>`,
    );
  }
  parts.push(`<line x1="${M.l}" x2="${W - M.r}" y1="${H - M.b}" y2="${H - M.b}" stroke="#333"/>`);
  parts.push(`<line x1="${M.l}" x2="${M.l}" y1="${M.t}" y2="${H - M.b}" stroke="#333"/>`);
  parts.push(`<text x="${(M.l + W - M.r) / 2}" y="${H - 8}" text-anchor="middle" font-size="12">${esc(xLabel)}</text>`);
  parts.push(
    `<text transform="translate(14 ${(M.t + H - M.b) / 2}) rotate(-90)" text-anchor="middle" font-size="12">${esc(yLabel)}</text>`,
  );
  return { x, y, parts };
}

function svg(parts: string[]): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="sans-serif">${parts.join('')}</svg>`;
}

function polyline(xs: number[], ys: number[], f: Frame, color: string, width = 1.5, extra = ''): string {
  const pts = xs.map((v, i) => `${f.x(v).toFixed(1)},${f.y(ys[i]).toFixed(1)}`).join(' ');
  return `<polyline fill="none" stroke="${color}" stroke-width="${width}" points="${pts}" ${extra}/>`;
}

function legend(items: { name: string; color: string }[]): string {
  return items
    .map((it, i) => {
      const lx = M.l + 10 + (i % 4) * 170;
      const ly = M.t + 10 + Math.floor(i / 4) * 16;
      return `<rect x="${lx}" y="${ly - 8}" width="10" height="10" fill="${it.color}"/><text x="${lx + 14}" y="${ly + 1}" font-size="11">${esc(it.name)}</text>`;
    })
    .join('');
}

export interface HLine {
  readonly y: number;
  readonly label: string;
  readonly color: string;
}

export interface FanChart {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly x: number[];
  /** Quantile curves, e.g. {q: 0.05, values}, sorted by q; drawn as symmetric bands + median. */
  readonly quantiles: { q: number; values: number[] }[];
  readonly samples?: number[][];
  readonly hlines?: HLine[];
}

export function fanChart(c: FanChart): string {
  const all = c.quantiles.flatMap((q) => q.values).concat((c.hlines ?? []).map((h) => h.y));
  for (const s of c.samples ?? []) all.push(...s);
  const lo = Math.min(...all);
  const hi = Math.max(...all);
  const pad = (hi - lo) * 0.05;
  const f = frame(c.title, [c.x[0], c.x[c.x.length - 1]], [lo - pad, hi + pad], c.xLabel, c.yLabel);
  const qs = c.quantiles;
  for (let i = 0; i < Math.floor(qs.length / 2); i++) {
    const a = qs[i].values;
    const b = qs[qs.length - 1 - i].values;
    const pts = c.x
      .map((v, k) => `${f.x(v).toFixed(1)},${f.y(a[k]).toFixed(1)}`)
      .concat(c.x.map((v, k) => `${f.x(v).toFixed(1)},${f.y(b[k]).toFixed(1)}`).reverse());
    f.parts.push(
      `<polygon points="${pts.join(' ')}" fill="#1f77b4" fill-opacity="${(0.15 + 0.15 * i).toFixed(2)}" stroke="none"/>`,
    );
  }
  for (const s of c.samples ?? []) f.parts.push(polyline(c.x, s, f, '#555', 0.6, 'stroke-opacity="0.35"'));
  if (qs.length % 2 === 1) f.parts.push(polyline(c.x, qs[(qs.length - 1) / 2].values, f, '#0b3c6b', 2));
  (c.hlines ?? []).forEach((h, i) => {
    const yy = f.y(h.y).toFixed(1);
    f.parts.push(
      `<line x1="${M.l}" x2="${W - M.r}" y1="${yy}" y2="${yy}" stroke="${h.color}" stroke-dasharray="6 4" stroke-width="1.5"/>`,
    );
    // alternate label sides so close lines stay readable
    const [lx, anchor] = i % 2 === 0 ? [W - M.r - 4, 'end'] : [M.l + 6, 'start'];
    f.parts.push(
      `<text x="${lx}" y="${Number(yy) - 4}" text-anchor="${anchor}" font-size="11" fill="${h.color}">${esc(h.label)}</text>`,
    );
  });
  const bandNames = qs.slice(0, Math.floor(qs.length / 2)).map((q, i) => ({
    name: `${Math.round(q.q * 100)}–${Math.round(qs[qs.length - 1 - i].q * 100)} %`,
    color: `rgba(31,119,180,${0.15 + 0.15 * i})`,
  }));
  f.parts.push(legend([...bandNames, { name: 'median', color: '#0b3c6b' }]));
  return svg(f.parts);
}

export interface LineSeries {
  readonly name: string;
  readonly values: (number | null)[];
}

export function lineChart(c: {
  title: string;
  xLabel: string;
  yLabel: string;
  x: number[];
  series: LineSeries[];
  logX?: boolean;
  hlines?: HLine[];
}): string {
  const tx = (v: number): number => (c.logX ? Math.log10(v) : v);
  const vals = c.series.flatMap((s) => s.values.filter((v): v is number => v !== null && Number.isFinite(v)));
  vals.push(...(c.hlines ?? []).map((h) => h.y));
  const lo = Math.min(0, ...vals);
  const hi = Math.max(...vals, lo + 1e-12);
  const xs = c.x.map(tx);
  const xTicks = c.logX ? c.x.map((v) => ({ v: tx(v), label: fmtNum(v) })) : undefined;
  const f = frame(c.title, [Math.min(...xs), Math.max(...xs)], [lo, hi + (hi - lo) * 0.08], c.xLabel, c.yLabel, xTicks);
  c.series.forEach((s, i) => {
    const color = PALETTE[i % PALETTE.length];
    let seg: { x: number; y: number }[] = [];
    const flush = (): void => {
      if (seg.length > 1)
        f.parts.push(
          polyline(
            seg.map((p) => p.x),
            seg.map((p) => p.y),
            f,
            color,
            2,
          ),
        );
      seg = [];
    };
    s.values.forEach((v, k) => {
      if (v === null || !Number.isFinite(v)) return flush();
      seg.push({ x: xs[k], y: v });
      if (s.values.length <= 30)
        f.parts.push(`<circle cx="${f.x(xs[k]).toFixed(1)}" cy="${f.y(v).toFixed(1)}" r="2.5" fill="${color}"/>`);
    });
    flush();
  });
  for (const h of c.hlines ?? []) {
    const yy = f.y(h.y).toFixed(1);
    f.parts.push(
      `<line x1="${M.l}" x2="${W - M.r}" y1="${yy}" y2="${yy}" stroke="${h.color}" stroke-dasharray="6 4"/>`,
    );
  }
  f.parts.push(legend(c.series.map((s, i) => ({ name: s.name, color: PALETTE[i % PALETTE.length] }))));
  return svg(f.parts);
}

export function barChart(c: { title: string; yLabel: string; categories: string[]; series: LineSeries[] }): string {
  const vals = c.series.flatMap((s) => s.values.filter((v): v is number => v !== null && Number.isFinite(v)));
  const hi = Math.max(1e-12, ...vals);
  const n = c.categories.length;
  const f = frame(c.title, [0, n], [0, hi * 1.12], '', c.yLabel, []);
  const groupW = (W - M.l - M.r) / Math.max(1, n);
  const barW = (groupW * 0.8) / Math.max(1, c.series.length);
  c.categories.forEach((cat, i) => {
    const gx = M.l + i * groupW + groupW * 0.1;
    c.series.forEach((s, j) => {
      const v = s.values[i];
      const bx = gx + j * barW;
      if (v === null || !Number.isFinite(v)) {
        f.parts.push(
          `<text x="${(bx + barW / 2).toFixed(1)}" y="${H - M.b - 4}" text-anchor="middle" font-size="9" fill="#999">n/a</text>`,
        );
        return;
      }
      const y = f.y(v);
      f.parts.push(
        `<rect x="${bx.toFixed(1)}" y="${y.toFixed(1)}" width="${(barW - 1).toFixed(1)}" height="${(H - M.b - y).toFixed(1)}" fill="${PALETTE[j % PALETTE.length]}"><title>${esc(`${cat} ${s.name}: ${v}`)}</title></rect>`,
      );
    });
    f.parts.push(
      `<text x="${(gx + groupW * 0.4).toFixed(1)}" y="${H - M.b + 14}" text-anchor="middle" font-size="10">${esc(cat)}</text>`,
    );
  });
  if (c.series.length > 1)
    f.parts.push(legend(c.series.map((s, i) => ({ name: s.name, color: PALETTE[i % PALETTE.length] }))));
  return svg(f.parts);
}

/** Histogram of sorted values with optional vertical marker lines. */
export function histogram(c: {
  title: string;
  xLabel: string;
  yLabel: string;
  sorted: ArrayLike<number>;
  bins?: number;
  vlines?: { x: number; label: string; color: string }[];
}): string {
  const n = c.sorted.length;
  if (n === 0) {
    const f = frame(c.title, [0, 1], [0, 1], c.xLabel, c.yLabel, []);
    f.parts.push(
      `<text x="${W / 2}" y="${H / 2}" text-anchor="middle" font-size="13" fill="#666">no loss in any simulated path</text>`,
    );
    return svg(f.parts);
  }
  const lo = c.sorted[0];
  const hi = Math.max(c.sorted[n - 1], ...(c.vlines ?? []).map((v) => v.x));
  const bins = c.bins ?? 40;
  const w = (hi - lo) / bins || 1;
  const counts = new Array<number>(bins).fill(0);
  for (let i = 0; i < n; i++) counts[Math.min(bins - 1, Math.floor((c.sorted[i] - lo) / w))]++;
  const f = frame(c.title, [lo, lo + bins * w], [0, Math.max(...counts) * 1.1], c.xLabel, c.yLabel, undefined, true);
  counts.forEach((k, i) => {
    const x0 = f.x(lo + i * w);
    const x1 = f.x(lo + (i + 1) * w);
    const y = f.y(k);
    f.parts.push(
      `<rect x="${x0.toFixed(1)}" y="${y.toFixed(1)}" width="${Math.max(0.5, x1 - x0 - 1).toFixed(1)}" height="${(H - M.b - y).toFixed(1)}" fill="#d62728" fill-opacity="0.7"/>`,
    );
  });
  for (const v of c.vlines ?? []) {
    const xx = f.x(v.x).toFixed(1);
    f.parts.push(
      `<line x1="${xx}" x2="${xx}" y1="${M.t}" y2="${H - M.b}" stroke="${v.color}" stroke-dasharray="5 3" stroke-width="1.5"/>`,
    );
    f.parts.push(`<text x="${Number(xx) + 4}" y="${M.t + 14}" font-size="11" fill="${v.color}">${esc(v.label)}</text>`);
  }
  return svg(f.parts);
}

/** A minimal HTML page around sections of HTML. */
export function htmlPage(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>
body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:24px;max-width:1100px;color:#222}
table{border-collapse:collapse;margin:8px 0 20px;font-size:13px}
th,td{border:1px solid #ccc;padding:4px 8px;text-align:right}
th{background:#f4f4f4}td.l,th.l{text-align:left}
.note{color:#555;font-size:13px}.warn{color:#a40000}
svg{display:block;margin:8px 0 20px;max-width:100%;height:auto}
</style></head><body>
${body}
</body></html>
`;
}
