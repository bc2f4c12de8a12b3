import { createServer, request, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BEARER_TOKEN_MAX, bearerAuthorized, bearerDigest, isBearerToken, tokenDigest } from '../../src/api/token.js';
import { ServeMetrics } from '../../src/gateway/serve/metrics.js';
import { mountMetrics, startMetricsServer, type MetricsServer } from '../../src/gateway/serve/metrics-server.js';

const TOKEN = 'tok-Abc_123.~';
const digest = bearerDigest(TOKEN);

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
}

/** GET over loopback with the Authorization header sent as given (latin1 bytes, tabs allowed). */
function get(port: number, path: string, authorization?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, headers: authorization === undefined ? {} : { authorization } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** Headers the bearer rule refuses although the configured token is right there. */
const ODD = [
  `bearer ${TOKEN}`,
  `BEARER ${TOKEN}`,
  `Basic ${TOKEN}`,
  TOKEN,
  `Bearer  ${TOKEN}`,
  `Bearer\t${TOKEN}`,
  `Bearer ${TOKEN} x`,
  `Bearer ${TOKEN}${'x'.repeat(600)}`,
  'Bearer ',
  'Bearer',
];

describe('bearerAuthorized (the one Authorization: Bearer rule)', () => {
  it('accepts the right token', () => {
    expect(bearerAuthorized(`Bearer ${TOKEN}`, digest)).toBe(true);
  });

  it('refuses a wrong token, a missing header and other schemes', () => {
    expect(bearerAuthorized('Bearer tok-Abc_123.!', digest)).toBe(false);
    expect(bearerAuthorized(`Bearer ${TOKEN}x`, digest)).toBe(false);
    expect(bearerAuthorized(undefined, digest)).toBe(false);
    expect(bearerAuthorized('', digest)).toBe(false);
    for (const h of ODD) expect([h, bearerAuthorized(h, digest)]).toEqual([h, false]);
    // (an HTTP server strips trailing whitespace before the header reaches the check)
    expect(bearerAuthorized(`Bearer ${TOKEN}\t`, digest)).toBe(false);
    expect(bearerAuthorized(`Bearer ${TOKEN} `, digest)).toBe(false);
  });

  it('bounds the length at 512 even when the digest would match', () => {
    const max = 'a'.repeat(BEARER_TOKEN_MAX);
    expect(bearerAuthorized(`Bearer ${max}`, tokenDigest(max))).toBe(true);
    const over = 'a'.repeat(BEARER_TOKEN_MAX + 1);
    expect(bearerAuthorized(`Bearer ${over}`, tokenDigest(over))).toBe(false);
    const huge = 'a'.repeat(20_000);
    expect(bearerAuthorized(`Bearer ${huge}`, tokenDigest(huge))).toBe(false);
  });

  it('bounds the charset to visible ASCII even when the digest would match', () => {
    for (const t of ['tok en', 'tok\ten', 'tökén', 'tok\u0000', 'tok\u007f', 'tok\u2028', '\u{1f511}']) {
      expect([t, bearerAuthorized(`Bearer ${t}`, tokenDigest(t))]).toEqual([t, false]);
    }
    expect(bearerAuthorized('Bearer !~', tokenDigest('!~'))).toBe(true);
  });

  it('refuses an empty token even against the digest of ""', () => {
    expect(bearerAuthorized('Bearer ', tokenDigest(''))).toBe(false);
    expect(bearerAuthorized('Bearer', tokenDigest(''))).toBe(false);
    expect(bearerAuthorized(undefined, tokenDigest(''))).toBe(false);
  });
});

describe('bearerDigest (a configured token)', () => {
  it('refuses a token the bearer rule could never accept, without echoing it', () => {
    for (const t of ['', 'a'.repeat(BEARER_TOKEN_MAX + 1), 'has space', 'tökén', 'tab\there']) {
      expect([t.slice(0, 10), codeOf(() => bearerDigest(t))]).toEqual([t.slice(0, 10), 'DG_E_BAD_CONFIG']);
    }
    let message = '';
    try {
      bearerDigest('secret with space', 'FMZ authToken');
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/FMZ authToken must be 1-512 visible ASCII/);
    expect(message).not.toContain('secret');
  });

  it('equals tokenDigest for an acceptable token', () => {
    expect(isBearerToken(TOKEN)).toBe(true);
    expect(bearerDigest(TOKEN).equals(tokenDigest(TOKEN))).toBe(true);
  });
});

describe('/metrics refuses odd bearers', () => {
  const metrics = new ServeMetrics({ defaultMetrics: false });
  let own: MetricsServer;
  let host: Server;
  let hostPort = 0;

  beforeAll(async () => {
    own = await startMetricsServer({ metrics, host: '127.0.0.1', port: 0, token: TOKEN, health: () => ({ ok: true }) });
    host = createServer((_req, res) => res.writeHead(204).end());
    await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
    const a = host.address();
    hostPort = typeof a === 'object' && a ? a.port : 0;
    mountMetrics(host, metrics, TOKEN);
  });

  afterAll(async () => {
    await own.close();
    host.closeAllConnections();
    await new Promise<void>((resolve) => host.close(() => resolve()));
  });

  it('own server: right token 200, odd or missing bearer 401', async () => {
    expect(await get(own.port, '/metrics', `Bearer ${TOKEN}`)).toBe(200);
    expect(await get(own.port, '/healthz', `Bearer ${TOKEN}`)).toBe(200);
    expect(await get(own.port, '/metrics')).toBe(401);
    expect(await get(own.port, '/metrics', `Bearer ${'a'.repeat(513)}`)).toBe(401);
    expect(await get(own.port, '/metrics', 'Bearer tök')).toBe(401);
    for (const h of ODD) expect([h, await get(own.port, '/metrics', h)]).toEqual([h, 401]);
  });

  it('mounted on another server: /metrics checked the same, other paths untouched', async () => {
    expect(await get(hostPort, '/metrics', `Bearer ${TOKEN}`)).toBe(200);
    expect(await get(hostPort, '/metrics')).toBe(401);
    expect(await get(hostPort, '/metrics', `Bearer ${TOKEN}${'x'.repeat(600)}`)).toBe(401);
    expect(await get(hostPort, '/metrics', `Bearer\t${TOKEN}`)).toBe(401);
    expect(await get(hostPort, '/other')).toBe(204);
  });

  it('refuses to start with a token no client could send', async () => {
    await expect(
      startMetricsServer({ metrics, host: '127.0.0.1', port: 0, token: 'two words', health: () => ({}) }),
    ).rejects.toMatchObject({ code: 'DG_E_BAD_CONFIG' });
    expect(codeOf(() => mountMetrics(createServer(), metrics, 'x'.repeat(513)))).toBe('DG_E_BAD_CONFIG');
  });
});
