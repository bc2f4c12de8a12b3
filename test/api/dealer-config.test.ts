import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeDealerConfig, loadDealerConfig, parseDealerConfig } from '../../src/api/dealer/dealer-config.js';
import { startDealer } from '../../src/api/dealer/dealer-daemon.js';
import { DealerOrderIds } from '../../src/api/dealer/order-ids.js';
import { RotatingLog } from '../../src/api/dealer/rotating-log.js';
import { ManualClock } from '../../src/core/clock.js';
import { makeHarness } from './dealer-harness.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'deskgate-dealer-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('Dealer config (S0.1)', () => {
  it('takes the MOV dealer keys with defaults, durations and redaction', () => {
    const c = parseDealerConfig({
      port: 1058,
      xprv: 'very-secret',
      bycoin_url: 'https://ex.example',
      logs: { rotate_time: '24h', max_age: '72h', dir: tmp },
    });
    expect(c.port).toBe(1058);
    expect(c.host).toBe('127.0.0.1');
    expect(c.fee_rate).toBe('0.003');
    expect(c.logs.rotate_time).toBe(86_400_000);
    expect(c.logs.max_age).toBe(3 * 86_400_000);
    const d = describeDealerConfig(c);
    expect(d.xprv).toBe('***');
    expect(JSON.stringify(d)).not.toContain('very-secret');
    expect(parseDealerConfig({}).port).toBe(1024);
  });

  it('refuses bad or unknown fields with DG_E_BAD_CONFIG naming them', () => {
    expect(() => parseDealerConfig({ port: 'x' })).toThrow(/port/);
    expect(() => parseDealerConfig({ prot: 1 })).toThrow(/DG_E_BAD_CONFIG|configuration/);
    expect(() => parseDealerConfig({ host: '0.0.0.0' })).toThrow(/host/);
    expect(() => parseDealerConfig({ logs: { rotate_time: 'soon' } })).toThrow(/rotate_time/);
    expect(() => parseDealerConfig({ logs: { rotate_time: '24h', max_age: '1h' } })).toThrow(/max_age/);
    expect(() => parseDealerConfig({ fee_rate: '0.0000001' })).toThrow(/fee_rate/);
    const f = path.join(tmp, 'bad.json');
    writeFileSync(f, '{not json');
    expect(() => loadDealerConfig(f)).toThrow(/not JSON/);
  });
});

describe('RotatingLog (S0.4)', () => {
  it('rotates by period and deletes files older than max age', () => {
    const dir = path.join(tmp, 'logs');
    const clock = new ManualClock(Date.UTC(2026, 0, 1, 0, 30));
    const log = new RotatingLog({ dir, prefix: 'dealer', rotateMs: 3_600_000, maxAgeMs: 2 * 3_600_000, clock });
    log.write('a');
    expect(path.basename(log.current)).toBe('dealer.20260101-000000.log');
    clock.advance(3_600_000);
    log.write('b');
    expect(path.basename(log.current)).toBe('dealer.20260101-010000.log');
    expect(readFileSync(log.current, 'utf8')).toBe('b\n');
    writeFileSync(path.join(dir, 'other.txt'), 'keep');
    clock.advance(3 * 3_600_000); // 04:30: the 00:00 period ended 3.5 h ago, the 01:00 one 2.5 h ago
    log.write('c');
    expect(readdirSync(dir).sort()).toEqual(['dealer.20260101-040000.log', 'other.txt']);
  });
});

describe('DealerOrderIds', () => {
  it('hands out dense integers, stable per venue order, bounded', async () => {
    const h = await makeHarness(2);
    try {
      const inst = h.port.instrument('BTM/USDT')!;
      const ids = new DealerOrderIds(3);
      expect([ids.idOf(inst, 'a'), ids.idOf(inst, 'b'), ids.idOf(inst, 'a')]).toEqual([1, 2, 1]);
      ids.idOf(inst, 'c');
      ids.idOf(inst, 'd');
      expect(ids.get(1)).toBeUndefined(); // oldest forgotten
      expect(ids.get(4)?.venueOrderId).toBe('d');
      expect(ids.size).toBe(3);
    } finally {
      await h.close();
    }
  });
});

describe('startDealer', () => {
  it('serves on the configured port and logs each request to the rotating file', async () => {
    const h = await makeHarness(6);
    const cfg = parseDealerConfig({
      port: 0,
      logs: { dir: path.join(tmp, 'dlogs'), rotate_time: '1h', max_age: '2h' },
    });
    const d = await startDealer(cfg, h.port);
    try {
      const { port } = d.server.address();
      const r = await fetch(`http://127.0.0.1:${port}/api/v1/cancel-order?order_id=77`);
      expect(await r.json()).toMatchObject({ code: 404 });
      await new Promise((res) => setTimeout(res, 20));
      expect(existsSync(d.log.current)).toBe(true);
      const text = readFileSync(d.log.current, 'utf8');
      expect(text).toMatch(/GET \/api\/v1\/cancel-order\?order_id=77 http=200 code=404/);
    } finally {
      await d.close();
      await h.close();
    }
  });
});
