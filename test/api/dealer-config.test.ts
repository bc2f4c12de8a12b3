import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeDealerConfig, loadDealerConfig, parseDealerConfig } from '../../src/api/dealer/dealer-config.js';
import { startDealer } from '../../src/api/dealer/dealer-daemon.js';
import { DealerOrderIds } from '../../src/api/dealer/order-ids.js';
import { RotatingLog } from '../../src/logging/rotating-log.js';
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

describe('RotatingLog (S0.4), Dealer request log', () => {
  // File names changed with the shared rotator: `dealer.20260101-000000.log` → `dealer-20260101T000000Z.log`.
  it('rotates at period boundaries and deletes files older than max age', () => {
    const dir = path.join(tmp, 'logs');
    const clock = new ManualClock(Date.UTC(2026, 0, 1, 0, 30));
    const log = new RotatingLog({ dir, prefix: 'dealer', rotateMs: 3_600_000, maxAgeMs: 2 * 3_600_000, clock });
    try {
      log.write('a');
      expect(path.basename(log.current)).toBe('dealer-20260101T000000Z.log');
      clock.advance(29 * 60_000 + 59_999); // 00:59:59.999, still the first period
      log.write('a2');
      expect(path.basename(log.current)).toBe('dealer-20260101T000000Z.log');
      const first = log.current;
      clock.advance(1); // 01:00:00.000 exactly: the next period
      log.write('b');
      expect(path.basename(log.current)).toBe('dealer-20260101T010000Z.log');
      expect(readFileSync(first, 'utf8')).toBe('a\na2\n'); // flushed into the old file at the rotation
      log.flush();
      expect(readFileSync(log.current, 'utf8')).toBe('b\n');
      writeFileSync(path.join(dir, 'other.txt'), 'keep');
      clock.advance(3 * 3_600_000 + 30 * 60_000); // 04:30: the 00:00 period ended 3.5 h ago, the 01:00 one 2.5 h ago
      log.write('c');
      expect(readdirSync(dir).sort()).toEqual(['dealer-20260101T040000Z.log', 'other.txt']);
      expect(log.deleted).toBe(2);
    } finally {
      log.close();
    }
    expect(readFileSync(path.join(dir, 'dealer-20260101T040000Z.log'), 'utf8')).toBe('c\n');
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
      expect(path.basename(d.log.current)).toMatch(/^dealer-\d{8}T\d{6}Z\.log$/);
      expect(existsSync(d.log.current)).toBe(true);
      const text = readFileSync(d.log.current, 'utf8');
      expect(text).toMatch(/GET \/api\/v1\/cancel-order\?order_id=77 http=200 code=404/);
    } finally {
      await d.close();
      await h.close();
    }
  });

  it('close flushes the request lines still in the batch', async () => {
    const h = await makeHarness(6);
    const dir = path.join(tmp, 'dlogs-close');
    const cfg = parseDealerConfig({ port: 0, logs: { dir, rotate_time: '1h', max_age: '2h' } });
    const d = await startDealer(cfg, h.port);
    try {
      d.log.write('last line before close'); // batched: not on disk before the end of this turn
      expect(readFileSync(d.log.current, 'utf8')).not.toMatch(/last line/);
    } finally {
      await d.close();
      await h.close();
    }
    const text = readFileSync(d.log.current, 'utf8');
    expect(text).toMatch(/dealer listening on 127\.0\.0\.1:\d+/);
    expect(text).toMatch(/last line before close\n$/);
    expect(d.log.write('after close')).toBe(false);
  });
});
