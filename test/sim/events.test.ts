import { describe, expect, it } from 'vitest';
import type { SimMessage } from '../../src/venue/sim/engine-types.js';
import { BTC, funded, limit, ok } from './helpers.js';

describe('sim engine events (KuCoin v2 semantics)', () => {
  it('emits L3, L2, trade, private order and balance messages for a match', () => {
    const h = funded();
    const maker = ok(limit(h, 'b', 'sell', '60000', '0.3', { clientOid: 'mk' })).order.orderId;
    const taker = ok(limit(h, 'a', 'buy', '60000', '0.1', { clientOid: 'tk' })).order.orderId;
    const l3 = h.l3();
    expect(l3.map((e) => [e.type, e.seq])).toEqual([
      ['received', 1],
      ['open', 2],
      ['received', 3],
      ['match', 4],
      ['done', 5],
    ]);
    expect(l3[0]).toMatchObject({ orderId: maker, clientOid: 'mk' });
    expect(l3[1]).toMatchObject({ orderId: maker, side: 1, price: 600_000, size: 30_000 });
    expect(l3[3]).toMatchObject({
      makerOrderId: maker,
      takerOrderId: taker,
      price: 600_000,
      size: 10_000,
      remaining: 20_000,
      takerSide: 0,
    });
    expect(l3[4]).toMatchObject({ orderId: taker, reason: 'filled' });
    const of = (type: SimMessage['type']) => h.msgs.filter((m) => m.type === type);
    expect(of('l2')).toMatchObject([
      { seq: 2, side: 1, price: 600_000, size: 30_000 },
      { seq: 4, side: 1, price: 600_000, size: 20_000 },
    ]);
    expect(of('trade')).toMatchObject([
      { seq: 4, makerOrderId: maker, takerOrderId: taker, price: 600_000, size: 10_000, takerSide: 0 },
    ]);
    const changes = (acct: string) => h.msgs.flatMap((m) => (m.type === 'order' && m.account === acct ? [m] : []));
    expect(changes('b').map((m) => m.changeType)).toEqual(['received', 'open', 'match']);
    expect(changes('a').map((m) => m.changeType)).toEqual(['received', 'match', 'filled']);
    expect(changes('b')[2]).toMatchObject({
      liquidity: 'maker',
      matchSize: 10_000,
      order: { filledSize: 10_000, remainSize: 20_000 },
    });
    const bal = h.msgs.flatMap((m) => (m.type === 'balance' ? [m] : []));
    expect(bal.map((m) => [m.account, m.currency, m.relationEvent])).toEqual([
      ['b', 'BTC', 'trade.hold'],
      ['a', 'USDT', 'trade.hold'],
      ['a', 'USDT', 'trade.setted'],
      ['a', 'BTC', 'trade.setted'],
      ['b', 'BTC', 'trade.setted'],
      ['b', 'USDT', 'trade.setted'],
    ]);
    for (const m of bal) expect(m.total).toBe(m.available + m.hold);
    expect(bal[2].relationContext).toMatchObject({ symbol: BTC, orderId: taker });
  });

  it('cancel emits done canceled, an L2 removal and a private canceled', () => {
    const h = funded();
    const id = ok(limit(h, 'a', 'buy', '59000', '0.1')).order.orderId;
    h.clear();
    h.engine.cancelOrder('a', id);
    expect(h.msgs.map((m) => (m.type === 'order' ? `order:${m.changeType}` : m.type))).toEqual([
      'l3',
      'l2',
      'balance',
      'order:canceled',
    ]);
    expect(h.msgs[1]).toMatchObject({ type: 'l2', side: 0, price: 590_000, size: 0 });
  });
});
