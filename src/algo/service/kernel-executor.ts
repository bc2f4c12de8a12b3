/**
 * ChildExecutor over the gateway kernel: every child of a parent order is an ordinary
 * `kernel.command('place' | 'cancel', …)` of the algo's strategy, so it is validated, journaled,
 * reserves from that strategy's slot and is tracked by the OrderTracker like any strategy order.
 * The `parent` field makes the kernel put the parent number into the child's client order id
 * (oms/client-order-id.ts), which is how outputs and, after a restart, the tracker's orders are
 * routed back to their parent.
 *
 * Prices and sizes leave the core as ticks and lots and enter the kernel as exact decimal strings
 * (fromUnits): the kernel converts them back with toUnits, so nothing is rounded on the way.
 */
import { fromUnits } from '../../core/decimal.js';
import { dgError, isDeskgateError } from '../../core/errors.js';
import type { Instrument } from '../../core/instrument.js';
import type { CommandResult } from '../../bus/commands.js';
import { execFail, type ChildExecutor, type ChildPlacement, type ExecResult } from '../types.js';

/** What the executor needs of the kernel (GatewayKernel satisfies it). */
export interface CommandSink {
  command(cmd: string, raw: unknown, key?: string): Promise<CommandResult>;
}

export interface KernelExecutorOptions {
  readonly kernel: CommandSink;
  /** Ledger strategy whose slot funds the children. */
  readonly strategy: string;
  /** Parent order number (carried in every child's client order id). */
  readonly parent: number;
  readonly instrument: Instrument;
  /**
   * Reservation cap (ticks) of a market buy child: the kernel reserves price × size for a buy, so a
   * market buy needs a worst price. Undefined ⇒ the child is refused (DG_E_ALGO_MARKET_UNAVAILABLE).
   */
  readonly marketBuyCap?: () => number | undefined;
  /** Told of every child the kernel accepted (before the promise resolves), e.g. to journal it. */
  readonly onPlaced?: (clientId: string, p: ChildPlacement) => void;
}

export class KernelExecutor implements ChildExecutor {
  constructor(private readonly o: KernelExecutorOptions) {}

  async place(p: ChildPlacement): Promise<ExecResult<string>> {
    const inst = this.o.instrument;
    if (!Number.isSafeInteger(p.size) || p.size <= 0) return execFail(dgError('DG_E_BAD_SIZE', String(p.size)));
    let price = p.type === 'limit' ? p.price : undefined;
    if (p.type === 'limit' && (price === undefined || !Number.isSafeInteger(price) || price <= 0))
      return execFail(dgError('DG_E_BAD_PRICE', `limit child without a valid price (${String(p.price)})`));
    if (p.type === 'market' && p.side === 'buy') {
      price = p.price ?? this.o.marketBuyCap?.();
      if (price === undefined || !Number.isSafeInteger(price) || price <= 0)
        return execFail(dgError('DG_E_ALGO_MARKET_UNAVAILABLE', `${inst.symbol}: no ask to cap a market buy child`));
    }
    let r: CommandResult;
    try {
      r = await this.o.kernel.command('place', {
        strategy: this.o.strategy,
        instrument: inst.symbol,
        side: p.side,
        type: p.type,
        ...(price !== undefined ? { price: fromUnits(price, inst.price) } : {}),
        size: fromUnits(p.size, inst.size),
        ...(p.tif ? { tif: p.tif } : {}),
        ...(p.postOnly ? { postOnly: true } : {}),
        parent: this.o.parent,
      });
    } catch (e) {
      return execFail(isDeskgateError(e) ? e : dgError('DG_E_INTERNAL', e instanceof Error ? e.message : String(e)));
    }
    if (!r.ok) return execFail(r.error);
    const v = r.value as { clientId?: unknown } | null;
    const clientId = typeof v?.clientId === 'string' ? v.clientId : undefined;
    if (clientId === undefined) return execFail(dgError('DG_E_INTERNAL', 'kernel place reply without a client id'));
    this.o.onPlaced?.(clientId, p);
    return { ok: true, value: clientId };
  }

  async cancel(clientId: string): Promise<ExecResult<void>> {
    let r: CommandResult;
    try {
      r = await this.o.kernel.command('cancel', { strategy: this.o.strategy, clientId });
    } catch (e) {
      return execFail(isDeskgateError(e) ? e : dgError('DG_E_INTERNAL', e instanceof Error ? e.message : String(e)));
    }
    return r.ok ? { ok: true, value: undefined } : execFail(r.error);
  }
}
