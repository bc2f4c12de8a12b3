/**
 * Turns validated positions, model options and (optionally) candles into a SimConfig: one price
 * process per collateral/loan pair, barriers in log space relative to the start price, delays
 * in steps. Every input problem is a DeskgateError naming what is wrong.
 */
import { dgError } from '../../core/errors.js';
import { logReturns, realisedVol, type CandleSeries } from './candles.js';
import { SECONDS_PER_YEAR } from '../../core/duration.js';
import { fitGarch, type GarchFit } from './garch.js';
import type { SimConfig, SimPair, SimPosition } from './kernel.js';
import type { ModelKind, ModelSpec } from './models.js';
import { DEFAULT_PRICES, pairOf, type MarketInput, type Position } from './positions.js';

export const BOOTSTRAP_MIN_RETURNS = 30;
export const DEFAULT_SIGMA: Record<string, number> = { BTC: 0.6, ETH: 0.75 };

export interface SetupOptions {
  readonly model: ModelKind;
  readonly paths: number;
  readonly steps: number;
  /** Monitoring interval (one step), seconds. */
  readonly dtS: number;
  readonly seed: number;
  readonly monitoring?: 'discrete' | 'continuous';
  readonly markets?: Record<string, MarketInput>;
  /** Candles per pair "COLL/LOAN" (required for bootstrap and garch). */
  readonly candles?: Record<string, CandleSeries>;
  /** GBM/Merton overrides applied to every pair. */
  readonly sigma?: number;
  readonly mu?: number;
  readonly jumpIntensity?: number;
  readonly jumpMean?: number;
  readonly jumpStd?: number;
  readonly fanPaths?: number;
  readonly fanPoints?: number;
  readonly chunkSize?: number;
}

export interface PairInfo {
  readonly pair: string;
  readonly s0: number;
  readonly priceSource: string;
  readonly modelText: string;
  readonly garch?: GarchFit;
}

export interface Setup {
  readonly config: SimConfig;
  readonly pairs: PairInfo[];
  readonly positions: readonly Position[];
  readonly loanCoin: string;
  /** Current LTV of each position at s0. */
  readonly ltv0: number[];
}

export function buildSetup(positions: readonly Position[], o: SetupOptions): Setup {
  if (positions.length === 0) throw dgError('DG_E_BAD_INPUT', 'no positions');
  if (!Number.isSafeInteger(o.paths) || o.paths < 1)
    throw dgError('DG_E_BAD_INPUT', `paths must be a positive integer, got ${o.paths}`);
  if (!Number.isSafeInteger(o.steps) || o.steps < 1 || o.steps > 10_000_000)
    throw dgError('DG_E_BAD_INPUT', `steps must be 1..1e7, got ${o.steps}`);
  if (!Number.isSafeInteger(o.seed) || o.seed < 0)
    throw dgError('DG_E_BAD_INPUT', `seed must be a non-negative integer, got ${o.seed}`);
  const loanCoins = [...new Set(positions.map((p) => p.loanCoin))];
  if (loanCoins.length > 1) {
    throw dgError(
      'DG_E_BAD_INPUT',
      `positions owe different loan coins (${loanCoins.join(', ')}): losses would add up in mixed units; run one file per loan coin`,
    );
  }
  const monitoring = o.monitoring ?? 'discrete';
  if (monitoring === 'continuous' && (o.model === 'bootstrap' || o.model === 'garch')) {
    throw dgError('DG_E_BAD_INPUT', 'continuous monitoring (Brownian bridge) needs a diffusion model: gbm or merton');
  }
  const dtYears = o.dtS / SECONDS_PER_YEAR;
  const pairNames = [...new Set(positions.map(pairOf))];
  const pairs: SimPair[] = [];
  const infos: PairInfo[] = [];
  for (const pair of pairNames) {
    const market = o.markets?.[pair];
    const candles = o.candles?.[pair];
    let s0: number;
    let priceSource: string;
    if (market) {
      s0 = market.price;
      priceSource = 'positions file';
    } else if (candles) {
      s0 = candles.rows[candles.rows.length - 1][4];
      priceSource = 'last candle close';
    } else if (DEFAULT_PRICES[pair] !== undefined) {
      s0 = DEFAULT_PRICES[pair];
      priceSource = 'built-in default';
    } else {
      throw dgError(
        'DG_E_BAD_INPUT',
        `no price for ${pair}: add "markets": {"${pair}": {"price": …}} to the positions file or give candles`,
      );
    }
    const coin = pair.split('/')[0];
    let model: ModelSpec;
    let modelText: string;
    let garch: GarchFit | undefined;
    const needCandles = (): CandleSeries => {
      if (!candles)
        throw dgError(
          'DG_E_RISK_TOO_FEW_CANDLES',
          `${o.model} model needs candles for ${pair} (--candles), none given`,
        );
      return candles;
    };
    const perStep = (c: CandleSeries): number => {
      const k = o.dtS / c.intervalS;
      if (!(k >= 1) || Math.abs(k - Math.round(k)) > 1e-9) {
        throw dgError(
          'DG_E_BAD_INPUT',
          `${pair}: --dt ${o.dtS}s must be a whole multiple of the candle interval ${c.intervalS}s for ${o.model}`,
        );
      }
      return Math.round(k);
    };
    const sigmaOf = (): number => {
      if (o.sigma !== undefined) return o.sigma;
      if (market?.sigma !== undefined) return market.sigma;
      if (candles) {
        const v = realisedVol(candles);
        if (Number.isFinite(v) && v > 0) return v;
      }
      return DEFAULT_SIGMA[coin] ?? 0.8;
    };
    const mu = o.mu ?? market?.mu ?? 0;
    switch (o.model) {
      case 'gbm': {
        const sigma = sigmaOf();
        model = { kind: 'gbm', mu, sigma };
        modelText = `GBM μ=${mu}, σ=${round(sigma, 4)} (annualised)`;
        break;
      }
      case 'merton': {
        const sigma = sigmaOf();
        const lambda = o.jumpIntensity ?? 12;
        const jumpMean = o.jumpMean ?? -0.03;
        const jumpStd = o.jumpStd ?? 0.04;
        if (!(lambda >= 0) || !(jumpStd >= 0))
          throw dgError('DG_E_BAD_INPUT', 'jump intensity and jump std must be ≥ 0');
        model = { kind: 'merton', mu, sigma, lambda, jumpMean, jumpStd };
        modelText = `Merton jump-diffusion μ=${mu}, σ=${round(sigma, 4)}, λ=${lambda}/yr, jump ~ N(${jumpMean}, ${jumpStd}²)`;
        break;
      }
      case 'bootstrap': {
        const c = needCandles();
        const r = logReturns(c);
        if (r.length < BOOTSTRAP_MIN_RETURNS) {
          throw dgError(
            'DG_E_RISK_TOO_FEW_CANDLES',
            `bootstrap for ${pair} needs at least ${BOOTSTRAP_MIN_RETURNS + 1} candles, got ${c.rows.length}`,
          );
        }
        model = { kind: 'bootstrap', returns: r, perStep: perStep(c) };
        modelText = `bootstrap of ${r.length} historical ${c.intervalS}s log-returns, ${perStep(c)} per step`;
        break;
      }
      case 'garch': {
        const c = needCandles();
        const k = perStep(c);
        garch = fitGarch(logReturns(c));
        model = { kind: 'garch', params: garch, h0: garch.hNext, perStep: k };
        modelText =
          `GARCH(1,1)-t on ${garch.n} ${c.intervalS}s returns: μ=${garch.mu.toExponential(3)}, ω=${garch.omega.toExponential(3)}, ` +
          `α=${round(garch.alpha, 4)}, β=${round(garch.beta, 4)}, ν=${round(garch.nu, 2)}, log L=${round(garch.logLikelihood, 1)}`;
        break;
      }
    }
    pairs.push({ pair, s0, model });
    infos.push({ pair, s0, priceSource, modelText, garch });
  }
  const ltv0: number[] = [];
  const simPositions: SimPosition[] = positions.map((p) => {
    const pi = pairNames.indexOf(pairOf(p));
    const s0 = pairs[pi].s0;
    const coll = Number(p.collateralAmount);
    const loan = Number(p.loanAmount);
    const ltv = loan / (coll * s0);
    ltv0.push(ltv);
    if (ltv >= p.ltvLiquidation) {
      throw dgError(
        'DG_E_RISK_BAD_POSITION',
        `${p.id}: current LTV ${round(ltv, 4)} at ${pairs[pi].pair} ${s0} is already at or above the liquidation line ${p.ltvLiquidation}`,
      );
    }
    return {
      id: p.id,
      pairIndex: pi,
      collateral: coll,
      loan,
      logMarginCall: Math.log(loan / (coll * p.ltvMarginCall) / s0),
      logLiquidation: Math.log(loan / (coll * p.ltvLiquidation) / s0),
      delaySteps: Math.ceil(p.liquidationDelayS / o.dtS - 1e-9),
      slippage: p.slippage,
    };
  });
  const config: SimConfig = {
    seed: o.seed,
    paths: o.paths,
    steps: o.steps,
    dtYears,
    monitoring,
    pairs,
    positions: simPositions,
    fanPaths: Math.min(o.fanPaths ?? 400, o.paths),
    fanPoints: Math.max(2, Math.min(o.fanPoints ?? 121, o.steps + 1)),
    chunkSize: o.chunkSize ?? 2048,
  };
  return { config, pairs: infos, positions, loanCoin: loanCoins[0], ltv0 };
}

function round(x: number, d: number): number {
  const f = 10 ** d;
  return Math.round(x * f) / f;
}
