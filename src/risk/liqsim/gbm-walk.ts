/**
 * The hot loop of the Monte Carlo for its commonest case: a GBM pair monitored at the grid
 * points. Bit for bit it walks the same path as `GbmStepper.next` called step by step
 * (test/risk/normal-table.test.ts checks this), only cheaper per step:
 *
 * - one 32-bit draw serves two steps (its low, then its high 16-bit half), and a step is one
 *   load from a per-pair table of drift + σ√Δt · q_i, one add, one store and one compare with
 *   the next (sorted) log-barrier;
 * - whole pairs of steps run in a call-free loop over locals (the xoshiro128** state comes from
 *   and goes back to the Rng's Int32Array); the rare cases — a tail cell (2^-15 of the cells,
 *   drawn exactly), a barrier touched, a leftover half-draw, an odd last step — are replayed
 *   one step at a time by the caller;
 * - once every barrier of the pair is touched the walk only continues as far as the last
 *   delayed sale needs (or to the horizon for a path kept for the charts), without compares.
 */
import { normalTable, QUANT_CELLS } from './normal-table.js';
import { xoshiroNext, type Rng } from './rng.js';

const tables = new Map<string, Float64Array>();

/**
 * Per-cell step table: entry i is drift + vol · q_i, the same double `GbmStepper.next` computes
 * for cell i. Cached by (drift, vol): every chunk of a run reuses it.
 */
export function gbmStepTable(drift: number, vol: number): Float64Array {
  const key = `${drift}/${vol}`;
  let t = tables.get(key);
  if (!t) {
    const q = normalTable();
    t = new Float64Array(QUANT_CELLS);
    for (let i = 0; i < QUANT_CELLS; i++) t[i] = drift + vol * q[i];
    if (tables.size >= 32) tables.clear(); // a run has a handful of pairs; bound the memory anyway
    tables.set(key, t);
  }
  return t;
}

/** One pair's barriers (sorted, highest first) and the path's outcome arrays. */
export interface WalkTargets {
  readonly levels: Float64Array;
  /** position index × 2 + (0 margin call | 1 liquidation) */
  readonly kinds: Int32Array;
  /** Step at which each kind was touched (−1: not), filled in by the walk. */
  readonly hitStep: Int32Array;
  /** Forced-sale delay in steps, by position. */
  readonly delayOf: Int32Array;
}

/**
 * Walks one path from step 1 into `buf` (buf[0] = 0 is the caller's), given that barriers
 * [0, bi) were touched at the start. Returns the first step not simulated.
 *
 * Whole pairs of steps run in `runPairs`, which makes no calls so V8 keeps its state in
 * registers; everything rare (a half-draw left over, an odd last step, a tail cell, a barrier
 * touched) is one step at a time here, in the same order, so the sequence of normals is exactly
 * `rng.normalQ()`'s.
 */
export function walkGbm(
  rng: Rng,
  table: Float64Array,
  drift: number,
  vol: number,
  buf: Float64Array,
  steps: number,
  tg: WalkTargets,
  bi: number,
  keepAll: boolean,
): number {
  const levels = tg.levels;
  const kinds = tg.kinds;
  const hitStep = tg.hitStep;
  const nb = levels.length;
  const st = rng.state;
  let k = 1;
  let nextB = bi < nb ? levels[bi] : -Infinity;
  let last = bi < nb ? steps : 0;
  let barriers = true; // false once only the tail of the path is left to walk
  for (;;) {
    if (barriers && (bi === nb || k > last)) {
      // Every barrier touched, or the horizon reached: only the delayed sales (and kept
      // paths) need the rest of the path, without compares.
      barriers = false;
      let end = keepAll ? steps : 0;
      for (let e = 0; e < bi; e++) {
        const kind = kinds[e];
        if ((kind & 1) === 1) end = Math.max(end, hitStep[kind] + tg.delayOf[kind >> 1]);
      }
      last = end;
      nextB = -Infinity;
    }
    if (k > last) return k;
    // the upper half of the previous draw comes first
    let cell = st[4];
    if (cell >= 0) st[4] = -1;
    else if (k < last) {
      const kp = runPairs(st, table, buf, k, last, nextB);
      if (kp >= last) {
        k = kp;
        continue;
      }
      // the pair at kp, kp + 1 needs care: its first half now, its second as the spare
      k = kp;
      const r = st[5];
      cell = r & 0xffff;
      st[4] = r >>> 16;
    } else {
      const r = xoshiroNext(st);
      cell = r & 0xffff;
      st[4] = r >>> 16;
    }
    // One step with cell `cell`; cells 0 and 0xffff are the tails, drawn exactly.
    const d = (cell - 1) >>> 0 >= 0xfffe ? drift + vol * rng.normalTail(cell) : table[cell];
    const x = buf[k - 1] + d;
    buf[k] = x;
    if (x <= nextB) {
      bi = recordHits(levels, kinds, hitStep, bi, x, k);
      nextB = bi < nb ? levels[bi] : -Infinity;
    }
    k++;
  }
}

/**
 * Whole pairs of steps from k while k < last: one draw, two cells, x = buf[k − 1] + table[cell]
 * stored into buf. Stops before a pair with a tail cell or with x ≤ nextB at either step,
 * leaving that pair's draw in st[5] (the generator already past it) for the caller to replay.
 * Returns the step it stopped at.
 */
function runPairs(
  st: Int32Array,
  table: Float64Array,
  buf: Float64Array,
  k: number,
  last: number,
  nextB: number,
): number {
  let s0 = st[0];
  let s1 = st[1];
  let s2 = st[2];
  let s3 = st[3];
  let x = buf[k - 1];
  // a local copy: compared against a parameter V8 re-checks its type every iteration
  const lim = nextB * 1;
  for (; k < last; k += 2) {
    const t = Math.imul(s1, 5);
    const r = Math.imul((t << 7) | (t >>> 25), 9);
    s2 ^= s0;
    s3 ^= s1;
    const n1 = s1 ^ s2;
    s0 ^= s3;
    s2 ^= s1 << 9;
    s3 = (s3 << 11) | (s3 >>> 21);
    s1 = n1;
    const lo = r & 0xffff;
    const hi = r >>> 16;
    if ((lo - 1) >>> 0 >= 0xfffe || (hi - 1) >>> 0 >= 0xfffe) {
      st[5] = r;
      break;
    }
    const x1 = x + table[lo];
    const x2 = x1 + table[hi];
    buf[k] = x1;
    buf[k + 1] = x2;
    if (x1 <= lim || x2 <= lim) {
      st[5] = r;
      break;
    }
    x = x2;
  }
  st[0] = s0;
  st[1] = s1;
  st[2] = s2;
  st[3] = s3;
  return k;
}

/** Records every barrier at or above x as touched at step k; returns the next untouched one. */
function recordHits(
  levels: Float64Array,
  kinds: Int32Array,
  hitStep: Int32Array,
  bi: number,
  x: number,
  k: number,
): number {
  const nb = levels.length;
  do {
    hitStep[kinds[bi]] = k;
    bi++;
  } while (bi < nb && x <= levels[bi]);
  return bi;
}
