/**
 * `deskgate serve` wiring of the algo service (docs/algo-service.md): the config block, the funding
 * of the algo strategy's slot, and one AlgoService per gateway with its journal beside the kernel's
 * (`<dataDir>/<gateway>-algos.db`). gateways.ts calls `fundAlgoStrategy` before the API strategy
 * takes its share of main, and `startAlgoService` once the kernel is live.
 *
 *   "algos": { "enabled": true, "strategy": "algo", "allocate": {"USDT": "100000", "BTC": "2"},
 *              "onRestart": "resume", "tickMs": 250 }
 *
 * `allocate` funds the slot UP TO the given amounts at every start (a top-up, so a restart does not
 * add the amounts again), moving at most what main has free; "all" moves everything free in main,
 * as the API strategy's "all" does.
 * Default: nothing allocated (existing API funding unchanged); a start then fails with
 * DG_E_LEDGER_INSUFFICIENT naming the slot until funds are allocated (config, or the ledger API).
 */
import { join } from 'node:path';
import { compareDecimal } from '../../core/decimal.js';
import type { Clock } from '../../core/clock.js';
import { dgError, type DeskgateError } from '../../core/errors.js';
import type { GatewayPort } from '../../api/gateway-port.js';
import type { GatewayKernel } from '../../gateway/kernel.js';
import { MAIN_SLOT } from '../../ledger/sub-accounts.js';
import { Journal } from '../../store/journal.js';
import { sumDecimals } from '../tca-decimal.js';
import { AlgoService } from './algo-service.js';
import type { AlgosConfig } from './algos-config.js';

/** Ledger slot of the algo strategy (the API strategy has slot 2). */
export const ALGO_SLOT = 3;

function slotRow(kernel: GatewayKernel, currency: string, index: number): { total: string; free: string } | undefined {
  const rows = kernel.snapshot().balances[currency];
  return rows?.find((r) => r.index === index);
}

function subtract(a: string, b: string): string | undefined {
  // Exact a − b for non-negative decimals, undefined when ≤ 0 (no float on money).
  return compareDecimal(a, b) <= 0 ? undefined : sumDecimals([a, `-${b}`]);
}

/** Move funds from main into the algo slot per `cfg.allocate` (top-up). Returns what was moved. */
export async function fundAlgoStrategy(
  kernel: GatewayKernel,
  cfg: AlgosConfig,
): Promise<{ ok: true; value: Record<string, string> } | { ok: false; error: DeskgateError }> {
  const ledger = kernel.state.requireLedger();
  if (ledger.slotOf(cfg.strategy) === undefined) {
    // ALGO_SLOT was taken in an older journal: any free slot will do.
    const r = await kernel.command('register', { strategy: cfg.strategy });
    if (!r.ok) return { ok: false, error: dgError(r.error.code, `algos.strategy ${cfg.strategy}: ${r.error.message}`) };
  }
  const slot = ledger.slotOf(cfg.strategy);
  if (slot === undefined) return { ok: false, error: dgError('DG_E_GATEWAY_UNKNOWN_STRATEGY', cfg.strategy) };
  const currencies = Object.keys(kernel.snapshot().balances);
  const wanted: [string, string][] =
    cfg.allocate === 'all' ? currencies.map((c) => [c, 'all']) : Object.entries(cfg.allocate);
  const done: Record<string, string> = {};
  for (const [cur, want] of wanted) {
    const main = slotRow(kernel, cur, MAIN_SLOT);
    if (!main)
      return { ok: false, error: dgError('DG_E_SERVE_CONFIG', `algos.allocate.${cur}: the account has no ${cur}`) };
    const have = slotRow(kernel, cur, slot)?.total ?? '0';
    const gap = want === 'all' ? main.free : subtract(want, have);
    // A top-up moves at most what main has free: after the first start the API strategy's "all"
    // has emptied main, and a slot the algos spent from must not make every restart fail.
    const amount = gap === undefined || compareDecimal(gap, main.free) <= 0 ? gap : main.free;
    if (amount === undefined || compareDecimal(amount, '0') <= 0) continue;
    const r = await kernel.command('allocate', {
      strategy: cfg.strategy,
      cmd: 'allocate',
      currency: cur,
      amount,
      index: slot,
    });
    if (!r.ok) return { ok: false, error: dgError(r.error.code, `algos.allocate.${cur}: ${r.error.message}`) };
    done[cur] = amount;
  }
  return { ok: true, value: done };
}

export interface AlgoServiceHandle {
  readonly service: AlgoService;
  close(opts?: { cancelAll?: boolean }): Promise<void>;
}

/** Open the gateway's algo service on its own journal; throws the open error (the gateway fails to start). */
export async function startAlgoService(o: {
  readonly gateway: string;
  readonly dataDir: string;
  readonly kernel: GatewayKernel;
  readonly port: GatewayPort;
  readonly clock: Clock;
  readonly cfg: AlgosConfig;
  readonly log: (line: string) => void;
}): Promise<AlgoServiceHandle> {
  const journal = new Journal({ file: join(o.dataDir, `${o.gateway}-algos.db`), clock: o.clock });
  const service = new AlgoService({
    kernel: o.kernel,
    port: o.port,
    journal,
    clock: o.clock,
    strategy: o.cfg.strategy,
    onRestart: o.cfg.onRestart,
    tickMs: o.cfg.tickMs,
    log: o.log,
  });
  const opened = await service.open();
  if (!opened.ok) {
    journal.close();
    throw opened.error;
  }
  let closed = false;
  return {
    service,
    async close(opts = {}) {
      if (closed) return;
      closed = true;
      await service.close(opts);
      journal.close();
    },
  };
}
