/**
 * A level-2 book through ccxt's own `watchOrderBook` (any exchange that has it). ccxt keeps the
 * book in step with the venue itself; each update it hands out is taken as an in-band snapshot by
 * BookSync (unsequenced-snapshot policy), so the L2Book shown is always a whole venue state and a
 * disconnect resets it until the next one arrives.
 */
import type { Exchange, OrderBook } from 'ccxt';
import { L2Book } from '../../book/l2-book.js';
import type { Clock } from '../../core/clock.js';
import { isDeskgateError } from '../../core/errors.js';
import type { L2Snapshot, L2Update } from '../../core/events.js';
import type { Instrument } from '../../core/instrument.js';
import type { BookSync } from '../../feeds/book-sync.js';
import { POLICIES } from '../../feeds/sync-policy.js';
import { createL2Sync } from '../../feeds/sync-targets.js';
import type { BookSubscription, VenueEvent } from '../venue.js';
import { unitsOf } from './ccxt-numbers.js';

export function ccxtBookSnapshot(ob: OrderBook, inst: Instrument, fallbackSeq: number): L2Snapshot {
  const side = (rows: unknown): Array<[number, number]> =>
    (Array.isArray(rows) ? rows : []).map((r: unknown) => {
      const row = r as [unknown, unknown];
      return [unitsOf(row[0], inst.price, 'book price'), unitsOf(row[1], inst.size, 'book size')] as [number, number];
    });
  const seq = typeof ob.nonce === 'number' && Number.isSafeInteger(ob.nonce) ? ob.nonce : fallbackSeq;
  return { seq, ts: typeof ob.timestamp === 'number' ? ob.timestamp : 0, bids: side(ob.bids), asks: side(ob.asks) };
}

export class CcxtL2Book {
  readonly book = new L2Book();
  readonly sync: BookSync<L2Update, L2Snapshot>;
  readonly sub: BookSubscription;
  private waiters: Array<() => void> = [];
  private n = 0;

  constructor(
    readonly inst: Instrument,
    readonly ccxtSymbol: string,
    private readonly clock: Clock,
    private readonly emit: (e: VenueEvent) => void,
  ) {
    this.sync = createL2Sync(this.book, {
      policy: POLICIES.coinbaseLevel2,
      clock,
      onState: (state) => {
        if (state !== 'live') return;
        emit({ type: 'connection', state: 'resynced', instrument: inst, ts: clock.now() });
        const w = this.waiters;
        this.waiters = [];
        for (const r of w) r();
      },
    });
    const sync = this.sync;
    this.sub = {
      instrument: inst,
      level: 'l2',
      view: this.book,
      get synced() {
        return sync.live;
      },
      get seq() {
        return sync.seq;
      },
    };
  }

  whenLive(): Promise<void> {
    if (this.sync.live) return Promise.resolve();
    return new Promise((r) => this.waiters.push(r));
  }

  release(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const r of w) r();
  }

  /** One round of the watch loop. */
  async once(ex: Exchange): Promise<void> {
    const ob = await ex.watchOrderBook(this.ccxtSymbol);
    try {
      const wasLive = this.sync.live;
      this.sync.onSnapshot(ccxtBookSnapshot(ob, this.inst, ++this.n));
      if (wasLive) this.emit({ type: 'book', instrument: this.inst, seq: this.sync.seq, ts: this.clock.now() });
    } catch (e) {
      if (isDeskgateError(e)) this.sync.onInvalid(e);
      else throw e;
    }
  }
}
