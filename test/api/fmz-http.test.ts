/**
 * The FMZ listener's HTTP edge (node:http, no framework): what arrives as raw bytes on a socket —
 * keep-alive reuse, a chunked body past the limit, a garbled request line, odd paths — gets FMZ's
 * `{"error": …}` form, the connection is closed when the rest of the request can't be trusted, and
 * the server keeps answering.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFmzServer, type FmzServer } from '../../src/api/fmz/server.js';
import { call, simRig, type SimRig } from './fmz-support.js';

let rig: SimRig;
let srv: FmzServer;

beforeAll(async () => {
  rig = await simRig(15, 11);
  srv = await startFmzServer({ port: 0, gateways: [rig.port], ccxt: false, logger: false, bodyLimit: 4096 });
});

afterAll(async () => {
  await srv?.close();
  await rig?.venue.close();
});

interface Reply {
  status: number;
  headers: Record<string, string>;
  body: { data?: unknown; error?: string };
}

/** Writes `raw` on one connection and reads `count` replies (framed by Content-Length) until closed. */
function exchange(raw: string | Buffer[], count: number): Promise<{ replies: Reply[]; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(srv.port, '127.0.0.1');
    let buf = Buffer.alloc(0);
    const replies: Reply[] = [];
    let closed = false;
    const finish = (): void => {
      sock.destroy();
      resolve({ replies, closed });
    };
    const timer = setTimeout(finish, 3000);
    sock.on('data', (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const lines = buf.toString('latin1', 0, end).split('\r\n');
        const headers: Record<string, string> = {};
        for (const l of lines.slice(1)) {
          const i = l.indexOf(':');
          headers[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim();
        }
        const len = Number(headers['content-length']);
        if (buf.length < end + 4 + len) return;
        const body = JSON.parse(buf.toString('utf8', end + 4, end + 4 + len)) as Reply['body'];
        replies.push({ status: Number(lines[0]?.slice(9, 12)), headers, body });
        buf = buf.subarray(end + 4 + len);
        if (replies.length === count && !closed) {
          // wait a moment for a close that may follow
          setTimeout(() => {
            clearTimeout(timer);
            finish();
          }, 100);
        }
      }
    });
    sock.on('close', () => {
      closed = true;
    });
    sock.on('error', reject);
    if (typeof raw === 'string') sock.write(raw);
    else for (const b of raw) sock.write(b);
  });
}

const post = (path: string, body: string, extra = ''): string =>
  `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
  `Content-Length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`;

describe('FMZ listener over raw sockets', () => {
  it('answers several calls on one keep-alive connection, Content-Length framed, HTTP 200', async () => {
    const body = JSON.stringify(call('ticker', { symbol: 'ETH_USDT' }));
    const { replies, closed } = await exchange(post('/sim', body) + post('/SIM', body) + post('/sim?x=1', body), 3);
    expect(replies).toHaveLength(3);
    for (const r of replies) {
      expect(r.status).toBe(200);
      expect(r.headers['content-type']).toBe('application/json; charset=utf-8');
      expect((r.body.data as { symbol: string }).symbol).toBe('ETH_USDT');
    }
    expect(closed).toBe(false);
  });

  it('a chunked body past the limit ⇒ DG_E_API_TOO_LARGE and the connection is closed', async () => {
    const head =
      'POST /sim HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n';
    const chunk = (s: string): string => `${s.length.toString(16)}\r\n${s}\r\n`;
    const parts = [head, chunk('{"access_key":"a","secret_key":"b","method":"ticker","params":{"x":"')];
    for (let i = 0; i < 5; i++) parts.push(chunk('y'.repeat(1000)));
    const { replies, closed } = await exchange(
      parts.map((p) => Buffer.from(p)),
      1,
    );
    expect(replies[0]?.body.error).toMatch(/DG_E_API_TOO_LARGE/);
    expect(replies[0]?.headers.connection).toBe('close');
    expect(closed).toBe(true);
  });

  it('a declared Content-Length past the limit is refused before the body is read', async () => {
    const raw = `POST /sim HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 999999\r\n\r\n{`;
    const { replies } = await exchange(raw, 1);
    expect(replies[0]?.status).toBe(200);
    expect(replies[0]?.body.error).toMatch(/DG_E_API_TOO_LARGE/);
  });

  it('a garbled request line ⇒ {error}, connection closed, server still up', async () => {
    const { replies, closed } = await exchange('HELLO THERE\r\n\r\n', 1);
    expect(replies[0]?.body.error).toMatch(/DG_E_API_BAD_REQUEST/);
    expect(closed).toBe(true);
    const body = JSON.stringify(call('ticker', { symbol: 'ETH_USDT' }));
    expect((await exchange(post('/sim', body), 1)).replies[0]?.body.data).toBeDefined();
  });

  it('paths that do not name one exchange, and other verbs', async () => {
    const body = JSON.stringify(call('ticker', { symbol: 'ETH_USDT' }));
    for (const path of ['/', '/sim/', '/sim/ticker', '/%E0%A4%A', '/a%20b']) {
      const r = (await exchange(post(path, body), 1)).replies[0];
      expect(r?.status, path).toBe(200);
      expect(r?.body.error, path).toMatch(/DG_E_API_UNKNOWN_EXCHANGE/);
    }
    for (const verb of ['GET', 'PUT', 'DELETE']) {
      const r = (await exchange(`${verb} /sim HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`, 1)).replies[0];
      expect(r?.body.error, verb).toMatch(/DG_E_API_NOT_POST/);
    }
  });
});
