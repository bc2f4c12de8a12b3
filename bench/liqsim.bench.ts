/**
 * Liquidation Monte Carlo throughput: 1M paths × 1,440 one-minute steps of GBM against one
 * position's margin-call and liquidation lines, on worker threads over all cores (deskgate) and
 * in-process on one thread (the baseline), same config, same seed, interleaved for LIQSIM_ROUNDS
 * rounds (default 2; best of each). Also checks that both give identical numbers (thread-count
 * independence).
 *
 * steps_per_s counts nominal path-steps (paths × steps) per second; simulated_steps_per_s
 * counts the steps actually taken (paths stop early once every line is touched and the
 * delayed sale is priced).
 */
import { validatePosition } from '../src/risk/liqsim/positions.js';
import { buildSetup } from '../src/risk/liqsim/setup.js';
import { runSimulation, defaultThreads } from '../src/risk/liqsim/pool.js';
import { combine } from '../src/risk/liqsim/stats.js';

export async function run(log: (line: string) => void): Promise<Record<string, number>> {
  const paths = Number(process.env.LIQSIM_PATHS ?? 1_000_000);
  const steps = 1440;
  const position = validatePosition(
    {
      id: 'bench',
      collateralCoin: 'BTC',
      collateralAmount: '10',
      loanCoin: 'USDT',
      loanAmount: '390000',
      ltvInitial: 0.6,
      ltvMarginCall: 0.67,
      ltvLiquidation: 0.7,
      liquidationDelay: '5m',
      slippage: 0.01,
    },
    0,
  );
  const setup = buildSetup([position], {
    model: 'gbm',
    paths,
    steps,
    dtS: 60,
    seed: 20260101,
    markets: { 'BTC/USDT': { price: 60000, sigma: 0.6, mu: 0 } },
    fanPaths: 0,
  });
  const cfg = setup.config;
  const nominal = paths * steps;
  const threads = defaultThreads();

  // Rounds interleave the two runs so that both see the same share of a noisy, shared machine;
  // each figure is the best (shortest) of its rounds.
  const rounds = Math.max(1, Number(process.env.LIQSIM_ROUNDS ?? 2));
  log(
    `${paths} paths × ${steps} steps, GBM, ${threads} worker threads vs 1 thread, best of ${rounds} interleaved rounds`,
  );
  let tMulti = Infinity;
  let tSingle = Infinity;
  let sMulti: ReturnType<typeof combine> | undefined;
  let sSingle: ReturnType<typeof combine> | undefined;
  for (let r = 0; r < rounds; r++) {
    let t0 = performance.now();
    const multi = await runSimulation(cfg, { threads });
    const tm = (performance.now() - t0) / 1000;
    tMulti = Math.min(tMulti, tm);
    sMulti = combine(cfg, multi);
    log(
      `round ${r + 1} workers: ${tm.toFixed(2)} s, ${(nominal / tm / 1e6).toFixed(1)} M steps/s, P(liq)=${sMulti.positions[0].pLiquidation.value}`,
    );
    t0 = performance.now();
    const single = await runSimulation(cfg, { threads: 1 });
    const ts = (performance.now() - t0) / 1000;
    tSingle = Math.min(tSingle, ts);
    sSingle = combine(cfg, single);
    log(`round ${r + 1} 1 thread: ${ts.toFixed(2)} s, ${(nominal / ts / 1e6).toFixed(1)} M steps/s`);
  }
  if (!sMulti || !sSingle) throw new Error('no rounds');
  // Start-up cost of the worker threads alone (included in the figures above): a 2-chunk run.
  const tiny = { ...cfg, paths: 2 * cfg.chunkSize, steps: 1 };
  const tw = performance.now();
  await runSimulation(tiny, { threads });
  const startup = (performance.now() - tw) / 1000;
  log(
    `worker start-up (${threads} threads, ${import.meta.url.endsWith('.ts') ? 'tsx' : 'compiled'}): ${startup.toFixed(2)} s`,
  );

  const same =
    JSON.stringify(sMulti.positions) === JSON.stringify(sSingle.positions) &&
    JSON.stringify(sMulti.aggregate) === JSON.stringify(sSingle.aggregate);
  log(`identical results 1 vs ${threads} threads: ${same}`);
  return {
    paths,
    steps,
    threads,
    steps_per_s: Math.round(nominal / tMulti),
    steps_per_s_1thread: Math.round(nominal / tSingle),
    speedup_vs_1thread: Math.round((tSingle / tMulti) * 100) / 100,
    simulated_steps_per_s: Math.round(sMulti.simulatedSteps / tMulti),
    seconds: Math.round(tMulti * 1000) / 1000,
    seconds_1thread: Math.round(tSingle * 1000) / 1000,
    rounds,
    worker_startup_s: Math.round(startup * 1000) / 1000,
    p_margin_call: sMulti.positions[0].pMarginCall.value,
    p_liquidation: sMulti.positions[0].pLiquidation.value,
    identical_across_threads: same ? 1 : 0,
  };
}
