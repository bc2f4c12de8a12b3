/**
 * The S4.4 balance commands as they arrive from strategy processes (IPC/RPC payloads):
 *
 *   { "strategy": "a", "cmd": "allocate", "currency": "usd", "amount": 100, "index": 2 }
 *   { "strategy": "a", "cmd": "release",  "currency": "usd", "amount": "100", "index": 2 }
 *   { "strategy": "a", "cmd": "adjust",   "currency": "usd", "delta": -1000, "index": 0 }
 *
 * Shape is checked with zod (DG_E_LEDGER_BAD_COMMAND); amounts may be JSON numbers or decimal
 * strings and convert exactly to minor units (DG_E_LEDGER_BAD_AMOUNT for NaN, ±Infinity, off-grid,
 * absurd, or ≤ 0 where a positive amount is needed). `adjust` also accepts `amount` for `delta`
 * (the seed's JSON example spells it so). The result is a value: on error nothing changed.
 */
import { z } from 'zod';
import type { SubAccounts } from './sub-accounts.js';
import { MAIN_SLOT } from './sub-accounts.js';
import { fail, ok, type LedgerResult } from './result.js';

const name = z.string().min(1).max(64);
const transfer = z.object({
  strategy: name,
  cmd: z.enum(['allocate', 'release']),
  currency: name,
  amount: z.unknown(),
  index: z.number(),
});
const adjust = z.object({
  strategy: name,
  cmd: z.literal('adjust'),
  currency: name,
  delta: z.unknown().optional(),
  amount: z.unknown().optional(),
  index: z.number(),
});
const commandSchema = z.discriminatedUnion('cmd', [transfer, adjust]);

export type BalanceCommand = z.infer<typeof commandSchema>;
export const BALANCE_COMMANDS = ['allocate', 'release', 'adjust'] as const;

export interface BalanceText {
  readonly total: string;
  readonly free: string;
  readonly frozen: string;
}

export interface CommandOutcome {
  readonly cmd: 'allocate' | 'release' | 'adjust';
  readonly strategy: string;
  readonly currency: string;
  /** Slot the command addressed (0 for adjust). */
  readonly index: number;
  /** Canonical decimal of the amount moved (signed for adjust). */
  readonly amount: string;
  /** The addressed slot after the command. */
  readonly slot: BalanceText;
  /** Slot 1 (main) after the command. */
  readonly main: BalanceText;
}

/** Validate the payload's shape (no ledger access). */
export function parseBalanceCommand(raw: unknown): LedgerResult<BalanceCommand> {
  const r = commandSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0];
    const where = issue && issue.path.length > 0 ? issue.path.join('.') : 'payload';
    return fail('DG_E_LEDGER_BAD_COMMAND', `${where}: ${issue?.message ?? 'invalid'}`);
  }
  return ok(r.data);
}

/** Validate and execute one command against the sub-accounts. */
export function executeBalanceCommand(ledger: SubAccounts, raw: unknown): LedgerResult<CommandOutcome> {
  const parsed = parseBalanceCommand(raw);
  if (!parsed.ok) return parsed;
  const c = parsed.value;
  const cur = ledger.currencies.get(c.currency);
  if (!cur) return fail('DG_E_LEDGER_UNKNOWN_CURRENCY', JSON.stringify(c.currency.slice(0, 32)));
  let rawAmount: unknown;
  if (c.cmd === 'adjust') {
    if (c.delta !== undefined && c.amount !== undefined && c.delta !== c.amount) {
      return fail('DG_E_LEDGER_BAD_COMMAND', 'adjust: give delta or amount, not two different values');
    }
    rawAmount = c.delta ?? c.amount;
    if (rawAmount === undefined) return fail('DG_E_LEDGER_BAD_COMMAND', 'adjust: delta is required');
  } else {
    rawAmount = c.amount;
  }
  const units = ledger.currencies.toUnits(cur.code, rawAmount);
  if (!units.ok) return units;
  const r =
    c.cmd === 'allocate'
      ? ledger.allocate(c.strategy, cur.code, units.value, c.index)
      : c.cmd === 'release'
        ? ledger.release(c.strategy, cur.code, units.value, c.index)
        : ledger.adjust(c.strategy, cur.code, units.value, c.index);
  if (!r.ok) return r;
  const fmt = (b: { total: bigint; free: bigint; frozen: bigint }): BalanceText => ({
    total: ledger.currencies.format(cur.code, b.total),
    free: ledger.currencies.format(cur.code, b.free),
    frozen: ledger.currencies.format(cur.code, b.frozen),
  });
  return ok({
    cmd: c.cmd,
    strategy: c.strategy,
    currency: cur.code,
    index: c.index,
    amount: ledger.currencies.format(cur.code, units.value),
    slot: fmt(r.value),
    main: fmt(ledger.slot(cur.code, MAIN_SLOT)!),
  });
}
