/**
 * The `api` benchmark's native load generator (bench/api/loadgen.c) against a local node:http
 * server whose replies the test controls: request counts of an open-loop run are set by the rate
 * and window alone, error and rate-limit replies are told apart, sampled bodies come back intact,
 * and the window marks arrive. Nothing here is timed against a threshold.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildLoadgen, NativeLoadGenerator, parseLoadgenOutput } from '../../bench/api/loadgen.js';

let server: http.Server;
let port = 0;
let served = 0;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      served++;
      const asked = (JSON.parse(Buffer.concat(chunks).toString()) as { reply: string }).reply;
      let body: string;
      if (asked === 'mixed' && served % 4 === 0) body = '{"error":"Too Many Requests"}';
      else if (asked === 'mixed' && served % 4 === 1) body = '{"error":"bad\nthing"}';
      else body = JSON.stringify({ data: { n: served, text: 'line\nbreak ✓' } });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
  buildLoadgen();
}, 60_000);

afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('native load generator', () => {
  it('open loop: sends exactly rate × window requests, latency from intended ≥ from actual send', async () => {
    const marks: string[] = [];
    const gen = new NativeLoadGenerator((m) => marks.push(m));
    const r = await gen.run({
      kind: 'open',
      target: { port, path: '/x', body: '{"reply":"ok"}' },
      rate: 500,
      warmupMs: 100,
      durationMs: 400,
      maxConnections: 8,
      preconnect: 2,
      sampleEvery: 10,
    });
    expect(marks).toEqual(['start', 'end']);
    expect(r.requests).toBe(200);
    expect(r.errors).toBe(0);
    expect(r.raw?.lat).toHaveLength(200);
    expect(r.connectionsUsed).toBeGreaterThanOrEqual(2);
    expect(r.connectionsUsed).toBeLessThanOrEqual(8);
    for (let i = 0; i < 200; i++) {
      const lat = r.raw!.lat[i]!;
      expect(lat).toBeGreaterThan(0);
      expect(lat + 1e-9).toBeGreaterThanOrEqual(r.raw!.service[i]!);
      expect(r.raw!.lag[i]!).toBeGreaterThanOrEqual(0);
    }
    expect(r.samples).toHaveLength(20);
    // bodies come back byte for byte, newlines and UTF-8 included
    for (const s of r.samples) expect((JSON.parse(s) as { data: { text: string } }).data.text).toBe('line\nbreak ✓');
  });

  it('closed loop: counts error and rate-limited replies apart and keeps the first error on one line', async () => {
    const gen = new NativeLoadGenerator(() => undefined);
    const r = await gen.run({
      kind: 'closed',
      target: { port, path: '/x', body: '{"reply":"mixed"}' },
      connections: 4,
      warmupMs: 50,
      durationMs: 300,
      sampleEvery: 1,
    });
    expect(r.requests).toBeGreaterThan(20);
    expect(r.connectionsUsed).toBe(4);
    // a quarter each are rate-limited and plain errors (the server alternates by its own count)
    expect(r.rateLimited).toBeGreaterThan(0);
    expect(r.errors).toBeGreaterThan(r.rateLimited);
    expect(r.errors).toBeLessThan(r.requests);
    expect(r.firstError).toBe('200 {"error":"bad thing"}');
    expect(r.samples.length).toBe(r.requests - r.errors);
  });

  it('a server that goes away fails the run with the reason, not a hang', async () => {
    const gen = new NativeLoadGenerator(() => undefined);
    const gone = http.createServer();
    await new Promise<void>((r) => gone.listen(0, '127.0.0.1', r));
    const gonePort = (gone.address() as AddressInfo).port;
    await new Promise<void>((r) => gone.close(() => r()));
    await expect(
      gen.run({
        kind: 'closed',
        target: { port: gonePort, path: '/x', body: '{}' },
        connections: 1,
        warmupMs: 0,
        durationMs: 100,
        sampleEvery: 1,
      }),
    ).rejects.toThrow(/connect/);
  });

  it('refuses truncated output', () => {
    expect(() => parseLoadgenOutput(Buffer.from('R 1 0 0 1000 1 5\nL 1 1 0\n'), true)).toThrow(/incomplete/);
  });
});
