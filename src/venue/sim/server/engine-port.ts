/**
 * The part of the matching engine (src/venue/sim/engine.ts, `SimEngine`) the KuCoin-dialect server
 * uses. Declared structurally so the server depends on the published API (README-API.md), not on
 * the engine's internals; `SimEngine` satisfies it as is.
 */
import type {
  BalanceView,
  CancelResult,
  Candle,
  FeeRates,
  FillView,
  L2SnapshotView,
  L3SnapshotView,
  OrderView,
  PlaceOrderTextParams,
  PlaceResult,
  SimCurrency,
  SimListener,
  SimMarket,
  TickerView,
  TradeView,
} from '../engine-types.js';

export interface SimEnginePort {
  markets(): SimMarket[];
  market(symbol: string): SimMarket | undefined;
  currencies(): SimCurrency[];
  currency(code: string): SimCurrency | undefined;
  hasAccount(id: string): boolean;
  fees(id: string): FeeRates;
  balances(id: string): BalanceView[];
  placeOrderText(p: PlaceOrderTextParams): PlaceResult;
  cancelOrder(account: string, orderId: string): CancelResult;
  cancelByClientOid(account: string, clientOid: string): CancelResult;
  cancelAll(account: string, symbol?: string): string[];
  on(listener: SimListener): () => void;
  seq(symbol: string): number;
  l2Snapshot(symbol: string, depth?: number): L2SnapshotView;
  l3Snapshot(symbol: string): L3SnapshotView;
  trades(symbol: string, limit?: number): TradeView[];
  candles(symbol: string, intervalMinutes?: number, fromMs?: number, toMs?: number): Candle[];
  ticker(symbol: string): TickerView;
  order(orderId: string): OrderView | undefined;
  orderByClientOid(account: string, clientOid: string): OrderView | undefined;
  activeOrders(account: string, symbol?: string): OrderView[];
  doneOrders(account: string, symbol?: string, limit?: number): OrderView[];
  fills(account: string, symbol?: string, limit?: number): FillView[];
  formatPrice(symbol: string, ticks: number): string;
  formatSize(symbol: string, lots: number): string;
  formatAmount(currency: string, units: number): string;
}
