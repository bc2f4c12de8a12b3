/**
 * What the native HTTP API needs of the gateway's ledger (strategy sub-accounts, spec S4): read
 * every slot of every currency and run the S4.4 balance commands. Implemented over the gateway
 * kernel by kernel-ledger-access.ts; any other owner of a ledger (a bus client, a test) can
 * implement it too. Amounts are exact decimal strings; results are values, never rejections.
 */
import type { DeskgateError } from '../../core/errors.js';

export type LedgerCommandName = 'allocate' | 'release' | 'adjust';

export const LEDGER_COMMANDS: readonly LedgerCommandName[] = ['allocate', 'release', 'adjust'];

/** One slot of one currency: 0 = total, 1 = main, 2… = strategies. */
export interface SlotBalanceText {
  readonly index: number;
  readonly name: string;
  readonly total: string;
  readonly free: string;
  readonly frozen: string;
}

export type LedgerCommandResult =
  { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: DeskgateError };

export interface LedgerAccess {
  /** Every currency's slots (decimal strings), by currency code. */
  balances():
    | Readonly<Record<string, readonly SlotBalanceText[]>>
    | Promise<Readonly<Record<string, readonly SlotBalanceText[]>>>;
  /** Run one S4.4 command: `{strategy, currency, amount, index}` (adjust: `delta`, index 0). */
  command(cmd: LedgerCommandName, payload: Readonly<Record<string, unknown>>): Promise<LedgerCommandResult>;
}
