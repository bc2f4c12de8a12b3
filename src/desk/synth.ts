/**
 * Seeded synthetic desk history (demo, tests, benchmark): clients with skewed activity, several
 * coins and quote coins, client markups, hedge methods with their own delay, slippage and fee
 * profiles, split hedges, unhedged locks and orphan hedges; optionally planted anomalies and wash
 * pairs in a final "new" period. Deterministic for a given seed. Amounts are built as integers
 * on each coin's grid (no float rounding reaches a stored value).
 */
import { seededRandom } from '../core/seeded-random.js';
import type { HedgeMethod, HedgeOrder, LockOrder } from './types.js';

interface CoinSpec {
  base: string;
  price: number;
  amountDec: number;
  priceDec: number;
  medianAmount: number;
}

const COINS: CoinSpec[] = [
  { base: 'BTC', price: 62000, amountDec: 4, priceDec: 2, medianAmount: 0.8 },
  { base: 'ETH', price: 3100, amountDec: 3, priceDec: 2, medianAmount: 12 },
  { base: 'SOL', price: 150, amountDec: 2, priceDec: 3, medianAmount: 250 },
  { base: 'XRP', price: 0.6, amountDec: 0, priceDec: 5, medianAmount: 60000 },
  { base: 'DOGE', price: 0.15, amountDec: 0, priceDec: 6, medianAmount: 250000 },
  { base: 'LTC', price: 82, amountDec: 2, priceDec: 2, medianAmount: 400 },
  { base: 'TON', price: 5.4, amountDec: 1, priceDec: 4, medianAmount: 6000 },
  { base: 'ADA', price: 0.45, amountDec: 0, priceDec: 5, medianAmount: 80000 },
];
const COIN_WEIGHTS = [30, 25, 12, 8, 7, 7, 6, 5];

interface MethodSpec {
  method: HedgeMethod;
  weight: number;
  delayMedianMs: number;
  costBps: number;
  feeBps: number;
  venues: string[];
}

const METHODS: MethodSpec[] = [
  { method: 'twap', weight: 50, delayMedianMs: 25_000, costBps: 3, feeBps: 2, venues: ['binance', 'okx', 'kucoin'] },
  { method: 'otchedge', weight: 30, delayMedianMs: 3_000, costBps: 5, feeBps: 1, venues: ['binance-perp', 'okx-swap'] },
  { method: 'alameda', weight: 15, delayMedianMs: 45_000, costBps: 6, feeBps: 0, venues: ['alameda'] },
  { method: 'other', weight: 5, delayMedianMs: 15_000, costBps: 4, feeBps: 3, venues: ['manual'] },
];

export interface SynthOptions {
  readonly seed: number;
  readonly locks: number;
  readonly startMs: number;
  readonly endMs: number;
  readonly clients?: number;
  /** Fraction of locks never hedged. */
  readonly unhedgedRate?: number;
  /** Orphan hedges per lock. */
  readonly orphanRate?: number;
  /** Fraction of hedges split into 2–4 parts. */
  readonly splitRate?: number;
  /** Plant anomalies and wash pairs in a final period of this many locks (0 = none). */
  readonly newLocks?: number;
  readonly idPrefix?: string;
}

export interface PlantedAnomaly {
  readonly lockId: string;
  readonly expect: 'pnl_below_low' | 'pnl_above_high' | 'delay_above_high';
}
export interface PlantedWash {
  readonly kind: 'same_client' | 'cross_client';
  readonly firstId: string;
  readonly secondId: string;
}

export interface SynthData {
  readonly locks: LockOrder[];
  readonly hedges: HedgeOrder[];
  /** Lock orders from this index on (in `locks`) belong to the "new" period. */
  readonly newFromIndex: number;
  readonly newFromMs: number;
  readonly plantedAnomalies: PlantedAnomaly[];
  readonly plantedWash: PlantedWash[];
}

const E18 = 10n ** 18n;
const SCALE: bigint[] = Array.from({ length: 19 }, (_, k) => 10n ** BigInt(18 - k));

function pick<T>(rnd: () => number, items: readonly T[], weights: readonly number[]): T {
  let total = 0;
  for (const w of weights) total += w;
  let r = rnd() * total;
  for (let i = 0; i < items.length; i++) {
    r -= weights[i];
    if (r < 0) return items[i];
  }
  return items[items.length - 1];
}

function normal(rnd: () => number): number {
  const u = Math.max(rnd(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rnd());
}

type Planted = 'loss' | 'profit' | 'delay' | undefined;

export function synthDesk(opts: SynthOptions): SynthData {
  const rnd = seededRandom(opts.seed);
  const nClients = opts.clients ?? 40;
  const clientWeights = Array.from({ length: nClients }, (_, i) => 1 / (i + 1));
  const clients = Array.from({ length: nClients }, (_, i) => `C${String(i + 1).padStart(4, '0')}`);
  const unhedgedRate = opts.unhedgedRate ?? 0.015;
  const orphanRate = opts.orphanRate ?? 0.007;
  const splitRate = opts.splitRate ?? 0.08;
  const nNew = opts.newLocks ?? 0;
  const prefix = opts.idPrefix ?? `S${opts.seed}`;
  const nHist = opts.locks - nNew;
  const span = opts.endMs - opts.startMs;
  const newFromMs = nNew > 0 ? opts.endMs - 3_600_000 : opts.endMs;
  const histEnd = nNew > 0 ? newFromMs - 60_000 : opts.endMs;

  const times: number[] = [];
  for (let i = 0; i < nHist; i++) times.push(opts.startMs + Math.floor(rnd() * (histEnd - opts.startMs)));
  times.sort((a, b) => a - b);
  // New period: evenly spread over [newFrom, end − 15 min] so every hedge exists by endMs.
  for (let i = 0; i < nNew; i++) times.push(newFromMs + Math.floor(((i + 0.5) / nNew) * (3_600_000 - 15 * 60_000)));

  const locks: LockOrder[] = [];
  const hedges: HedgeOrder[] = [];
  const plantedAnomalies: PlantedAnomaly[] = [];
  const plantedWash: PlantedWash[] = [];
  const plan = new Map<number, Planted>();
  if (nNew >= 20) {
    const at = (k: number): number => nHist + Math.floor((k / 12) * nNew);
    plan.set(at(1), 'loss');
    plan.set(at(3), 'profit');
    plan.set(at(5), 'delay');
    plan.set(at(7), 'loss');
    plan.set(at(9), 'profit');
    plan.set(at(11), 'delay');
  }
  const washAt = new Set<number>(
    nNew >= 20 ? [2, 4, 6, 8, 10].map((k) => nHist + Math.floor((k / 12) * nNew) + 1) : [],
  );

  const priceAt = (c: CoinSpec, ci: number, t: number): number => {
    const phase = ((t - opts.startMs) / Math.max(span, 1)) * Math.PI * 2;
    return c.price * (1 + 0.08 * Math.sin(phase * (1 + ci * 0.3) + ci) + 0.02 * Math.sin(phase * 17 + ci * 2));
  };
  const toGrid = (v: number, dec: number): bigint => BigInt(Math.max(1, Math.round(v * 10 ** dec))) * SCALE[dec];

  const addHedges = (lock: LockOrder, c: CoinSpec, mid: number, planted: Planted, hedgeIndex: number): void => {
    const m = pick(
      rnd,
      METHODS,
      METHODS.map((x) => x.weight),
    );
    let delay = Math.round(m.delayMedianMs * Math.exp(0.7 * normal(rnd)));
    if (planted === 'delay') delay = 40 * 60_000 + Math.floor(rnd() * 5 * 60_000);
    let costBps = m.costBps + 5 * normal(rnd) + 0.02 * Math.sqrt(delay / 1000) * normal(rnd);
    if (planted === 'loss') costBps = 180 + 20 * rnd();
    if (planted === 'profit') costBps = -(160 + 20 * rnd());
    const sign = lock.side === 'buy' ? 1 : -1;
    const avg = mid * (1 + (sign * costBps) / 1e4);
    // Hedged amount: exact most of the time, else within ±0.2 %.
    const lockUnits = Number(lock.baseAmount / SCALE[c.amountDec]);
    const hedgeUnits = rnd() < 0.7 ? lockUnits : Math.max(1, Math.round(lockUnits * (1 + (rnd() - 0.5) * 0.004)));
    const split = planted === undefined && m.method === 'twap' && rnd() < splitRate / 0.5 && hedgeUnits >= 8;
    const parts = split ? 2 + Math.floor(rnd() * 3) : 1;
    let remaining = hedgeUnits;
    let t = lock.lockTime + delay;
    const venue = m.venues[Math.floor(rnd() * m.venues.length)];
    for (let p = 0; p < parts; p++) {
      const units =
        p === parts - 1 ? remaining : Math.max(1, Math.floor((remaining / (parts - p)) * (0.6 + 0.8 * rnd())));
      remaining -= units;
      const px = avg * (1 + (split ? 2 * normal(rnd) : 0) / 1e4);
      const amount = BigInt(units) * SCALE[c.amountDec];
      const avgPrice = toGrid(px, c.priceDec);
      const notional = (amount * avgPrice) / E18;
      const fee = (notional * BigInt(Math.round(m.feeBps * 100))) / 1_000_000n;
      const dur = split
        ? 2_000 + Math.floor(rnd() * 10_000)
        : m.method === 'twap'
          ? 30_000 + Math.floor(rnd() * 600_000)
          : 500;
      hedges.push({
        id: parts === 1 ? `${prefix}-H${hedgeIndex}` : `${prefix}-H${hedgeIndex}.${p + 1}`,
        clientId: lock.clientId,
        side: lock.side,
        base: lock.base,
        quote: lock.quote,
        baseAmount: amount,
        avgPrice,
        fee,
        method: m.method,
        venue,
        startTime: t,
        endTime: t + dur,
      });
      t += dur + 1_000 + Math.floor(rnd() * 20_000);
    }
  };

  for (let i = 0; i < times.length; i++) {
    const ci = COINS.indexOf(pick(rnd, COINS, COIN_WEIGHTS));
    const c = COINS[ci];
    const clientId = pick(rnd, clients, clientWeights);
    const side = rnd() < 0.5 ? 'buy' : 'sell';
    const quote = rnd() < 0.85 ? 'USDT' : 'USDC';
    const t = times[i];
    const mid = priceAt(c, ci, t);
    const markupBps = Math.max(2, 12 + 4 * normal(rnd));
    const lockPx = mid * (1 + ((side === 'buy' ? 1 : -1) * markupBps) / 1e4);
    const units = Math.max(1, Math.round(c.medianAmount * Math.exp(0.9 * normal(rnd)) * 10 ** c.amountDec));
    const quoteDelay = 1_000 + Math.floor(rnd() * 20_000);
    const lock: LockOrder = {
      id: `${prefix}-L${i}`,
      clientId,
      side,
      base: c.base,
      quote,
      baseAmount: BigInt(units) * SCALE[c.amountDec],
      price: toGrid(lockPx, c.priceDec),
      quoteTime: t - quoteDelay,
      lockTime: t,
    };
    locks.push(lock);
    const planted = plan.get(i);
    if (planted)
      plantedAnomalies.push({
        lockId: lock.id,
        expect: planted === 'loss' ? 'pnl_below_low' : planted === 'profit' ? 'pnl_above_high' : 'delay_above_high',
      });
    const hedged = planted !== undefined || i >= nHist || rnd() >= unhedgedRate;
    if (hedged) addHedges(lock, c, mid, planted, i);
    if (washAt.has(i)) {
      // The opposite lock, same coin and amount, 1–4 minutes later; alternate same/cross client.
      const k = plantedWash.length;
      const other = k % 2 === 0 ? clientId : clients[(clients.indexOf(clientId) + 1 + k) % clients.length];
      const t2 = t + 60_000 + Math.floor(rnd() * 180_000);
      const mid2 = priceAt(c, ci, t2);
      const side2 = side === 'buy' ? 'sell' : 'buy';
      const lock2: LockOrder = {
        id: `${prefix}-W${i}`,
        clientId: other,
        side: side2,
        base: c.base,
        quote,
        baseAmount: lock.baseAmount,
        price: toGrid(mid2 * (1 + ((side2 === 'buy' ? 1 : -1) * markupBps) / 1e4), c.priceDec),
        quoteTime: t2 - 2_000,
        lockTime: t2,
      };
      locks.push(lock2);
      addHedges(lock2, c, mid2, undefined, -i);
      plantedWash.push({
        kind: other === clientId ? 'same_client' : 'cross_client',
        firstId: lock.id,
        secondId: lock2.id,
      });
    }
  }
  // Orphan hedges: hedges with no lock (wrong client id in the source, manual trades…).
  const orphans = Math.round(nHist * orphanRate);
  for (let k = 0; k < orphans; k++) {
    const c = COINS[Math.floor(rnd() * COINS.length)];
    const t = opts.startMs + Math.floor(rnd() * (histEnd - opts.startMs));
    const amount = BigInt(Math.max(1, Math.round(c.medianAmount * 10 ** c.amountDec * rnd()))) * SCALE[c.amountDec];
    hedges.push({
      id: `${prefix}-O${k}`,
      clientId: clients[Math.floor(rnd() * clients.length)],
      side: rnd() < 0.5 ? 'buy' : 'sell',
      base: c.base,
      quote: 'USDT',
      baseAmount: amount,
      avgPrice: toGrid(c.price, c.priceDec),
      fee: 0n,
      method: 'other',
      venue: 'manual',
      startTime: t,
      endTime: t + 1_000,
    });
  }
  locks.sort((a, b) => a.lockTime - b.lockTime || (a.id < b.id ? -1 : 1));
  const newFromIndex = nNew > 0 ? locks.findIndex((l) => l.lockTime >= newFromMs) : locks.length;
  return { locks, hedges, newFromIndex, newFromMs, plantedAnomalies, plantedWash };
}
