/**
 * Combines chunk results (in chunk order, so sums are bit-identical for any thread count) into
 * probabilities, expected loss and VaR with standard errors, per position and in aggregate.
 *
 * Standard errors: binomial √(p(1−p)/n) for probabilities; s/√n for the expected loss; for a
 * VaR quantile q the distribution-free order-statistic interval n·q ± 1.96·√(n·q(1−q)) of the
 * sorted losses, divided by 2 × 1.96.
 */
import type { ChunkResult, SimConfig } from './kernel.js';

export interface Estimate {
  readonly value: number;
  readonly se: number;
}

export interface LossStats {
  readonly pMarginCall: Estimate;
  readonly pLiquidation: Estimate;
  readonly pLoss: Estimate;
  readonly expectedLoss: Estimate;
  readonly var95: Estimate;
  readonly var99: Estimate;
  /** Mean loss given a loss occurred. */
  readonly lossGivenLoss: number;
}

export interface PositionStats extends LossStats {
  readonly id: string;
  readonly pair: string;
}

export interface SimStats {
  readonly paths: number;
  readonly simulatedSteps: number;
  readonly positions: PositionStats[];
  readonly aggregate: LossStats;
  /** Sorted non-zero aggregate losses (for the loss histogram). */
  readonly aggLossesSorted: Float64Array;
  /** Cumulative expected number of positions margin-called / liquidated by each time point. */
  readonly cumMarginCalls: number[];
  readonly cumLiquidations: number[];
  /** Kept paths' log-prices per pair: fan[pair][path] = Float32Array(fanPoints). */
  readonly fan: Float32Array[][];
}

function prob(k: number, n: number): Estimate {
  const p = k / n;
  return { value: p, se: Math.sqrt((p * (1 - p)) / n) };
}

function mean(sum: number, sq: number, n: number): Estimate {
  const m = sum / n;
  const v = Math.max(0, sq / n - m * m);
  return { value: m, se: Math.sqrt(v / Math.max(1, n - 1)) };
}

/** Quantile q of a loss distribution made of `n − sorted.length` zeros and the sorted non-zero losses. */
export function lossQuantile(sorted: Float64Array, n: number, q: number): Estimate {
  const zeros = n - sorted.length;
  const at = (rank: number): number => {
    const r = Math.min(n - 1, Math.max(0, rank));
    return r < zeros ? 0 : sorted[r - zeros];
  };
  const value = at(Math.ceil(q * n) - 1);
  const half = 1.96 * Math.sqrt(n * q * (1 - q));
  const lo = at(Math.floor(n * q - half) - 1);
  const hi = at(Math.ceil(n * q + half) - 1);
  return { value, se: (hi - lo) / (2 * 1.96) };
}

export function combine(cfg: SimConfig, results: readonly ChunkResult[]): SimStats {
  const nPos = cfg.positions.length;
  const n = results.reduce((a, r) => a + r.paths, 0);
  const mc = new Float64Array(nPos);
  const lq = new Float64Array(nPos);
  const lc = new Float64Array(nPos);
  const ls = new Float64Array(nPos);
  const l2 = new Float64Array(nPos);
  const perPos: number[][] = Array.from({ length: nPos }, () => []);
  const agg: number[] = [];
  let aMc = 0;
  let aLiq = 0;
  let aLoss = 0;
  let aSum = 0;
  let aSq = 0;
  let sim = 0;
  const bins = cfg.fanPoints - 1;
  const mcT = new Float64Array(bins);
  const lqT = new Float64Array(bins);
  const fan: Float32Array[][] = cfg.pairs.map(() => []);
  for (const r of results) {
    sim += r.simulatedSteps;
    for (let i = 0; i < nPos; i++) {
      mc[i] += r.mcCount[i];
      lq[i] += r.liqCount[i];
      lc[i] += r.lossCount[i];
      ls[i] += r.lossSum[i];
      l2[i] += r.lossSq[i];
    }
    for (let k = 0; k < r.lossPos.length; k++) perPos[r.lossPos[k]].push(r.lossVal[k]);
    for (let k = 0; k < r.aggLosses.length; k++) agg.push(r.aggLosses[k]);
    aMc += r.aggMc;
    aLiq += r.aggLiq;
    aLoss += r.aggLoss;
    aSum += r.aggLossSum;
    aSq += r.aggLossSq;
    for (let b = 0; b < bins; b++) {
      mcT[b] += r.mcTimeHist[b];
      lqT[b] += r.liqTimeHist[b];
    }
    for (let j = 0; j < cfg.pairs.length; j++) {
      for (let i = 0; i < r.fanCount; i++) {
        const base = (j * r.fanCount + i) * cfg.fanPoints;
        fan[j].push(r.fan.slice(base, base + cfg.fanPoints));
      }
    }
  }
  const lossStats = (mcK: number, lqK: number, lossK: number, sum: number, sq: number, losses: number[]): LossStats => {
    const sorted = Float64Array.from(losses).sort();
    return {
      pMarginCall: prob(mcK, n),
      pLiquidation: prob(lqK, n),
      pLoss: prob(lossK, n),
      expectedLoss: mean(sum, sq, n),
      var95: lossQuantile(sorted, n, 0.95),
      var99: lossQuantile(sorted, n, 0.99),
      lossGivenLoss: lossK > 0 ? sum / lossK : 0,
    };
  };
  const positions = cfg.positions.map((p, i) => ({
    id: p.id,
    pair: cfg.pairs[p.pairIndex].pair,
    ...lossStats(mc[i], lq[i], lc[i], ls[i], l2[i], perPos[i]),
  }));
  const cum = (h: Float64Array): number[] => {
    const out = [0];
    let c = 0;
    for (let b = 0; b < bins; b++) {
      c += h[b];
      out.push(c / n);
    }
    return out;
  };
  return {
    paths: n,
    simulatedSteps: sim,
    positions,
    aggregate: lossStats(aMc, aLiq, aLoss, aSum, aSq, agg),
    aggLossesSorted: Float64Array.from(agg).sort(),
    cumMarginCalls: cum(mcT),
    cumLiquidations: cum(lqT),
    fan,
  };
}
