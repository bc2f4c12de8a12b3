/**
 * A DingTalk-compatible robot endpoint on loopback, for the demo: it checks the access token,
 * verifies timestamp (within 1 h) and sign exactly as DingTalk does, enforces 20 messages per
 * minute (errcode 130101) and keeps what it received. Binds 127.0.0.1 on an ephemeral port.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Clock } from '../core/clock.js';

export interface ReceivedMessage {
  readonly at: number;
  readonly title: string;
  readonly text: string;
}

export class DingTalkReceiver {
  readonly messages: ReceivedMessage[] = [];
  rejected = 0;
  private server: Server | undefined;
  private readonly sends: number[] = [];

  constructor(
    private readonly accessToken: string,
    private readonly secret: string,
    private readonly clock: Clock,
    private readonly perMinute = 20,
  ) {}

  async start(): Promise<string> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size > 64 * 1024) req.destroy();
        else chunks.push(c);
      });
      req.on('end', () => {
        const reply = (obj: object): void => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify(obj));
        };
        const url = new URL(req.url ?? '/', 'http://127.0.0.1');
        if (req.method !== 'POST' || url.pathname !== '/robot/send') {
          res.writeHead(404).end();
          return;
        }
        const now = this.clock.now();
        if (!safeEqual(url.searchParams.get('access_token') ?? '', this.accessToken)) {
          this.rejected++;
          return reply({ errcode: 300001, errmsg: 'token is not exist' });
        }
        const ts = Number(url.searchParams.get('timestamp'));
        const sign = url.searchParams.get('sign') ?? '';
        const expected = createHmac('sha256', this.secret).update(`${ts}\n${this.secret}`).digest('base64');
        if (!Number.isFinite(ts) || Math.abs(now - ts) > 3_600_000 || !safeEqual(sign, expected)) {
          this.rejected++;
          return reply({ errcode: 310000, errmsg: 'sign not match' });
        }
        while (this.sends.length && this.sends[0] <= now - 60_000) this.sends.shift();
        if (this.sends.length >= this.perMinute) {
          this.rejected++;
          return reply({ errcode: 130101, errmsg: 'send too fast, exceed 20 times per minute' });
        }
        let body: { msgtype?: string; markdown?: { title?: string; text?: string } };
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof body;
        } catch {
          return reply({ errcode: 40035, errmsg: 'invalid json' });
        }
        if (body.msgtype !== 'markdown' || typeof body.markdown?.text !== 'string') {
          return reply({ errcode: 40035, errmsg: 'missing markdown' });
        }
        this.sends.push(now);
        this.messages.push({ at: now, title: body.markdown.title ?? '', text: body.markdown.text });
        reply({ errcode: 0, errmsg: 'ok' });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}

function safeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}
