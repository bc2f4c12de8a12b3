/** Nelder–Mead simplex minimiser for small unconstrained problems (model fitting). */

export interface MinimiseResult {
  readonly x: number[];
  readonly f: number;
  readonly iterations: number;
  readonly converged: boolean;
}

export function nelderMead(
  f: (x: number[]) => number,
  x0: number[],
  opts: { step?: number[]; maxIter?: number; tol?: number } = {},
): MinimiseResult {
  const n = x0.length;
  const maxIter = opts.maxIter ?? 2000 * n;
  const tol = opts.tol ?? 1e-9;
  const pts: number[][] = [x0.slice()];
  for (let i = 0; i < n; i++) {
    const p = x0.slice();
    p[i] += opts.step?.[i] ?? (Math.abs(p[i]) > 1e-3 ? 0.1 * Math.abs(p[i]) : 0.1);
    pts.push(p);
  }
  const val = (x: number[]): number => {
    const v = f(x);
    return Number.isFinite(v) ? v : Infinity;
  };
  let vals = pts.map(val);
  let it = 0;
  for (; it < maxIter; it++) {
    const order = vals.map((_, i) => i).sort((a, b) => vals[a] - vals[b]);
    const sp = order.map((i) => pts[i]);
    const sv = order.map((i) => vals[i]);
    pts.splice(0, pts.length, ...sp);
    vals = sv;
    if (Math.abs(vals[n] - vals[0]) <= tol * (Math.abs(vals[0]) + 1e-12) && it > 10) {
      return { x: pts[0], f: vals[0], iterations: it, converged: true };
    }
    const c = new Array<number>(n).fill(0);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) c[j] += pts[i][j] / n;
    const at = (t: number): number[] => c.map((cj, j) => cj + t * (pts[n][j] - cj));
    const xr = at(-1);
    const fr = val(xr);
    if (fr < vals[0]) {
      const xe = at(-2);
      const fe = val(xe);
      if (fe < fr) [pts[n], vals[n]] = [xe, fe];
      else [pts[n], vals[n]] = [xr, fr];
    } else if (fr < vals[n - 1]) {
      [pts[n], vals[n]] = [xr, fr];
    } else {
      const xc = fr < vals[n] ? at(-0.5) : at(0.5);
      const fc = val(xc);
      if (fc < Math.min(fr, vals[n])) [pts[n], vals[n]] = [xc, fc];
      else {
        for (let i = 1; i <= n; i++) {
          pts[i] = pts[i].map((v, j) => pts[0][j] + 0.5 * (v - pts[0][j]));
          vals[i] = val(pts[i]);
        }
      }
    }
  }
  let best = 0;
  for (let i = 1; i <= n; i++) if (vals[i] < vals[best]) best = i;
  return { x: pts[best], f: vals[best], iterations: it, converged: false };
}
