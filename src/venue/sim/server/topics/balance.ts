/**
 * Private `/account/balance` for the token's account. Real frame (KuCoin docs / ccxt):
 *   {"type":"message","topic":"/account/balance","userId":"6217…","channelType":"private",
 *    "subject":"account.balance","data":{"accountId":"6217…","available":"89","availableChange":"-30",
 *    "currency":"USDT","hold":"0","holdChange":"0","relationContext":{},"relationEvent":"main.transfer",
 *    "relationEventId":"6217…","time":"1645716561816","total":"89"}}
 * Engine relations map to KuCoin's: trade.hold / trade.release → "trade.hold", trade.setted →
 * "trade.setted", deposit / withdraw → "trade.transfer" (the sim funds the trading
 * account directly). ccxt reads the prefix "trade" as its spot balance.
 */
import type { BalanceRelation, SimMessage } from '../../engine-types.js';
import type { SimEnginePort } from '../engine-port.js';
import { accountRowId } from '../wire-format.js';
import { privateKey, type FramePublisher, type TopicFamily } from './family.js';

export const BALANCE_PREFIX = '/account/balance';

const RELATION: Readonly<Record<BalanceRelation, string>> = {
  'trade.hold': 'trade.hold',
  'trade.release': 'trade.hold',
  'trade.setted': 'trade.setted',
  deposit: 'trade.transfer',
  withdraw: 'trade.transfer',
};

export class BalanceTopic implements TopicFamily {
  readonly prefix = BALANCE_PREFIX;
  readonly private = true;
  private eventNo = 0;

  constructor(
    private readonly engine: SimEnginePort,
    private readonly accountType: (accountId: string) => string,
  ) {}

  onMessage(m: SimMessage, out: FramePublisher): void {
    if (m.type !== 'balance') return;
    const key = privateKey(this.prefix, m.account);
    if (!out.has(key)) return;
    const e = this.engine;
    const c = m.currency;
    const ctxt = m.relationContext;
    this.eventNo += 1;
    out.publish(key, {
      type: 'message',
      topic: this.prefix,
      userId: m.account,
      channelType: 'private',
      subject: 'account.balance',
      data: {
        accountId: accountRowId(m.account, c, this.accountType(m.account)),
        available: e.formatAmount(c, m.available),
        availableChange: e.formatAmount(c, m.availableChange),
        currency: c,
        hold: e.formatAmount(c, m.hold),
        holdChange: e.formatAmount(c, m.holdChange),
        relationContext: {
          ...(ctxt.symbol !== undefined ? { symbol: ctxt.symbol } : {}),
          ...(ctxt.orderId !== undefined ? { orderId: ctxt.orderId } : {}),
          ...(ctxt.tradeId !== undefined ? { tradeId: ctxt.tradeId } : {}),
        },
        relationEvent: RELATION[m.relationEvent] ?? 'trade.other',
        relationEventId: ctxt.tradeId ?? ctxt.orderId ?? `sim-${this.eventNo}`,
        time: String(m.ts),
        total: e.formatAmount(c, m.total),
      },
    });
  }
}
