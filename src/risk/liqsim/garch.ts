/**
 * GARCH(1,1) with standardised Student-t innovations, fitted by maximum likelihood:
 *   r_t = μ + ε_t,  ε_t = √h_t · z_t,  z_t ~ t_ν scaled to unit variance,
 *   h_t = ω + α ε²_{t−1} + β h_{t−1}.
 * Constraints ω > 0, α ≥ 0, β ≥ 0, α + β < 1, ν > 2 are enforced by reparametrisation; the
 * simplex search is restarted from a few starting points and the best likelihood wins.
 */
import { dgError } from '../../core/errors.js';
import { nelderMead } from './nelder-mead.js';

export interface GarchParams {
  readonly mu: number;
  readonly omega: number;
  readonly alpha: number;
  readonly beta: number;
  readonly nu: number;
}

export interface GarchFit extends GarchParams {
  readonly logLikelihood: number;
  readonly n: number;
  /** Conditional variance for the step after the last observation (the simulation's start). */
  readonly hNext: number;
  /** Unconditional variance ω / (1 − α − β). */
  readonly hLongRun: number;
}

/** Fewest returns the fit accepts. */
export const GARCH_MIN_RETURNS = 100;

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

export function lnGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lnGamma(1 - x);
  x -= 1;
  let a = LANCZOS[0];
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += LANCZOS[i] / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Log-likelihood of returns under the given parameters; also returns h for the next step. */
export function garchLogLikelihood(r: ArrayLike<number>, p: GarchParams): { ll: number; hNext: number } {
  const n = r.length;
  const { mu, omega, alpha, beta, nu } = p;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += r[i];
  mean /= n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (r[i] - mean) ** 2;
  let h = v / n; // start at the sample variance
  const c = lnGamma((nu + 1) / 2) - lnGamma(nu / 2) - 0.5 * Math.log(Math.PI * (nu - 2));
  let ll = 0;
  let e = 0;
  for (let i = 0; i < n; i++) {
    if (i > 0) h = omega + alpha * e * e + beta * h;
    e = r[i] - mu;
    ll += c - 0.5 * Math.log(h) - ((nu + 1) / 2) * Math.log(1 + (e * e) / ((nu - 2) * h));
  }
  return { ll, hNext: omega + alpha * e * e + beta * h };
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
const logit = (p: number): number => Math.log(p / (1 - p));

function unpack(x: number[], scale: number): GarchParams {
  const persistence = 0.999 * sigmoid(x[2]);
  const share = sigmoid(x[3]);
  return {
    mu: x[0] * scale,
    omega: Math.exp(x[1]) * scale * scale,
    alpha: persistence * share,
    beta: persistence * (1 - share),
    nu: 2.1 + Math.min(Math.exp(x[4]), 500),
  };
}

/** Fit by maximum likelihood. Throws DG_E_RISK_TOO_FEW_CANDLES under GARCH_MIN_RETURNS returns. */
export function fitGarch(returns: ArrayLike<number>): GarchFit {
  const n = returns.length;
  if (n < GARCH_MIN_RETURNS) {
    throw dgError(
      'DG_E_RISK_TOO_FEW_CANDLES',
      `GARCH(1,1)-t needs at least ${GARCH_MIN_RETURNS} returns (${GARCH_MIN_RETURNS + 1} candles), got ${n}`,
    );
  }
  let mean = 0;
  for (let i = 0; i < n; i++) mean += returns[i];
  mean /= n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (returns[i] - mean) ** 2;
  v /= n;
  if (!(v > 0)) throw dgError('DG_E_RISK_MODEL_FIT', 'returns have zero variance');
  const scale = Math.sqrt(v);
  const nll = (x: number[]): number => -garchLogLikelihood(returns, unpack(x, scale)).ll;
  let best: { x: number[]; f: number } | undefined;
  for (const [pers, share, nu] of [
    [0.95, 0.1, 6],
    [0.8, 0.3, 4],
    [0.98, 0.05, 15],
  ]) {
    const x0 = [mean / scale, Math.log((1 - pers) * 1), logit(pers / 0.999), logit(share), Math.log(nu - 2.1)];
    let r = nelderMead(nll, x0, { maxIter: 3000, tol: 1e-10 });
    r = nelderMead(nll, r.x, { maxIter: 3000, tol: 1e-12 });
    if (!best || r.f < best.f) best = r;
  }
  if (!best || !Number.isFinite(best.f)) throw dgError('DG_E_RISK_MODEL_FIT', 'GARCH likelihood not finite');
  const p = unpack(best.x, scale);
  const { ll, hNext } = garchLogLikelihood(returns, p);
  return { ...p, logLikelihood: ll, n, hNext, hLongRun: p.omega / (1 - p.alpha - p.beta) };
}
