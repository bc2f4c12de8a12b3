/**
 * Alert payloads (what the outbox stores) and their rendering into chat messages, in Chinese or
 * English. Payloads are plain JSON with exact decimal strings; rendering is pure.
 */
import { formatAmount, formatFixed } from './amount.js';
import type { Anomaly, AnomalyReason } from './anomaly.js';
import type { WashPair } from './wash.js';
import type { NotifyMessage } from '../notify/types.js';

export type Language = 'zh' | 'en';

export interface AnomalyAlert {
  readonly type: 'anomaly';
  readonly lockId: string;
  readonly hedgeIds: readonly string[];
  readonly clientId: string;
  readonly side: string;
  readonly symbol: string;
  readonly amount: string;
  readonly lockPrice: string;
  readonly hedgeAvg: string;
  readonly pnl: string;
  readonly pnlBps: number;
  readonly delayMs: number;
  readonly method: string;
  readonly reasons: AnomalyReason[];
  readonly metric: 'bps' | 'quote';
  readonly low: number;
  readonly high: number;
  readonly delayHigh: number;
  readonly historySize: number;
  readonly lockTime: number;
}

export interface WashAlert {
  readonly type: 'wash';
  readonly kind: WashPair['kind'];
  readonly symbol: string;
  readonly amount: string;
  readonly gapMs: number;
  readonly first: { id: string; clientId: string; side: string; price: string; lockTime: number };
  readonly second: { id: string; clientId: string; side: string; price: string; lockTime: number };
}

export type DeskAlert = AnomalyAlert | WashAlert;

export function anomalyKey(a: AnomalyAlert): string {
  return `anomaly:${a.lockId}`;
}

export function anomalyAlert(a: Anomaly, metric: 'bps' | 'quote'): AnomalyAlert {
  const p = a.pair;
  return {
    type: 'anomaly',
    lockId: p.lockId,
    hedgeIds: p.hedgeIds,
    clientId: p.clientId,
    side: p.side,
    symbol: `${p.base}/${p.quote}`,
    amount: formatAmount(p.lockAmount),
    lockPrice: formatAmount(p.lockPrice),
    hedgeAvg: formatAmount(p.hedgeAvg),
    pnl: formatFixed(p.pnl, 8),
    pnlBps: Math.round(p.pnlBps * 100) / 100,
    delayMs: p.delayMs,
    method: p.method,
    reasons: a.reasons,
    metric,
    low: Math.round(a.low * 1e4) / 1e4,
    high: Math.round(a.high * 1e4) / 1e4,
    delayHigh: Math.round(a.delayHigh),
    historySize: a.historySize,
    lockTime: p.lockTime,
  };
}

export function washAlert(w: WashPair): WashAlert {
  const side = (l: WashPair['first']) => ({
    id: l.id,
    clientId: l.clientId,
    side: l.side,
    price: formatAmount(l.price),
    lockTime: l.lockTime,
  });
  return {
    type: 'wash',
    kind: w.kind,
    symbol: `${w.first.base}/${w.first.quote}`,
    amount: formatAmount(w.first.baseAmount),
    gapMs: w.gapMs,
    first: side(w.first),
    second: side(w.second),
  };
}

const T = {
  zh: {
    title: (n: number) => `OTC 预警 (${n} 条)`,
    anomaly: '对冲异常',
    wash: { same_client: '同客户对敲/套利', cross_client: '跨客户对敲/套利' },
    reasons: {
      pnl_below_low: '损益低于历史下分位',
      pnl_above_high: '损益高于历史上分位',
      delay_above_high: '对冲延迟高于历史分位',
    } as Record<AnomalyReason, string>,
    side: (s: string) => (s === 'buy' ? '买' : '卖'),
    client: '客户',
    lock: '锁价单',
    amount: '数量',
    lockPrice: '锁价',
    hedge: '对冲均价',
    pnl: '损益',
    delay: '延迟',
    method: '方式',
    range: '历史区间',
    history: '样本',
    gap: '间隔',
  },
  en: {
    title: (n: number) => `OTC alerts (${n})`,
    anomaly: 'Hedge anomaly',
    wash: { same_client: 'Wash/arbitrage, same client', cross_client: 'Wash/arbitrage, cross-client' },
    reasons: {
      pnl_below_low: 'PnL below the low quantile',
      pnl_above_high: 'PnL above the high quantile',
      delay_above_high: 'hedge delay above the quantile',
    } as Record<AnomalyReason, string>,
    side: (s: string) => s,
    client: 'client',
    lock: 'lock',
    amount: 'amount',
    lockPrice: 'lock price',
    hedge: 'hedge avg',
    pnl: 'PnL',
    delay: 'delay',
    method: 'method',
    range: 'history range',
    history: 'n',
    gap: 'gap',
  },
};

const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');
const secs = (ms: number): string => `${(ms / 1000).toFixed(1)}s`;

function alertLines(a: DeskAlert, lang: Language): { head: string; body: string[] } {
  const t = T[lang];
  if (a.type === 'anomaly') {
    const unit = a.metric === 'bps' ? 'bps' : a.symbol.split('/')[1];
    return {
      head: `${t.anomaly}: ${a.reasons.map((r) => t.reasons[r]).join(', ')}`,
      body: [
        `${t.lock} ${a.lockId} · ${t.client} ${a.clientId} · ${t.side(a.side)} ${a.amount} ${a.symbol} · ${iso(a.lockTime)}`,
        `${t.lockPrice} ${a.lockPrice} · ${t.hedge} ${a.hedgeAvg} · ${t.method} ${a.method}`,
        `${t.pnl} ${a.pnl} (${a.pnlBps} bps) · ${t.delay} ${secs(a.delayMs)}`,
        `${t.range} ${unit} [${a.low.toFixed(2)}, ${a.high.toFixed(2)}] · ${t.delay} p-high ${secs(a.delayHigh)} · ${t.history} ${a.historySize}`,
      ],
    };
  }
  return {
    head: `${t.wash[a.kind]}: ${a.symbol} ${a.amount}`,
    body: [
      `${a.first.id} ${t.client} ${a.first.clientId} ${t.side(a.first.side)} @ ${a.first.price} · ${iso(a.first.lockTime)}`,
      `${a.second.id} ${t.client} ${a.second.clientId} ${t.side(a.second.side)} @ ${a.second.price} · ${iso(a.second.lockTime)}`,
      `${t.gap} ${secs(a.gapMs)}`,
    ],
  };
}

/** One chat message carrying one or more alerts. */
export function renderAlerts(alerts: readonly DeskAlert[], lang: Language): NotifyMessage {
  const title = T[lang].title(alerts.length);
  const md: string[] = [`### ${title}`];
  const txt: string[] = [];
  for (const a of alerts) {
    const { head, body } = alertLines(a, lang);
    md.push('', `**${head}**`, '', ...body.map((b) => `- ${b}`));
    txt.push('', `● ${head}`, ...body.map((b) => `  ${b}`));
  }
  return { title, markdown: md.join('\n'), text: txt.join('\n').trimStart() };
}
