/**
 * LedgerAccess over the gateway kernel: balances from `kernel.snapshot()`, commands through
 * `kernel.command()` (validated, journaled and applied by the kernel like any strategy command).
 */
import type { GatewayKernel } from '../../gateway/kernel.js';
import type { LedgerAccess, LedgerCommandName, LedgerCommandResult, SlotBalanceText } from './ledger-access.js';

/** The two kernel calls this adapter uses (GatewayKernel has both). */
export type KernelLedgerSource = Pick<GatewayKernel, 'snapshot' | 'command'>;

export function kernelLedgerAccess(kernel: KernelLedgerSource): LedgerAccess {
  return {
    balances(): Record<string, readonly SlotBalanceText[]> {
      return kernel.snapshot().balances;
    },
    async command(cmd: LedgerCommandName, payload: Readonly<Record<string, unknown>>): Promise<LedgerCommandResult> {
      return kernel.command(cmd, payload);
    },
  };
}
