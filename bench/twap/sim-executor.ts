/**
 * The algo runner's two ports over the simulated exchange, for the evaluation bench:
 * `ChildExecutor` (children are engine orders of one account, client order ids `p<parent>-<n>`)
 * and `MarketSource` (30 book levels + the closed one-minute bars of the last hour, from the
 * engine). Engine events of the account's orders are queued, not delivered at once: the engine
 * emits them while a command is still running (a child's own taker fills arrive before `place`
 * has returned its id), so the harness drains the queue into the runner after each command batch
 * and each flow advance — like order updates arriving over a venue's private stream.
 */
import type { Clock } from '../../src/core/clock.js';
import { formatScaled, increment, type Increment } from '../../src/core/decimal.js';
import type { DeskgateError } from '../../src/core/errors.js';
import type {
  AlgoBar,
  ChildExecutor,
  ChildFill,
  ChildPlacement,
  ExecResult,
  MarketSnapshot,
  MarketSource,
} from '../../src/algo/types.js';
import type { SimEngine } from '../../src/venue/sim/engine.js';
import type { SimMarket, SimMessage } from '../../src/venue/sim/engine-types.js';

/** Absolute state of one child (what `runner.childUpdate` takes). */
export interface ChildState {
  readonly filled: number;
  readonly filledNotional: number;
  readonly open: boolean;
}

/** Where drained events go (the runner, or the naive baseline). */
export interface ChildEventSink {
  fill(f: ChildFill & { readonly tradeId?: string }): void;
  childUpdate(clientId: string, u: ChildState): void;
}

interface Tracked {
  filled: number;
  filledNotional: number;
  open: boolean;
  fee: number;
}

type Pending =
  | { readonly kind: 'fill'; readonly fill: ChildFill & { readonly tradeId: string } }
  | { readonly kind: 'update'; readonly clientId: string; readonly state: ChildState };

const ok = <T>(value: T): ExecResult<T> => ({ ok: true, value });
const err = <T>(error: DeskgateError): ExecResult<T> => ({ ok: false, error });

export class SimAlgoVenue implements ChildExecutor, MarketSource {
  readonly engine: SimEngine;
  readonly account: string;
  readonly market: SimMarket;
  private readonly parent: number;
  private readonly tickInc: Increment;
  private readonly baseDecimals: number;
  private readonly quoteDecimals: number;
  private n = 0;
  private readonly byClient = new Map<string, Tracked>();
  private queue: Pending[] = [];
  private readonly off: () => void;
  /** Every fill of the account's children (for the TCA). */
  readonly fills: ChildFill[] = [];
  placed = 0;
  rejected = 0;

  private readonly clock: Clock;

  constructor(engine: SimEngine, clock: Clock, account: string, symbol: string, parent: number) {
    const m = engine.market(symbol);
    if (!m) throw new RangeError(`unknown market ${symbol}`);
    this.engine = engine;
    this.clock = clock;
    this.account = account;
    this.market = m;
    this.parent = parent;
    this.tickInc = increment(m.instrument.tickSize);
    this.baseDecimals = engine.currency(m.base)?.decimals ?? 8;
    this.quoteDecimals = engine.currency(m.quote)?.decimals ?? 8;
    this.off = engine.on((msg) => this.onMessage(msg));
  }

  close(): void {
    this.off();
  }

  async place(p: ChildPlacement): Promise<ExecResult<string>> {
    const clientId = `p${this.parent}-${++this.n}`;
    this.byClient.set(clientId, { filled: 0, filledNotional: 0, open: true, fee: 0 });
    const r = this.engine.placeOrder({
      account: this.account,
      symbol: this.market.symbol,
      side: p.side,
      type: p.type,
      ...(p.type === 'limit' ? { price: p.price } : {}),
      size: p.size,
      ...(p.postOnly ? { postOnly: true } : {}),
      ...(p.tif ? { timeInForce: p.tif } : {}),
      clientOid: clientId,
    });
    if (!r.ok) {
      this.byClient.delete(clientId);
      this.rejected++;
      return err(r.error);
    }
    this.placed++;
    return ok(clientId);
  }

  async cancel(clientId: string): Promise<ExecResult<void>> {
    const r = this.engine.cancelByClientOid(this.account, clientId);
    if (r.ok) return ok(undefined);
    // already done (filled or cancelled): its final update is in the queue, nothing to cancel
    if (r.error.code === 'DG_E_SIM_ORDER_DONE' || r.error.code === 'DG_E_SIM_UNKNOWN_ORDER') return ok(undefined);
    return err(r.error);
  }

  async snapshot(): Promise<ExecResult<MarketSnapshot>> {
    const now = this.clock.now();
    const l2 = this.engine.l2Snapshot(this.market.symbol, 30);
    const bars: AlgoBar[] = [];
    for (const c of this.engine.candles(this.market.symbol, 1, now - 61 * 60_000, now)) {
      if (c.start + 60_000 > now) continue; // closed bars only
      bars.push({ start: c.start, open: c.open, high: c.high, low: c.low, close: c.close, volume: c.volume });
    }
    return ok({ now, bids: l2.bids, asks: l2.asks, bars: bars.slice(-60) });
  }

  /** Deliver the queued fills and child updates, in engine order. */
  drain(sink: ChildEventSink): void {
    const q = this.queue;
    this.queue = [];
    for (const e of q) {
      if (e.kind === 'fill') sink.fill(e.fill);
      else sink.childUpdate(e.clientId, e.state);
    }
  }

  /** Open children the engine still holds (a leftover check after the parent ended). */
  openChildren(): number {
    return this.engine.activeOrders(this.account, this.market.symbol).length;
  }

  private onMessage(m: SimMessage): void {
    if (m.type !== 'order' || m.account !== this.account) return;
    const clientId = m.order.clientOid;
    if (clientId === undefined) return;
    const t = this.byClient.get(clientId);
    if (!t) return;
    if (m.changeType === 'match' && m.matchPrice !== undefined && m.matchSize !== undefined) {
      const feeUnits = m.order.fee - t.fee;
      t.fee = m.order.fee;
      t.filled += m.matchSize;
      t.filledNotional += m.matchPrice * m.matchSize;
      const fill = {
        clientId,
        tradeId: m.tradeId ?? `${clientId}:${t.filled}`,
        price: m.matchPrice,
        size: m.matchSize,
        fee: this.feeInQuote(feeUnits, m.order.feeCurrency, m.matchPrice),
        liquidity: m.liquidity,
        ts: m.ts,
      };
      this.fills.push(fill);
      this.queue.push({ kind: 'fill', fill });
    }
    t.open = m.order.status !== 'done';
    this.queue.push({
      kind: 'update',
      clientId,
      state: { filled: t.filled, filledNotional: t.filledNotional, open: t.open },
    });
  }

  /**
   * The engine charges the fee in the coin received (a buyer pays base). The TCA wants quote:
   * base fees are valued at the fill price — exactly, fee × price has finitely many digits.
   */
  private feeInQuote(units: number, currency: string, priceTicks: number): string {
    if (units === 0) return '0';
    if (currency === this.market.quote) return formatScaled(BigInt(units), this.quoteDecimals);
    const v = BigInt(units) * BigInt(priceTicks) * BigInt(this.tickInc.step);
    return formatScaled(v, this.baseDecimals + this.tickInc.decimals);
  }
}
