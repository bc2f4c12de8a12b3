/**
 * `npm run bench -- oms`: own-order tracking throughput on one synthetic stream of venue inputs.
 * Each order: submit, REST ack, feed accepted, 4 fills (one of them delivered twice), done
 * (half canceled after partial fills, half filled) — 9 inputs per order; OMS_BENCH_ORDERS orders
 * (default 50 000), OMS_BENCH_REPS rounds (default 5), alternated with the baseline.
 *
 *   deskgate_inputs_per_s   OrderTracker: runtime validation, table lookups, trade-id dedupe,
 *                           bigint notional, per-strategy indexes, outputs built for every change
 *   bare_map_inputs_per_s   the floor: a Map<clientId, {state, filled, notional}> updated with no
 *                           validation, no table, no dedupe set, no outputs — what the bookkeeping
 *                           costs without any of the guarantees
 *   overhead_ratio          bare / deskgate
 */
import { ManualClock } from '../src/core/clock.js';
import type { FeedEvent } from '../src/oms/order-io.js';
import { OrderTracker } from '../src/oms/order-tracker.js';

const ORDERS = Number(process.env.OMS_BENCH_ORDERS ?? 50_000);
const REPS = Number(process.env.OMS_BENCH_REPS ?? 5);

type Input =
  { t: 'submit'; cid: string; size: number } | { t: 'ack'; cid: string; vid: string } | { t: 'feed'; ev: FeedEvent };

function makeStream(): Input[] {
  const out: Input[] = [];
  for (let i = 0; i < ORDERS; i++) {
    const cid = `s${i % 8}-1--${i.toString(36)}`;
    const vid = `V${i}`;
    const size = 40;
    out.push({ t: 'submit', cid, size });
    out.push({ t: 'ack', cid, vid });
    out.push({ t: 'feed', ev: { kind: 'accepted', venueOrderId: vid, ts: i } });
    const filled = i % 2 === 0 ? [10, 10, 10, 10] : [5, 5, 5, 5];
    filled.forEach((q, k) => {
      const ev: FeedEvent = {
        kind: 'fill',
        venueOrderId: vid,
        fill: { tradeId: `${i}-${k}`, price: 30_000 + k, size: q, fee: 3n, feeCurrency: 'USDT', ts: i },
      };
      out.push({ t: 'feed', ev });
      if (k === 1) out.push({ t: 'feed', ev });
    });
    out.push({
      t: 'feed',
      ev: { kind: 'done', venueOrderId: vid, reason: i % 2 === 0 ? 'filled' : 'canceled', ts: i },
    });
  }
  return out;
}

function runTracker(stream: readonly Input[]): number {
  const tracker = new OrderTracker({ clock: new ManualClock(0), closedCap: 1000 });
  let outputs = 0;
  for (const x of stream) {
    const r =
      x.t === 'submit'
        ? tracker.submit({
            clientId: x.cid,
            strategy: x.cid.slice(0, 2),
            instrument: 0,
            side: 0,
            price: 30_000,
            size: x.size,
          })
        : x.t === 'ack'
          ? tracker.onAck(x.cid, x.vid)
          : tracker.onFeed(x.ev);
    if (!r.ok) throw new Error(`bench stream refused: ${r.errors[0]!.message}`);
    outputs += r.outputs.length;
  }
  return outputs;
}

interface Bare {
  state: string;
  filled: number;
  notional: bigint;
}

function runBare(stream: readonly Input[]): number {
  const byCid = new Map<string, Bare>();
  const byVid = new Map<string, Bare>();
  let n = 0;
  for (const x of stream) {
    if (x.t === 'submit') byCid.set(x.cid, { state: 'pending-new', filled: 0, notional: 0n });
    else if (x.t === 'ack') {
      const o = byCid.get(x.cid)!;
      o.state = 'open';
      byVid.set(x.vid, o);
    } else {
      const o = byVid.get(x.ev.venueOrderId)!;
      if (x.ev.kind === 'fill') {
        o.filled += x.ev.fill.size;
        o.notional += BigInt(x.ev.fill.price) * BigInt(x.ev.fill.size);
      } else if (x.ev.kind === 'done') o.state = x.ev.reason;
    }
    n++;
  }
  return n;
}

export async function run(log: (line: string) => void): Promise<Record<string, number>> {
  const stream = makeStream();
  log(`${ORDERS} orders, ${stream.length} inputs per round, ${REPS} rounds`);
  runTracker(stream);
  runBare(stream);
  let tTracker = 0;
  let tBare = 0;
  for (let r = 0; r < REPS; r++) {
    let t = performance.now();
    runTracker(stream);
    tTracker += performance.now() - t;
    t = performance.now();
    runBare(stream);
    tBare += performance.now() - t;
  }
  const n = stream.length * REPS;
  const deskgate = Math.round(n / (tTracker / 1000));
  const bare = Math.round(n / (tBare / 1000));
  log(`deskgate ${deskgate} inputs/s, bare map ${bare} inputs/s`);
  return {
    deskgate_inputs_per_s: deskgate,
    bare_map_inputs_per_s: bare,
    overhead_ratio: Math.round((bare / deskgate) * 100) / 100,
  };
}
