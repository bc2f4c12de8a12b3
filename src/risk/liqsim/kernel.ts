/**
 * The Monte Carlo kernel: simulates one chunk of paths and returns its counts and losses.
 * Pure (no I/O, no clock); the same chunk index always gives the same numbers, whichever
 * thread runs it, because every (chunk, pair) has its own counter-seeded random stream.
 *
 * Hot loop, per step: one model increment, one store into the path buffer and one compare of
 * the log-price against the next log-barrier (barriers of all positions on the pair, sorted
 * from the highest). Once every barrier of the pair has been touched and the last delayed sale
 * has happened the path stops early (unless it is one of the few paths kept for the charts).
 * GBM with discrete monitoring, the common case, runs the specialised walk of gbm-walk.ts.
 */
import { GbmStepper, makeStepper, type ModelSpec, type Stepper } from './models.js';
import { gbmStepTable, walkGbm, type WalkTargets } from './gbm-walk.js';
import { Rng } from './rng.js';

export interface SimPair {
  readonly pair: string;
  readonly s0: number;
  readonly model: ModelSpec;
}

export interface SimPosition {
  readonly id: string;
  readonly pairIndex: number;
  readonly collateral: number;
  readonly loan: number;
  /** ln(margin-call price / s0); ≥ 0 means the position starts margin-called. */
  readonly logMarginCall: number;
  /** ln(liquidation price / s0) < 0. */
  readonly logLiquidation: number;
  readonly delaySteps: number;
  readonly slippage: number;
}

export interface SimConfig {
  readonly seed: number;
  readonly paths: number;
  readonly steps: number;
  readonly dtYears: number;
  /** 'continuous' adds the Brownian-bridge crossing test between grid points (GBM, Merton). */
  readonly monitoring: 'discrete' | 'continuous';
  readonly pairs: readonly SimPair[];
  readonly positions: readonly SimPosition[];
  /** Paths (by global index, from 0) whose down-sampled log-price is kept for charts. */
  readonly fanPaths: number;
  /** Time points of the down-sampled paths and of the time histograms (≥ 2). */
  readonly fanPoints: number;
  readonly chunkSize: number;
}

export interface ChunkResult {
  readonly chunk: number;
  readonly paths: number;
  readonly simulatedSteps: number;
  readonly mcCount: Int32Array;
  readonly liqCount: Int32Array;
  readonly lossCount: Int32Array;
  readonly lossSum: Float64Array;
  readonly lossSq: Float64Array;
  /** Non-zero per-position losses, in path order: position index and amount. */
  readonly lossPos: Int32Array;
  readonly lossVal: Float64Array;
  readonly aggMc: number;
  readonly aggLiq: number;
  readonly aggLoss: number;
  readonly aggLossSum: number;
  readonly aggLossSq: number;
  /** Non-zero aggregate (all positions) losses, in path order. */
  readonly aggLosses: Float64Array;
  /** Liquidation events by time bin (fanPoints − 1 bins over the horizon). */
  readonly liqTimeHist: Int32Array;
  readonly mcTimeHist: Int32Array;
  /** Log-prices (relative to s0) of kept paths: [pair][path][point], Float32. */
  readonly fan: Float32Array;
  readonly fanCount: number;
}

export function chunkCount(cfg: SimConfig): number {
  return Math.ceil(cfg.paths / cfg.chunkSize);
}

/** Barrier events of one pair, sorted by level, highest first. */
interface PairEvents {
  readonly levels: Float64Array;
  /** position index × 2 + (0 margin call | 1 liquidation) */
  readonly kinds: Int32Array;
}

function pairEvents(cfg: SimConfig, pairIndex: number): PairEvents {
  const ev: { level: number; kind: number }[] = [];
  cfg.positions.forEach((p, i) => {
    if (p.pairIndex !== pairIndex) return;
    ev.push({ level: p.logMarginCall, kind: i * 2 });
    ev.push({ level: p.logLiquidation, kind: i * 2 + 1 });
  });
  ev.sort((a, b) => b.level - a.level || a.kind - b.kind);
  return { levels: Float64Array.from(ev.map((e) => e.level)), kinds: Int32Array.from(ev.map((e) => e.kind)) };
}

export function runChunk(cfg: SimConfig, chunk: number): ChunkResult {
  const nPos = cfg.positions.length;
  const nPairs = cfg.pairs.length;
  const N = cfg.steps;
  const first = chunk * cfg.chunkSize;
  const count = Math.min(cfg.chunkSize, cfg.paths - first);
  const maxDelay = cfg.positions.reduce((m, p) => Math.max(m, p.delaySteps), 0);
  const buf = new Float64Array(N + maxDelay + 1);
  const bins = cfg.fanPoints - 1;
  const fanCount = Math.max(0, Math.min(count, cfg.fanPaths - first));
  const fan = new Float32Array(nPairs * fanCount * cfg.fanPoints);

  const steppers: Stepper[] = cfg.pairs.map((p) => makeStepper(p.model, cfg.dtYears));
  const rngs = cfg.pairs.map((_, j) => new Rng(cfg.seed, chunk * 4096 + j));
  const events = cfg.pairs.map((_, j) => pairEvents(cfg, j));
  const hitStep = new Int32Array(nPos * 2);
  const delayOf = Int32Array.from(cfg.positions.map((p) => p.delaySteps));
  const walkTargets: WalkTargets[] = events.map((e) => ({ levels: e.levels, kinds: e.kinds, hitStep, delayOf }));
  const gbmTables = steppers.map((s) => (s instanceof GbmStepper ? gbmStepTable(s.drift, s.vol) : new Float64Array(0)));

  const mcCount = new Int32Array(nPos);
  const liqCount = new Int32Array(nPos);
  const lossCount = new Int32Array(nPos);
  const lossSum = new Float64Array(nPos);
  const lossSq = new Float64Array(nPos);
  const lossPos: number[] = [];
  const lossVal: number[] = [];
  const aggLosses: number[] = [];
  const liqTimeHist = new Int32Array(bins);
  const mcTimeHist = new Int32Array(bins);
  let aggMc = 0;
  let aggLiq = 0;
  let aggLoss = 0;
  let aggLossSum = 0;
  let aggLossSq = 0;
  let simulated = 0;
  const continuous = cfg.monitoring === 'continuous';
  const fanIdx = new Int32Array(cfg.fanPoints);
  for (let m = 0; m < cfg.fanPoints; m++) fanIdx[m] = Math.round((m * N) / bins);

  for (let i = 0; i < count; i++) {
    const keep = i < fanCount;
    hitStep.fill(-1);
    let pathLoss = 0;
    let anyMc = false;
    let anyLiq = false;
    for (let j = 0; j < nPairs; j++) {
      const ev = events[j];
      const stepper = steppers[j];
      const rng = rngs[j];
      stepper.reset();
      const levels = ev.levels;
      const kinds = ev.kinds;
      const nb = levels.length;
      let bi = 0;
      // Barriers at or above the start are touched at step 0.
      while (bi < nb && levels[bi] >= 0) {
        hitStep[kinds[bi]] = 0;
        bi++;
      }
      let nextB = bi < nb ? levels[bi] : -Infinity;
      let saleMax = 0;
      for (let e = 0; e < bi; e++) if ((kinds[e] & 1) === 1) saleMax = Math.max(saleMax, delayOf[kinds[e] >> 1]);
      let x = 0;
      buf[0] = 0;
      let k = 1;
      let walked = false;
      if (!continuous && stepper instanceof GbmStepper) {
        // the hot loop (gbm-walk.ts), including the tail of the path after the last barrier
        k = walkGbm(rng, gbmTables[j], stepper.drift, stepper.vol, buf, N, walkTargets[j], bi, keep);
        walked = true;
      } else if (bi < nb) {
        if (!continuous) {
          for (; k <= N; k++) {
            x += stepper.next(rng);
            buf[k] = x;
            if (x <= nextB) {
              do {
                const kind = kinds[bi];
                hitStep[kind] = k;
                if ((kind & 1) === 1) saleMax = Math.max(saleMax, k + delayOf[kind >> 1]);
                bi++;
              } while (bi < nb && x <= levels[bi]);
              nextB = bi < nb ? levels[bi] : -Infinity;
              if (bi === nb) {
                k++;
                break;
              }
            }
          }
        } else {
          const v2 = stepper.bridgeVol * stepper.bridgeVol;
          const cut = 20 * v2; // crossing probability below e^-40 is ignored
          let prev = 0;
          for (; k <= N; k++) {
            x += stepper.next(rng);
            buf[k] = x;
            const d2 = x - nextB;
            if (d2 <= 0 || (prev - nextB) * d2 < cut) {
              const u = rng.uniform();
              while (bi < nb) {
                const e2 = x - levels[bi];
                if (!(e2 <= 0 || u < Math.exp((-2 * (prev - levels[bi]) * e2) / v2))) break;
                const kind = kinds[bi];
                hitStep[kind] = k;
                if ((kind & 1) === 1) saleMax = Math.max(saleMax, k + delayOf[kind >> 1]);
                bi++;
              }
              nextB = bi < nb ? levels[bi] : -Infinity;
              if (bi === nb) {
                k++;
                break;
              }
            }
            prev = x;
          }
        }
      }
      if (!walked) {
        const tailEnd = keep ? Math.max(N, saleMax) : saleMax;
        for (; k <= tailEnd; k++) {
          x += stepper.next(rng);
          buf[k] = x;
        }
      }
      simulated += k - 1;
      if (keep) {
        const base = (j * fanCount + i) * cfg.fanPoints;
        for (let m = 0; m < cfg.fanPoints; m++) fan[base + m] = buf[fanIdx[m]];
      }
      // Outcomes of the pair's positions.
      const s0 = cfg.pairs[j].s0;
      for (let e = 0; e < nb; e++) {
        const kind = kinds[e];
        const h = hitStep[kind];
        if (h < 0) continue;
        const pi = kind >> 1;
        const bin = h === 0 ? 0 : Math.min(bins - 1, Math.floor(((h - 1) * bins) / N));
        if ((kind & 1) === 0) {
          mcCount[pi]++;
          mcTimeHist[bin]++;
          anyMc = true;
          continue;
        }
        liqCount[pi]++;
        liqTimeHist[bin]++;
        anyLiq = true;
        const pos = cfg.positions[pi];
        const price = s0 * Math.exp(buf[h + pos.delaySteps]);
        const proceeds = pos.collateral * price * (1 - pos.slippage);
        const loss = pos.loan - proceeds;
        if (loss > 0) {
          lossCount[pi]++;
          lossSum[pi] += loss;
          lossSq[pi] += loss * loss;
          lossPos.push(pi);
          lossVal.push(loss);
          pathLoss += loss;
        }
      }
    }
    if (anyMc) aggMc++;
    if (anyLiq) aggLiq++;
    if (pathLoss > 0) {
      aggLoss++;
      aggLossSum += pathLoss;
      aggLossSq += pathLoss * pathLoss;
      aggLosses.push(pathLoss);
    }
  }
  return {
    chunk,
    paths: count,
    simulatedSteps: simulated,
    mcCount,
    liqCount,
    lossCount,
    lossSum,
    lossSq,
    lossPos: Int32Array.from(lossPos),
    lossVal: Float64Array.from(lossVal),
    aggMc,
    aggLiq,
    aggLoss,
    aggLossSum,
    aggLossSq,
    aggLosses: Float64Array.from(aggLosses),
    liqTimeHist,
    mcTimeHist,
    fan,
    fanCount,
  };
}
