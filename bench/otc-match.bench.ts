/**
 * OTC matching benchmark (S2.2): 1M lock orders against ~1M hedge orders (seeded synthetic desk
 * year: 500 clients, 8 coins, 2 quote coins, split hedges, unhedged locks, orphan hedges).
 * Results: match_seconds_1m (bucketed time-ordered sweep, the product matcher; wall time) and
 * match_cpu_seconds_1m (its process CPU time), peak_rss_mb,
 * naive_seconds_10k (all-pairs baseline on a 10k-lock subset) and fast_seconds_10k on the same
 * subset; the bench asserts both matchers return the identical result there. Target: < 30 s.
 */
import { isDeepStrictEqual } from 'node:util';
import { matchOrders } from '../src/desk/match.js';
import { matchNaive } from '../src/desk/match-naive.js';
import { synthDesk } from '../src/desk/synth.js';

export async function run(log: (line: string) => void): Promise<Record<string, number>> {
  const t0 = performance.now();
  const d = synthDesk({
    seed: 20260101,
    locks: 1_000_000,
    startMs: Date.UTC(2025, 0, 1),
    endMs: Date.UTC(2026, 0, 1),
    clients: 500,
    splitRate: 0.03,
  });
  log(
    `generated ${d.locks.length} locks, ${d.hedges.length} hedges in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );

  let t = performance.now();
  const cpu0 = process.cpuUsage();
  let lastTenth = -1;
  const full = matchOrders(d.locks, d.hedges, {}, (done, total) => {
    const tenth = Math.floor((done / total) * 10);
    if (tenth > lastTenth) log(`match progress ${Math.round((done / total) * 100)}%`);
    lastTenth = tenth;
  });
  const matchSeconds = (performance.now() - t) / 1000;
  const cpu = process.cpuUsage(cpu0);
  // CPU time of this process (includes GC threads): steadier than wall time on a shared machine.
  const matchCpuSeconds = (cpu.user + cpu.system) / 1e6;
  const oneToMany = full.pairs.filter((p) => p.kind === 'one-to-many').length;
  log(
    `matched ${full.pairs.length} pairs (${oneToMany} one-to-many), unmatched ${full.unmatchedLocks.length} locks / ${full.unmatchedHedges.length} hedges in ${matchSeconds.toFixed(2)} s`,
  );

  // 10k subset: the first 10k locks by time, and every hedge that could reach them.
  const locks10k = d.locks.slice(0, 10_000);
  const horizon = locks10k[locks10k.length - 1].lockTime + 86_400_000;
  const hedges10k = d.hedges.filter((h) => h.startTime <= horizon);
  t = performance.now();
  const fast = matchOrders(locks10k, hedges10k);
  const fastSeconds = (performance.now() - t) / 1000;
  t = performance.now();
  const naive = matchNaive(locks10k, hedges10k);
  const naiveSeconds = (performance.now() - t) / 1000;
  if (!isDeepStrictEqual(fast, naive))
    throw new Error('fast matcher and all-pairs baseline disagree on the 10k subset');
  log(
    `10k subset (${locks10k.length} × ${hedges10k.length}): identical results; fast ${fastSeconds.toFixed(3)} s, all-pairs ${naiveSeconds.toFixed(3)} s`,
  );

  const peak = process.resourceUsage().maxRSS / 1024;
  log(
    matchSeconds < 30
      ? `target met: ${matchSeconds.toFixed(2)} s < 30 s`
      : `TARGET MISSED: ${matchSeconds.toFixed(2)} s`,
  );
  return {
    match_seconds_1m: Number(matchSeconds.toFixed(3)),
    match_cpu_seconds_1m: Number(matchCpuSeconds.toFixed(3)),
    peak_rss_mb: Math.round(peak),
    naive_seconds_10k: Number(naiveSeconds.toFixed(3)),
    fast_seconds_10k: Number(fastSeconds.toFixed(4)),
    locks: d.locks.length,
    hedges: d.hedges.length,
    pairs: full.pairs.length,
    one_to_many: oneToMany,
    unmatched_locks: full.unmatchedLocks.length,
    unmatched_hedges: full.unmatchedHedges.length,
  };
}
