/**
 * The algo routes of the native API (/v1/algos…) and the `algos` stream channel, over real loopback
 * HTTP and WebSocket, with the service on a kernel over the sim venue (ManualClock, rounds driven by
 * runDue): start, list, one, pause/resume/cancel, problem JSON with stable codes, and progress
 * updates on the stream.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { startHttpApi } from '../../../src/api/http/server.js';
import { call, StreamClient } from '../../api/http-support.js';
import { bootGateway, makeMarket, removeTempDirs, run, tempDir } from './support.js';

afterAll(() => removeTempDirs());

interface View {
  id: number;
  status: string;
  reason: string | null;
  size: string;
  symbol: string;
  round: number;
}

describe('REST /v1/algos and the algos stream channel', () => {
  it('starts, lists, controls and streams parent orders', async () => {
    const m = makeMarket(31, 31 * 60_000);
    const g = await bootGateway(m, tempDir('http'), { fund: true });
    const api = await startHttpApi({ port: g.port, algos: g.service, clock: m.clock });
    const ws = await StreamClient.open(api.url);
    try {
      const start = {
        symbol: 'BTC-USDT',
        side: 'buy',
        size: '0.02',
        mode: 'progressive',
        duration: '5m',
        params: { roundMinMs: 1000, roundMaxMs: 2000 },
      };
      const created = await call<View>(api.url, 'POST', '/v1/algos', start);
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ id: 1, status: 'running', size: '0.02', symbol: 'BTC/USDT' });

      const refused = await call(api.url, 'POST', '/v1/algos', { ...start, symbol: 'NOPE-USDT' });
      expect(refused.status).toBe(404);
      expect(refused.body).toMatchObject({ code: 'DG_E_UNKNOWN_INSTRUMENT' });
      const bad = await call(api.url, 'POST', '/v1/algos', { ...start, size: '-1' });
      expect(bad.status).toBe(400);
      const past = await call(api.url, 'POST', '/v1/algos', {
        ...start,
        duration: undefined,
        endAt: m.clock.now() - 1,
      });
      expect(past.body).toMatchObject({ code: 'DG_E_ALGO_PAST_END' });

      ws.send({ op: 'subscribe', channel: 'algos' });
      const snap = await ws.next((x) => x.channel === 'algos' && x.type === 'snapshot');
      expect((snap.data as View[]).map((v) => v.id)).toEqual([1]);

      const mark = ws.messages.length;
      await run(m, g, 5_000);
      const upd = await ws.next((x) => x.channel === 'algos' && x.type === 'update', mark);
      expect(upd.data).toMatchObject({ kind: 'progress', id: 1 });
      expect(upd.seq).toBe(1);

      const list = await call<View[]>(api.url, 'GET', '/v1/algos');
      expect(list.body.map((v) => v.id)).toEqual([1]);
      const one = await call<View>(api.url, 'GET', '/v1/algos/1');
      expect(one.body.round).toBeGreaterThan(0);
      expect((await call(api.url, 'GET', '/v1/algos/9')).body).toMatchObject({ code: 'DG_E_ALGO_UNKNOWN' });

      const paused = await call<View>(api.url, 'POST', '/v1/algos/1/pause?reason=lunch');
      expect(paused.body).toMatchObject({ status: 'paused', reason: 'lunch' });
      const again = await call(api.url, 'POST', '/v1/algos/1/pause');
      expect(again.status).toBe(409);
      expect(again.body).toMatchObject({ code: 'DG_E_ALGO_BAD_TRANSITION' });
      expect((await call<View>(api.url, 'POST', '/v1/algos/1/resume')).body.status).toBe('running');
      const cancelled = await call<View>(api.url, 'POST', '/v1/algos/1/cancel');
      expect(cancelled.body.status).toBe('cancelled');
      await ws.next(
        (x) => x.channel === 'algos' && (x.data as { kind?: string; view?: View })?.view?.status === 'cancelled',
        mark,
      );
      const doc = api.openapi as { paths: Record<string, unknown> };
      expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/algos', '/v1/algos/{id}/pause']));
    } finally {
      ws.close();
      await api.close();
      await g.drop();
    }
  }, 60_000);
});
