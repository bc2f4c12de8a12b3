import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { DingTalkNotifier } from '../../src/notify/dingtalk.js';
import { FeishuNotifier } from '../../src/notify/feishu.js';
import { retryAfterMs } from '../../src/notify/http.js';
import { SlackNotifier } from '../../src/notify/slack.js';
import { splitMessage, TelegramNotifier } from '../../src/notify/telegram.js';
import type { NotifyMessage, SendOutcome } from '../../src/notify/types.js';
import { WebhookNotifier } from '../../src/notify/webhook.js';
import { closedPort, TestReceiver } from './receiver.js';

const MSG: NotifyMessage = { title: 'OTC alerts (1)', markdown: '### OTC alerts (1)\n\n- lock L1', text: 'lock L1' };
const T0 = Date.UTC(2026, 5, 1, 12, 0, 0);
const receivers: TestReceiver[] = [];
async function receiver(h: TestReceiver['handler']): Promise<TestReceiver> {
  const r = new TestReceiver(h);
  await r.start();
  receivers.push(r);
  return r;
}
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.stop()));
});

function noSecret(o: SendOutcome, ...secrets: string[]): void {
  const text = JSON.stringify(o);
  for (const s of secrets) expect(text).not.toContain(s);
}

describe('DingTalk', () => {
  const token = 'tok-4f1c9a';
  const secret = 'SECd41d8cd98f00b204e9800998ecf8427e';
  // DingTalk's documented check: sign = urlencode(base64(HmacSHA256(key=secret, data=timestamp+"\n"+secret))).
  const dingHandler =
    (clock: ManualClock, counter: { n: number }, limit = 20) =>
    (r: import('./receiver.js').SeenRequest) => {
      expect(r.method).toBe('POST');
      expect(r.url.pathname).toBe('/robot/send');
      if (r.url.searchParams.get('access_token') !== token)
        return { body: { errcode: 300001, errmsg: 'token is not exist' } };
      const ts = r.url.searchParams.get('timestamp') ?? '';
      const rawQuery = r.url.search;
      const signEncoded = /[?&]sign=([^&]*)/.exec(rawQuery)?.[1] ?? '';
      const expected = encodeURIComponent(createHmac('sha256', secret).update(`${ts}\n${secret}`).digest('base64'));
      if (Math.abs(clock.now() - Number(ts)) > 3_600_000 || signEncoded.toUpperCase() !== expected.toUpperCase()) {
        return {
          body: {
            errcode: 310000,
            errmsg: 'sign not match, more: [https://ding-doc.dingtalk.com/doc#/serverapi2/qf2nxq]',
          },
        };
      }
      counter.n++;
      if (counter.n > limit) return { body: { errcode: 130101, errmsg: 'send too fast, exceed 20 times per minute' } };
      const body = JSON.parse(r.body) as { msgtype: string; markdown: { title: string; text: string } };
      expect(body.msgtype).toBe('markdown');
      expect(body.markdown.text).toContain('lock L1');
      return { body: { errcode: 0, errmsg: 'ok' } };
    };

  it('signs every request as DingTalk verifies it and succeeds on errcode 0', async () => {
    const clock = new ManualClock(T0);
    const r = await receiver(dingHandler(clock, { n: 0 }));
    const n = new DingTalkNotifier({ baseUrl: r.baseUrl, accessToken: token, secret }, clock);
    expect(await n.send(MSG)).toEqual({ ok: true });
    clock.advance(1234);
    expect(await n.send(MSG)).toEqual({ ok: true });
    expect(r.requests).toHaveLength(2);
    expect(r.requests[1].url.searchParams.get('timestamp')).toBe(String(T0 + 1234));
  });

  it('maps 310000 (wrong secret) to DG_E_NOTIFY_BAD_SIGNATURE without leaking secrets', async () => {
    const clock = new ManualClock(T0);
    const r = await receiver(dingHandler(clock, { n: 0 }));
    const n = new DingTalkNotifier({ baseUrl: r.baseUrl, accessToken: token, secret: 'SECwrong-secret-value' }, clock);
    const out = await n.send(MSG);
    expect(out).toMatchObject({ ok: false, code: 'DG_E_NOTIFY_BAD_SIGNATURE' });
    noSecret(out, 'SECwrong-secret-value', token);
  });

  it('maps 130101 to a rate limit with a 10-minute wait', async () => {
    const clock = new ManualClock(T0);
    const r = await receiver(dingHandler(clock, { n: 0 }, 1));
    const n = new DingTalkNotifier({ baseUrl: r.baseUrl, accessToken: token, secret }, clock);
    expect((await n.send(MSG)).ok).toBe(true);
    expect(await n.send(MSG)).toMatchObject({ ok: false, code: 'DG_E_NOTIFY_RATE_LIMITED', retryAfterMs: 600_000 });
  });

  it('keeps the body under 20,000 bytes', async () => {
    const clock = new ManualClock(T0);
    const n = new DingTalkNotifier({ accessToken: token, secret }, clock);
    const big = n.body({ ...MSG, markdown: '锁价单 L1 '.repeat(5000) });
    expect(Buffer.byteLength(big, 'utf8')).toBeLessThanOrEqual(20_000);
    expect(() => JSON.parse(big)).not.toThrow();
  });

  it('reports an unreachable robot as DG_E_NOTIFY_UNREACHABLE without the token', async () => {
    const port = await closedPort();
    const n = new DingTalkNotifier(
      { baseUrl: `http://127.0.0.1:${port}`, accessToken: token, secret },
      new ManualClock(T0),
    );
    const out = await n.send(MSG);
    expect(out).toMatchObject({ ok: false, code: 'DG_E_NOTIFY_UNREACHABLE' });
    noSecret(out, token, secret);
  });
});

describe('Feishu', () => {
  const secret = 'feishu-secret-9b2e';
  const hook = 'b1f0c2d3-hook';
  // Feishu: string_to_sign = timestamp + "\n" + secret; sign = base64(HmacSHA256(key=string_to_sign, data="")).
  const handler = (clock: ManualClock) => (r: import('./receiver.js').SeenRequest) => {
    expect(r.url.pathname).toBe(`/open-apis/bot/v2/hook/${hook}`);
    const body = JSON.parse(r.body) as { timestamp: string; sign: string; msg_type: string; content: { text: string } };
    const expected = createHmac('sha256', `${body.timestamp}\n${secret}`).digest('base64');
    if (body.sign !== expected || Math.abs(Number(body.timestamp) - clock.now() / 1000) > 3600) {
      return {
        body: { code: 19021, data: {}, msg: 'sign match fail or timestamp is not within one hour from current time' },
      };
    }
    expect(body.msg_type).toBe('text');
    expect(body.content.text).toContain('lock L1');
    return { body: { code: 0, data: {}, msg: 'success' } };
  };

  it('puts a seconds timestamp and the signature in the body', async () => {
    const clock = new ManualClock(T0 + 999);
    const r = await receiver(handler(clock));
    const n = new FeishuNotifier({ baseUrl: r.baseUrl, hookId: hook, secret }, clock);
    expect(await n.send(MSG)).toEqual({ ok: true });
    expect((JSON.parse(r.requests[0].body) as { timestamp: string }).timestamp).toBe(
      String(Math.floor((T0 + 999) / 1000)),
    );
  });

  it('maps 19021 to a bad signature and 11232 / 429 to rate limits', async () => {
    const clock = new ManualClock(T0);
    const r = await receiver(handler(clock));
    const bad = new FeishuNotifier({ baseUrl: r.baseUrl, hookId: hook, secret: 'other' }, clock);
    const out = await bad.send(MSG);
    expect(out).toMatchObject({ ok: false, code: 'DG_E_NOTIFY_BAD_SIGNATURE' });
    noSecret(out, 'other-secret', hook);
    r.handler = () => ({ body: { code: 11232, msg: 'frequency limited psm[lark.oapi.app_platform_runtime]appID[1]' } });
    expect(await bad.send(MSG)).toMatchObject({ ok: false, code: 'DG_E_NOTIFY_RATE_LIMITED', retryAfterMs: 60_000 });
    r.handler = () => ({
      status: 429,
      headers: { 'retry-after': '7' },
      body: { code: 99991400, msg: 'too many request' },
    });
    expect(await bad.send(MSG)).toMatchObject({ ok: false, code: 'DG_E_NOTIFY_RATE_LIMITED', retryAfterMs: 7000 });
  });
});

describe('Slack', () => {
  it('posts {text} and honours 429 Retry-After', async () => {
    let n429 = 0;
    const r = await receiver((req) => {
      expect(req.url.pathname).toBe('/services/T000/B000/XXXX');
      expect(JSON.parse(req.body)).toHaveProperty('text');
      if (n429++ === 1) return { status: 429, headers: { 'retry-after': '30' }, body: 'rate_limited' };
      return { status: 200, body: 'ok' };
    });
    const n = new SlackNotifier({ webhookUrl: `${r.baseUrl}/services/T000/B000/XXXX` }, new ManualClock(T0));
    expect(await n.send(MSG)).toEqual({ ok: true });
    expect(await n.send(MSG)).toMatchObject({ ok: false, code: 'DG_E_NOTIFY_RATE_LIMITED', retryAfterMs: 30_000 });
  });

  it('treats invalid_token / no_service as a credential error and never echoes the URL', async () => {
    const r = await receiver(() => ({ status: 403, body: 'invalid_token' }));
    const url = `${r.baseUrl}/services/T000/B000/SECRETPART`;
    const out = await new SlackNotifier({ webhookUrl: url }, new ManualClock(T0)).send(MSG);
    expect(out).toMatchObject({ ok: false, code: 'DG_E_NOTIFY_BAD_SIGNATURE' });
    noSecret(out, 'SECRETPART');
  });
});

describe('Telegram', () => {
  const token = '123456:ABC-DEF1234ghIkl';
  it('sends to /bot<token>/sendMessage and splits text over 4096 characters', async () => {
    const r = await receiver((req) => {
      if (req.url.pathname !== `/bot${token}/sendMessage`)
        return { status: 401, body: { ok: false, error_code: 401, description: 'Unauthorized' } };
      const b = JSON.parse(req.body) as { chat_id: string; text: string };
      if ([...b.text].length > 4096)
        return { status: 400, body: { ok: false, error_code: 400, description: 'Bad Request: message is too long' } };
      return { body: { ok: true, result: { message_id: 1 } } };
    });
    const n = new TelegramNotifier({ baseUrl: r.baseUrl, botToken: token, chatId: '-100123' }, new ManualClock(T0));
    const long = Array.from({ length: 300 }, (_, i) => `line ${i} 对冲异常 ${'x'.repeat(20)}`).join('\n');
    expect(await n.send({ ...MSG, text: long })).toEqual({ ok: true });
    expect(r.requests.length).toBeGreaterThan(2);
    const texts = r.requests.map((q) => (JSON.parse(q.body) as { text: string }).text);
    expect(texts.join('')).toBe(`${MSG.title}\n${long}`);
    expect((JSON.parse(r.requests[0].body) as { chat_id: string }).chat_id).toBe('-100123');
  });

  it('reads parameters.retry_after on 429 and maps 401', async () => {
    const r = await receiver(() => ({
      status: 429,
      body: {
        ok: false,
        error_code: 429,
        description: 'Too Many Requests: retry after 35',
        parameters: { retry_after: 35 },
      },
    }));
    const n = new TelegramNotifier({ baseUrl: r.baseUrl, botToken: token, chatId: '1' }, new ManualClock(T0));
    expect(await n.send(MSG)).toMatchObject({ ok: false, code: 'DG_E_NOTIFY_RATE_LIMITED', retryAfterMs: 35_000 });
    r.handler = () => ({ status: 401, body: { ok: false, error_code: 401, description: 'Unauthorized' } });
    const out = await n.send(MSG);
    expect(out).toMatchObject({ ok: false, code: 'DG_E_NOTIFY_BAD_SIGNATURE' });
    noSecret(out, token);
  });

  it('splitMessage keeps every character and prefers line breaks', () => {
    const s = 'a'.repeat(4000) + '\n' + 'b'.repeat(4000) + '\n' + '😀'.repeat(5000);
    const parts = splitMessage(s);
    expect(parts.join('')).toBe(s);
    for (const p of parts) expect([...p].length).toBeLessThanOrEqual(4096);
    expect(parts[0].endsWith('\n')).toBe(true);
  });
});

describe('generic webhook', () => {
  it('signs timestamp.body with HMAC-SHA256 when a secret is set', async () => {
    const secret = 'whsec-1';
    const r = await receiver((req) => {
      const ts = String(req.headers['x-deskgate-timestamp']);
      const sig = String(req.headers['x-deskgate-signature']);
      const expected = `sha256=${createHmac('sha256', secret).update(`${ts}.${req.body}`).digest('hex')}`;
      return sig === expected ? { status: 204, body: '' } : { status: 401, body: 'bad signature' };
    });
    const clock = new ManualClock(T0);
    expect(await new WebhookNotifier({ url: `${r.baseUrl}/hook`, secret }, clock).send(MSG)).toEqual({ ok: true });
    expect(await new WebhookNotifier({ url: `${r.baseUrl}/hook`, secret: 'nope' }, clock).send(MSG)).toMatchObject({
      ok: false,
      code: 'DG_E_NOTIFY_BAD_SIGNATURE',
    });
    expect(JSON.parse(r.requests[0].body)).toMatchObject({ title: MSG.title, text: MSG.text });
  });
});

describe('Retry-After', () => {
  it('accepts seconds and HTTP dates', () => {
    expect(retryAfterMs('12', T0, 1)).toBe(12_000);
    expect(retryAfterMs(new Date(T0 + 5000).toUTCString(), T0, 1)).toBe(5000);
    expect(retryAfterMs(null, T0, 777)).toBe(777);
    expect(retryAfterMs('soon', T0, 777)).toBe(777);
  });
});
