/**
 * `deskgate serve` with a `bus` serves the kernel's commands on it, as `deskgate gateway` does:
 * over Redis (list + processing list) and over NATS (the at-least-once JetStream command queue, not
 * only plain request/reply). A command sent while the gateway is down is answered by the next
 * `serve` on the same data dir.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { connect } from 'nats';
import { natsNames } from '../../src/bus/names.js';
import { NatsCommandClient } from '../../src/bus/nats-client.js';
import { RedisCommandClient } from '../../src/bus/redis-client.js';
import { startServe } from '../../src/gateway/serve/serve.js';
import { dropGatewayStreams } from '../support/nats-streams.js';
import { removeTempDirs, tempDir, testConfig } from './support.js';

const gw = `sq${process.pid}`;

const dropStreams = (): Promise<void> => dropGatewayStreams(gw);

afterAll(async () => {
  await dropStreams();
  removeTempDirs();
});

describe('deskgate serve: commands over the bus', () => {
  it('answers on the command queue; a command sent while it is down is answered after restart', async () => {
    await dropStreams();
    const dir = tempDir('nats');
    const config = testConfig(dir, { bus: 'nats', venues: [{ type: 'sim', name: gw, ratePerSec: 40, seed: 7 }] });
    const client = await NatsCommandClient.connect();
    try {
      let h = await startServe({ config, print: () => undefined });
      try {
        const nc = await connect({ servers: '127.0.0.1:4222' });
        const info = await (await nc.jetstreamManager()).streams.info(natsNames.cmdStream(gw));
        await nc.close();
        expect(info.config.subjects).toEqual([natsNames.cmdQueue(gw)]);
        const r = await client.sendCommand(gw, 'query', { what: 'status' }, { timeoutMs: 5000 });
        expect(r.ok).toBe(true);
      } finally {
        await h.close();
      }
      // Gateway down: the request waits in the stream, and the next serve answers it.
      const pending = client.sendCommand(gw, 'query', { what: 'status' }, { timeoutMs: 20_000 });
      await new Promise((r) => setTimeout(r, 300));
      h = await startServe({ config, print: () => undefined });
      try {
        const r = await pending;
        expect(r.ok).toBe(true);
      } finally {
        await h.close();
      }
    } finally {
      await client.close();
    }
  });

  it('Redis: commands reach the kernel; a command sent while down is answered after restart', async () => {
    const name = `sr${process.pid}`;
    const dir = tempDir('redis');
    const config = testConfig(dir, { bus: 'redis', venues: [{ type: 'sim', name, ratePerSec: 40, seed: 7 }] });
    const client = await RedisCommandClient.connect();
    try {
      let h = await startServe({ config, print: () => undefined });
      try {
        const r = await client.sendCommand(name, 'query', { what: 'orders', strategy: 'api' }, { timeoutMs: 5000 });
        expect(r.ok).toBe(true);
      } finally {
        await h.close();
      }
      const pending = client.sendCommand(name, 'query', { what: 'status' }, { timeoutMs: 20_000 });
      await new Promise((r) => setTimeout(r, 300));
      h = await startServe({ config, print: () => undefined });
      try {
        expect((await pending).ok).toBe(true);
      } finally {
        await h.close();
      }
    } finally {
      await client.close();
    }
  });
});
