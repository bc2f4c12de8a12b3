/**
 * Closed-form first-passage probabilities for geometric Brownian motion, used to check the
 * Monte Carlo. With X_t = ln(S_t / S_0) = ν t + σ W_t, ν = μ − σ²/2 and a down barrier
 * b = ln(B / S_0) < 0, the reflection principle gives
 *   P(min_{s≤T} X_s ≤ b) = Φ((b − νT) / (σ√T)) + exp(2νb / σ²) · Φ((b + νT) / (σ√T)).
 * Discrete monitoring every Δt is approximated (Broadie, Glasserman & Kou 1997) by the
 * continuous formula with the barrier moved away from the start by exp(−β σ √Δt),
 * β = −ζ(1/2)/√(2π) ≈ 0.5826.
 */

export const BGK_BETA = 0.5826;

/** Standard normal CDF (Cody-style erfc via W. J. Cody's rational approximations). */
export function normalCdf(x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2);
}

/** Complementary error function, relative error < 1.2e-7 (Numerical Recipes erfcc). */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

export interface GbmBarrier {
  /** Annualised drift μ of the price (so the log drift is μ − σ²/2). */
  readonly mu: number;
  /** Annualised volatility σ > 0. */
  readonly sigma: number;
  /** Horizon in years. */
  readonly horizon: number;
  /** Barrier as a fraction of the start price, < 1 (a down barrier). */
  readonly barrierRatio: number;
}

/** P(the price touches the down barrier before the horizon), continuous monitoring. */
export function touchProbContinuous(p: GbmBarrier): number {
  if (p.barrierRatio >= 1) return 1;
  if (p.barrierRatio <= 0) return 0;
  const nu = p.mu - 0.5 * p.sigma * p.sigma;
  const b = Math.log(p.barrierRatio);
  const sT = p.sigma * Math.sqrt(p.horizon);
  const a = normalCdf((b - nu * p.horizon) / sT);
  const c = Math.exp((2 * nu * b) / (p.sigma * p.sigma)) * normalCdf((b + nu * p.horizon) / sT);
  return Math.min(1, a + c);
}

/** Same, monitored only every `dt` years: BGK continuity correction (down barrier moves down). */
export function touchProbDiscrete(p: GbmBarrier, dt: number): number {
  const shifted = p.barrierRatio * Math.exp(-BGK_BETA * p.sigma * Math.sqrt(dt));
  return touchProbContinuous({ ...p, barrierRatio: shifted });
}
