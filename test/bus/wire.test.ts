/** Pure parts of the bus: request/reply/event parsing, names, the router; plus connection failures. */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { commandRouter, route, runRequest } from '../../src/bus/commands.js';
import { natsNames, redisNames } from '../../src/bus/names.js';
import { NatsBus } from '../../src/bus/nats-bus.js';
import { RedisBus } from '../../src/bus/redis-bus.js';
import { MAX_MESSAGE_BYTES, parseEvent, parseReply, parseRequest } from '../../src/bus/wire.js';
import { ManualClock } from '../../src/core/clock.js';
import { dgError } from '../../src/core/errors.js';

describe('wire parsing', () => {
  it('accepts a well-formed request and recovers id/replyTo from a bad one', () => {
    const ok = parseRequest('{"v":1,"id":"a","cmd":"allocate","payload":{"x":1},"replyTo":"deskgate:reply:abcdefgh"}');
    expect(ok).toMatchObject({ ok: true, request: { id: 'a', cmd: 'allocate', payload: { x: 1 } } });
    const bad = parseRequest('{"v":1,"id":"b","cmd":"a b","replyTo":"deskgate:reply:abcdefgh"}');
    expect(bad).toMatchObject({
      ok: false,
      id: 'b',
      replyTo: 'deskgate:reply:abcdefgh',
      error: { code: 'DG_E_BUS_BAD_REQUEST' },
    });
    expect(parseRequest('{"v":1,"id":"c","cmd":"x","replyTo":"victim:key"}')).toMatchObject({
      ok: false,
      replyTo: undefined,
    });
    expect(parseRequest('nope')).toMatchObject({ ok: false, id: undefined, error: { code: 'DG_E_BUS_BAD_REQUEST' } });
    expect(parseRequest('"x"'.padEnd(MAX_MESSAGE_BYTES + 1, ' '))).toMatchObject({
      ok: false,
      error: { code: 'DG_E_BUS_TOO_LARGE' },
    });
    expect(parseRequest(new Uint8Array([0xc3, 0x28]))).toMatchObject({
      ok: false,
      error: { code: 'DG_E_BUS_BAD_REQUEST' },
    });
    expect(parseRequest('{"__proto__":{"ok":1},"v":1,"id":"d","cmd":"x"}')).toMatchObject({ ok: true });
  });

  it('validates replies and events', () => {
    expect(parseReply('{"v":1,"id":"a","ok":false,"code":"DG_E_BUS_TIMEOUT","message":"m"}')).toMatchObject({
      ok: false,
      code: 'DG_E_BUS_TIMEOUT',
    });
    expect(parseReply('{"v":1,"id":"a","ok":false,"code":"DG_E_MADE_UP","message":"m"}')).toMatchObject({
      code: 'DG_E_BUS_BAD_REPLY',
    });
    expect(parseReply('{"v":1,"id":"a","ok":"yes"}')).toMatchObject({ code: 'DG_E_BUS_BAD_REPLY' });
    expect(parseEvent('{"v":1,"gateway":"g","type":"fill","id":"1","ts":5,"data":null}')).toMatchObject({
      type: 'fill',
    });
    expect(parseEvent('{"v":1,"gateway":"g.x","type":"fill","id":"1","ts":5,"data":null}')).toBeUndefined();
  });

  it('builds names and refuses wire-significant characters', () => {
    expect(redisNames.evt('kraken_gateway', 'fill')).toBe('deskgate:kraken_gateway:evt:fill');
    expect(redisNames.cmd('kraken_gateway')).toBe('deskgate:kraken_gateway:cmd');
    expect(natsNames.evt('kraken_gateway', 'order')).toBe('deskgate.kraken_gateway.evt.order');
    expect(natsNames.cmd('kraken_gateway')).toBe('deskgate.kraken_gateway.cmd');
    expect(natsNames.stream('kraken-gw')).toBe('DESKGATE_KRAKEN_GW');
    for (const bad of ['', 'a.b', 'a:b', 'a*', 'a>', 'a b', 'x'.repeat(65)])
      expect(() => natsNames.cmd(bad)).toThrow(/not allowed/);
  });
});

describe('command router and runner', () => {
  const clock = new ManualClock(10_000);
  const handler = commandRouter({
    add: route(z.object({ a: z.number(), b: z.number() }), (p) => ({ ok: true, value: p.a + p.b })),
  });
  const ctx = { gateway: 'g', transport: 'local' as const };

  it('routes, validates payloads, and enforces deadlines', async () => {
    expect(await runRequest({ v: 1, id: '1', cmd: 'add', payload: { a: 1, b: 2 } }, handler, ctx, clock)).toEqual({
      v: 1,
      id: '1',
      ok: true,
      result: 3,
    });
    expect(await runRequest({ v: 1, id: '2', cmd: 'add', payload: { a: 1 } }, handler, ctx, clock)).toMatchObject({
      ok: false,
      code: 'DG_E_BUS_BAD_PAYLOAD',
    });
    expect(await runRequest({ v: 1, id: '3', cmd: 'toString' }, handler, ctx, clock)).toMatchObject({
      ok: false,
      code: 'DG_E_BUS_UNKNOWN_COMMAND',
    });
    expect(
      await runRequest({ v: 1, id: '4', cmd: 'add', payload: { a: 1, b: 1 }, deadline: 9_999 }, handler, ctx, clock),
    ).toMatchObject({
      ok: false,
      code: 'DG_E_BUS_EXPIRED',
    });
    const throwing = (): never => {
      throw dgError('DG_E_LEDGER_INSUFFICIENT', 'x');
    };
    expect(await runRequest({ v: 1, id: '5', cmd: 'x' }, throwing, ctx, clock)).toMatchObject({
      ok: false,
      code: 'DG_E_LEDGER_INSUFFICIENT',
    });
  });
});

describe('connection failures', () => {
  it('report DG_E_BUS_UNAVAILABLE instead of hanging', async () => {
    await expect(RedisBus.connect({ gateway: 'g', url: 'redis://127.0.0.1:1' })).rejects.toMatchObject({
      code: 'DG_E_BUS_UNAVAILABLE',
    });
    await expect(NatsBus.connect({ gateway: 'g', servers: '127.0.0.1:1' })).rejects.toMatchObject({
      code: 'DG_E_BUS_UNAVAILABLE',
    });
    await expect(RedisBus.connect({ gateway: 'bad.name' })).rejects.toMatchObject({ code: 'DG_E_BUS_BAD_NAME' });
  });
});
