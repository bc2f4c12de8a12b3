/** One gateway on Redis and NATS at once: events on both, commands from both handled one at a time. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectCommandClient } from '../../src/bus/client.js';
import type { CommandClient } from '../../src/bus/bus.js';
import type { CommandHandler } from '../../src/bus/commands.js';
import { FanoutBus } from '../../src/bus/fanout-bus.js';
import { natsNames } from '../../src/bus/names.js';
import { NatsBus } from '../../src/bus/nats-bus.js';
import { RedisBus } from '../../src/bus/redis-bus.js';
import type { BusEvent } from '../../src/bus/wire.js';
import { uniqueGateway } from './test-gateway.js';

const gw = uniqueGateway('fan');
let fan: FanoutBus;
let nats: NatsBus;
let redisClient: CommandClient;
let natsClient: CommandClient;

beforeAll(async () => {
  nats = await NatsBus.connect({ gateway: gw });
  fan = new FanoutBus([await RedisBus.connect({ gateway: gw }), nats]);
  redisClient = await connectCommandClient({ transport: 'redis' });
  natsClient = await connectCommandClient({ transport: 'nats' });
});
afterAll(async () => {
  await redisClient.close();
  await natsClient.close();
  await (await nats.connection.jetstreamManager()).streams.delete(nats.streamName!).catch(() => undefined);
  await (await nats.connection.jetstreamManager()).streams.delete(nats.commandStreamName!).catch(() => undefined);
  await (
    await nats.connection.jetstreamManager()
  ).streams
    .delete(natsNames.attemptsStream(nats.gateway))
    .catch(() => undefined);
  await fan.close();
});

describe('FanoutBus', () => {
  it('publishes the same event (same id) on every transport', async () => {
    const subR = await RedisBus.connect({ gateway: gw });
    const subN = await NatsBus.connect({ gateway: gw, jetstream: false });
    const r: BusEvent[] = [];
    const n: BusEvent[] = [];
    await subR.subscribe(['fill'], (e) => r.push(e));
    await subN.subscribe(['fill'], (e) => n.push(e));
    await fan.publish({ type: 'fill', data: { px: '1.5' } });
    for (let i = 0; i < 200 && (r.length === 0 || n.length === 0); i++) await new Promise((res) => setTimeout(res, 10));
    expect(r).toHaveLength(1);
    expect(n).toHaveLength(1);
    expect(r[0]!.id).toBe(n[0]!.id);
    await subR.close();
    await subN.close();
  });

  it('serves commands from both transports strictly one at a time', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const order: string[] = [];
    const handler: CommandHandler = async (cmd, payload) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((res) => setTimeout(res, 20));
      order.push(String((payload as { n: number }).n));
      inFlight--;
      return { ok: true, value: cmd };
    };
    const sub = await fan.serveCommands(handler);
    const replies = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        (i % 2 ? redisClient : natsClient).sendCommand(gw, 'tick', { n: i }, { timeoutMs: 10_000 }),
      ),
    );
    expect(replies.every((r) => r.ok)).toBe(true);
    expect(order.sort()).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(maxInFlight).toBe(1);
    await sub.close();
  });

  it('refuses buses of different gateways', async () => {
    const other = await RedisBus.connect({ gateway: uniqueGateway('other') });
    const first = fan.buses[0]!;
    expect(() => new FanoutBus([first, other])).toThrow(/same gateway/);
    await other.close();
  });
});
