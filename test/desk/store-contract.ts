/** One behaviour contract, run against every OTC store adapter. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAmount } from '../../src/desk/amount.js';
import type { OtcStore } from '../../src/store/otc-store.js';
import { hedge, lock, T0 } from './fixtures.js';

export function storeContract(name: string, make: () => Promise<OtcStore>, cleanup: () => Promise<void>): void {
  describe(`OTC store contract: ${name}`, () => {
    let store: OtcStore;
    beforeAll(async () => {
      store = await make();
    });
    afterAll(async () => {
      await store.close();
      await cleanup();
    });

    it('stores orders exactly, is idempotent on re-import and refuses changed duplicates', async () => {
      const l1 = lock({ id: 'L1', amount: '0.123456789012345678', price: '60000.000000000000000001' });
      const l2 = lock({ id: 'L2', lockTime: T0 + 1000, side: 'sell' });
      expect(await store.putLocks([l1, l2])).toEqual({ inserted: 2, unchanged: 0, conflicts: [] });
      expect(await store.putLocks([l1, { ...l2, price: parseAmount('1') }])).toEqual({
        inserted: 0,
        unchanged: 1,
        conflicts: ['L2'],
      });
      const back = await store.loadLocks();
      expect(back).toEqual([l1, l2]);
      const h1 = hedge({ id: 'H1', amount: '0.123456789012345678', fee: '-0.5', method: 'alameda', venue: 'v' });
      expect(await store.putHedges([h1])).toEqual({ inserted: 1, unchanged: 0, conflicts: [] });
      expect(await store.loadHedges()).toEqual([h1]);
      expect(await store.countOrders()).toEqual({ locks: 2, hedges: 1, matches: 0 });
    });

    it('persists matches once, filters unmatched orders and loads pairs with their hedges', async () => {
      await store.putHedges([
        hedge({ id: 'H2a', amount: '0.5', startTime: T0 + 2000 }),
        hedge({ id: 'H2b', amount: '0.5', startTime: T0 + 3000 }),
      ]);
      const saved = await store.saveMatches(
        [
          { lockId: 'L1', hedgeIds: ['H1'], kind: 'one-to-one' },
          { lockId: 'L2', hedgeIds: ['H2b', 'H2a'], kind: 'one-to-many' },
          { lockId: 'L2', hedgeIds: ['H1'], kind: 'one-to-one' },
        ],
        T0,
      );
      expect(saved).toBe(2);
      expect(await store.saveMatches([{ lockId: 'L1', hedgeIds: ['H1'], kind: 'one-to-one' }], T0)).toBe(0);
      expect(await store.loadLocks({ unmatchedOnly: true })).toEqual([]);
      const pairs = await store.loadPairs();
      expect(pairs.map((p) => [p.lock.id, p.kind, p.hedges.map((h) => h.id)])).toEqual([
        ['L1', 'one-to-one', ['H1']],
        ['L2', 'one-to-many', ['H2b', 'H2a']],
      ]);
      expect((await store.loadPairs({ afterSeq: pairs[0].seq })).map((p) => p.lock.id)).toEqual(['L2']);
      expect(await store.maxMatchSeq()).toBe(pairs[1].seq);
      expect((await store.locksInTimeRange(T0 + 500, T0 + 5000)).map((l) => l.id)).toEqual(['L2']);
      const after = await store.locksAfterSeq(0);
      expect(after.map((x) => x.lock.id)).toEqual(['L1', 'L2']);
      expect(await store.maxLockSeq()).toBe(after[1].seq);
    });

    it('enqueues each (key, channel) once, moves the cursor atomically and tracks delivery state', async () => {
      expect(await store.getCursor('w')).toBeUndefined();
      const a = { key: 'anomaly:L1', channel: 'ding', kind: 'anomaly', payload: '{"x":1}', createdAt: T0 };
      expect(
        await store.commitPass({ name: 'w', lockSeq: 2, matchSeq: 1, updatedAt: T0 }, [a, { ...a, channel: 'slack' }]),
      ).toBe(2);
      expect(await store.commitPass({ name: 'w', lockSeq: 3, matchSeq: 2, updatedAt: T0 + 1 }, [a])).toBe(0);
      expect(await store.getCursor('w')).toEqual({ name: 'w', lockSeq: 3, matchSeq: 2, updatedAt: T0 + 1 });
      const due = await store.duePending(T0, 10);
      expect(due.map((r) => [r.key, r.channel, r.state, r.attempts])).toEqual([
        ['anomaly:L1', 'ding', 'pending', 0],
        ['anomaly:L1', 'slack', 'pending', 0],
      ]);
      await store.markRetry([due[0].id], T0 + 10_000, 'DG_E_NOTIFY_UNREACHABLE x');
      expect((await store.duePending(T0 + 5000, 10)).map((r) => r.channel)).toEqual(['slack']);
      await store.markSent([due[1].id], T0 + 6000);
      expect(await store.sentTimes('slack', T0)).toEqual([T0 + 6000]);
      const rows = await store.outbox();
      expect(rows.map((r) => [r.channel, r.state, r.attempts, r.lastError])).toEqual([
        ['ding', 'pending', 1, 'DG_E_NOTIFY_UNREACHABLE x'],
        ['slack', 'sent', 1, null],
      ]);
      await store.markRetry([due[1].id], T0 + 99_999, 'late failure');
      expect((await store.outbox())[1].state).toBe('sent');
    });
  });
}
