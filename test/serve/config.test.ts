/** Config validation: every issue named by its path, secrets by env-var name only, defaults sane. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadServeConfig, parseServeConfig, resolveSecret } from '../../src/gateway/serve/config.js';
import { removeTempDirs, tempDir } from './support.js';

afterAll(() => removeTempDirs());

describe('serve config', () => {
  it('the embedded default: sim BTC-USDT + ETH-USDT, loopback, S0.1 / S1.1 ports, 24h / 72h logs', () => {
    const r = parseServeConfig(undefined);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const c = r.value;
    expect(c.host).toBe('127.0.0.1');
    expect(c.venues).toHaveLength(1);
    expect(c.venues[0]).toMatchObject({ type: 'sim', name: 'sim', symbols: ['BTC-USDT', 'ETH-USDT'] });
    expect(c.listeners.fmz.port).toBe(6666);
    expect(c.listeners.dealer[0].port).toBe(1024);
    expect(c.listeners.l3rpc[0].port).toBe(9090);
    expect(c.listeners.http[0].port).toBe(8080);
    expect(c.logs.rotate_time).toBe(24 * 3_600_000);
    expect(c.logs.max_age).toBe(72 * 3_600_000);
    expect(c.dataDir).toBe('./.deskgate');
    expect(c.bus).toBe('none');
    expect(c.api).toEqual({ strategy: 'api', allocate: 'all' });
  });

  it('names the path of every bad field', () => {
    const r = parseServeConfig({
      listeners: { fmz: { port: 70000 }, dealer: { prot: 1 } },
      logs: { rotate_time: '1 fortnight' },
      bus: 'kafka',
      venues: [{ type: 'ccxt', name: 'kc', exchange: 'kucoin', credentials: { apiKey: { env: 'KC_KEY' } } }],
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('DG_E_SERVE_CONFIG');
    const text = r.error.message;
    expect(text).toMatch(/listeners\.fmz\.port: /);
    expect(text).toMatch(/listeners\.dealer: .*prot/);
    expect(text).toMatch(/logs\.rotate_time: bad duration "1 fortnight"/);
    expect(text).toMatch(/bus: /);
    expect(text).toMatch(/venues\.0\.credentials\.secret: required/);
  });

  it('per-venue listeners: one object or a list, each naming a configured venue, ports distinct', () => {
    const ok = parseServeConfig({
      venues: [{ type: 'sim' }, { type: 'sim', name: 'sim2', seed: 2 }],
      listeners: {
        dealer: [{ port: 1024 }, { port: 1025, venue: 'sim2' }],
        l3rpc: { port: 9091, venue: 'sim2', symbol: 'ETH-USDT' },
        http: [{ port: 0 }, { port: 0, venue: 'sim2' }],
      },
    });
    expect(ok.ok).toBe(true);
    if (!ok.ok) return;
    expect(ok.value.listeners.dealer.map((d) => [d.port, d.venue])).toEqual([
      [1024, undefined],
      [1025, 'sim2'],
    ]);
    expect(ok.value.listeners.l3rpc).toEqual([
      { enabled: true, port: 9091, venue: 'sim2', symbol: 'ETH-USDT', rpckey: 'deskgate' },
    ]);
    const bad = parseServeConfig({
      listeners: { dealer: [{ port: 1024 }, { port: 1024, venue: 'nope' }], http: { port: 6666 } },
    });
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(bad.error.message).toMatch(/listeners\.dealer\.1\.venue: no configured venue is named "nope"/);
    expect(bad.error.message).toMatch(/listeners\.dealer\.1\.port: port 1024 is also listeners\.dealer\.0\.port/);
    expect(bad.error.message).toMatch(/listeners\.http\.0\.port: port 6666 is also listeners\.fmz\.port/);
  });

  it('max_age shorter than rotate_time, duplicate venue names', () => {
    const r = parseServeConfig({
      logs: { rotate_time: '2h', max_age: '1h' },
      venues: [{ type: 'sim' }, { type: 'sim' }],
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.message).toMatch(/logs\.max_age: logs\.max_age must be ≥ logs\.rotate_time/);
    expect(r.error.message).toMatch(/venues: venue names must be unique/);
  });

  it('rotate_time must fit a timer (1s … 24d)', () => {
    for (const bad of ['30d', '10ms']) {
      const r = parseServeConfig({ logs: { rotate_time: bad, max_age: '60d' } });
      expect(!r.ok && r.error.message).toMatch(/logs\.rotate_time: logs\.rotate_time must be between 1s and 24d/);
    }
    expect(parseServeConfig({ logs: { rotate_time: '1s', max_age: '3s' } }).ok).toBe(true);
  });

  it('a file that is not JSON or does not exist is a clear error naming the file', () => {
    const dir = tempDir('cfg');
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"host": ');
    const r = loadServeConfig(bad);
    expect(!r.ok && r.error.message).toMatch(/bad\.json: not JSON/);
    const missing = loadServeConfig(join(dir, 'nope.json'));
    expect(!missing.ok && missing.error.message).toMatch(/nope\.json: ENOENT/);
  });

  it('secrets resolve from the environment; a missing variable is named, never a value', () => {
    expect(resolveSecret({ env: 'X_KEY' }, 'venues.0.credentials.apiKey', { X_KEY: 'v4lue' })).toBe('v4lue');
    expect(() => resolveSecret({ env: 'X_KEY' }, 'venues.0.credentials.apiKey', {})).toThrow(
      /venues\.0\.credentials\.apiKey: environment variable X_KEY is not set/,
    );
  });
});
