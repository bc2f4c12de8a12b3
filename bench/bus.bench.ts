/**
 * Command round trips (sequential request → reply) over the real Redis and NATS on the machine,
 * against each transport's bare round trip in the same run: Redis LPUSH+BRPOP echo through a
 * second connection (the same two hops, no validation) and a NATS request to a trivial responder.
 * Also event publish throughput. Needs Redis on 127.0.0.1:6379 and NATS on 127.0.0.1:4222.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { commandRouter, route } from '../src/bus/commands.js';
import { connectCommandClient } from '../src/bus/client.js';
import { LocalHub } from '../src/bus/local-bus.js';
import { NatsBus } from '../src/bus/nats-bus.js';
import { openNats } from '../src/bus/nats-connect.js';
import { RedisBus } from '../src/bus/redis-bus.js';
import { openRedis } from '../src/bus/redis-connect.js';
import type { Bus, CommandClient } from '../src/bus/bus.js';

const N = 2000;
const handler = commandRouter({
  allocate: route(
    z.object({ strategy: z.string(), currency: z.string(), amount: z.string(), index: z.number() }),
    (p) => ({
      ok: true,
      value: { slot: p.amount },
    }),
  ),
});
const payload = { strategy: 'grid1', currency: 'usdt', amount: '100.5', index: 2 };

async function perSecond(n: number, fn: (i: number) => Promise<unknown>): Promise<number> {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await fn(i);
  return Math.round(n / (Number(process.hrtime.bigint() - t0) / 1e9));
}

async function roundTrips(bus: Bus, client: CommandClient): Promise<number> {
  const srv = await bus.serveCommands(handler);
  const gw = bus.gateway;
  await client.sendCommand(gw, 'allocate', payload); // warm up
  const r = await perSecond(N, async () => {
    const rep = await client.sendCommand(gw, 'allocate', payload);
    if (!rep.ok) throw new Error(rep.code);
  });
  await srv.close();
  return r;
}

export async function run(log: (line: string) => void): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const gw = `bench_${process.pid}`;

  const hub = new LocalHub();
  out.local_cmd_rtt_per_s = await roundTrips(hub.bus(gw), hub.client());

  const rbus = await RedisBus.connect({ gateway: gw });
  const rclient = await connectCommandClient({ transport: 'redis' });
  out.redis_cmd_rtt_per_s = await roundTrips(rbus, rclient);
  out.redis_publish_per_s = await perSecond(N, (i) =>
    rbus.publish({ type: 'fill', data: { i, price: '100.5', size: '1' } }),
  );
  await rclient.close();
  await rbus.close();
  // baseline: the same LPUSH → BRPOP → LPUSH → BRPOP hops with no envelope or validation
  {
    const [c, s, sb, cb] = await Promise.all([openRedis(), openRedis(), openRedis(), openRedis()]);
    const q = `bench:${randomUUID()}`;
    let stop = false;
    const echo = (async () => {
      while (!stop) {
        const m = await sb.brpop(q, 1);
        if (m) await s.lpush(`${q}:r`, m[1]);
      }
    })();
    out.redis_raw_rtt_per_s = await perSecond(N, async () => {
      await c.lpush(q, JSON.stringify(payload));
      await cb.brpop(`${q}:r`, 5);
    });
    stop = true;
    await echo;
    for (const r of [c, s, sb, cb]) r.disconnect();
  }

  const nbus = await NatsBus.connect({ gateway: gw, jetstream: true });
  const nclient = await connectCommandClient({ transport: 'nats' });
  out.nats_cmd_rtt_per_s = await roundTrips(nbus, nclient);
  out.nats_publish_core_per_s = await perSecond(N, (i) => nbus.publish({ type: 'book', data: { i } }));
  out.nats_publish_jetstream_per_s = await perSecond(N, (i) => nbus.publish({ type: 'fill', data: { i } }));
  await nclient.close();
  await (await nbus.connection.jetstreamManager()).streams.delete(nbus.streamName!);
  await nbus.close();
  {
    // two connections, like a gateway and a strategy
    const nc = await openNats();
    const responder = await openNats();
    const subj = `bench.${randomUUID()}`;
    const sub = responder.subscribe(subj, { callback: (_e, m) => m.respond(m.data) });
    await responder.flush();
    const body = JSON.stringify(payload);
    out.nats_raw_rtt_per_s = await perSecond(N, () => nc.request(subj, body, { timeout: 5000 }));
    sub.unsubscribe();
    await nc.close();
    await responder.close();
  }

  out.redis_cmd_vs_raw_ratio = Math.round((out.redis_cmd_rtt_per_s / out.redis_raw_rtt_per_s) * 100) / 100;
  out.nats_cmd_vs_raw_ratio = Math.round((out.nats_cmd_rtt_per_s / out.nats_raw_rtt_per_s) * 100) / 100;
  for (const [k, v] of Object.entries(out)) log(`${k} = ${v}`);
  return out;
}
