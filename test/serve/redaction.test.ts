/**
 * S1.7 end to end: `deskgate serve` as its own process with a ccxt venue (ccxt.pro kucoin pointed at
 * the sim's KuCoin-dialect server on loopback) whose credentials come from environment variables,
 * and an API token. FMZ calls (keys in the request), MOV calls and REST (/metrics, /healthz) are made;
 * then SIGTERM. Every captured line — log files, stdout, stderr — is searched for every secret.
 */
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import { DEFAULT_MARKETS } from '../../src/venue/sim/default-markets.js';
import { SimEngine } from '../../src/venue/sim/engine.js';
import { startSimServer } from '../../src/venue/sim/server/index.js';
import { fmz, removeTempDirs, tempDir, until } from './support.js';

afterAll(() => removeTempDirs());

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SECRETS = {
  KC_KEY: 'kc-key-Qx81Lm',
  KC_SECRET: 'kc-secret-Zp02Rt',
  KC_PASS: 'kc-pass-Wv77Hb',
  DG_TOKEN: 'dg-token-Ns55Yc',
};
const FMZ_KEYS = { access_key: 'fmz-access-Jk93Uf', secret_key: 'fmz-secret-Bd41Oe' };

describe('serve never logs secrets', () => {
  it('ccxt venue with env credentials; FMZ with keys, MOV, REST; SIGTERM; no secret anywhere', async () => {
    const engine = new SimEngine({ markets: DEFAULT_MARKETS, clock: systemClock, seed: 5 });
    engine.createAccount('acct');
    engine.depositText('acct', 'USDT', '100000');
    engine.depositText('acct', 'BTC', '2');
    const srv = await startSimServer({
      engine,
      apiKeys: [{ key: SECRETS.KC_KEY, secret: SECRETS.KC_SECRET, passphrase: SECRETS.KC_PASS, accountId: 'acct' }],
    });
    const dir = tempDir('redact');
    const cfgFile = join(dir, 'serve.json');
    writeFileSync(
      cfgFile,
      JSON.stringify({
        dataDir: join(dir, 'data'),
        token: { env: 'DG_TOKEN' },
        venues: [
          {
            type: 'ccxt',
            name: 'kc',
            exchange: 'kucoin',
            url: srv.url,
            symbols: ['BTC-USDT'],
            credentials: { apiKey: { env: 'KC_KEY' }, secret: { env: 'KC_SECRET' }, password: { env: 'KC_PASS' } },
          },
        ],
        listeners: { fmz: { port: 0 }, dealer: { port: 0 }, l3rpc: { enabled: false }, http: { port: 0 } },
        logs: { stdout: true, level: 'debug' },
      }),
    );
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--config', cfgFile], {
      cwd: ROOT,
      env: { ...process.env, ...SECRETS },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    try {
      const listen = (name: string): string | undefined =>
        new RegExp(`listen ${name}\\s+(\\S+)[^\\n]*\\n`).exec(out)?.[1];
      await until(
        () => {
          if (child.exitCode !== null) throw new Error(`serve exited: ${err}`);
          return listen('metrics');
        },
        45_000,
        'serve summary',
      );
      const fmzUrl = listen('fmz') as string;
      const dealer = listen('dealer') as string;
      const metrics = listen('metrics') as string;
      const auth = { authorization: `Bearer ${SECRETS.DG_TOKEN}` };

      const t = await fmz(fmzUrl, 'ticker', { symbol: 'BTC_USDT' }, FMZ_KEYS, auth);
      expect(t.error, `ticker: ${JSON.stringify(t)}`).toBeUndefined();
      const trade = await fmz(
        fmzUrl,
        'trade',
        { symbol: 'BTC_USDT', type: 'buy', price: '50000', amount: '0.001' },
        FMZ_KEYS,
        auth,
      );
      expect(trade.error, `trade: ${JSON.stringify(trade)}`).toBeUndefined();
      expect((trade.data as { id: string }).id).toMatch(/^BTC-USDT,/);
      const acc = await fmz(fmzUrl, 'accounts', {}, FMZ_KEYS, auth);
      expect(acc.error, `accounts: ${JSON.stringify(acc)}`).toBeUndefined();
      // An error path carrying the keys in the method name.
      const bad = await fmz(fmzUrl, `nope-${FMZ_KEYS.secret_key}`, {}, FMZ_KEYS, auth);
      expect(bad.error).toBeDefined();
      expect(bad.error).not.toContain(FMZ_KEYS.secret_key);
      const refused = await fmz(fmzUrl, 'ticker', { symbol: 'BTC_USDT' }, FMZ_KEYS, { authorization: 'Bearer wrong' });
      expect(refused.error).toMatch(/DG_E_API_BAD_TOKEN/);

      const place = await fetch(`${dealer}/api/v1/place-order`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ symbol: 'BTC/USDT', side: 'sell', price: '90000', amount: '0.001' }),
      });
      expect(((await place.json()) as { code: number }).code).toBe(200);
      const depth = await fetch(`${dealer}/flashswap/v3/market-depth?symbol=BTC/USDT`);
      expect(((await depth.json()) as { code: number }).code).toBe(200);

      const m = await fetch(metrics, { headers: auth });
      expect(m.status).toBe(200);
      expect(await m.text()).toMatch(/deskgate_orders\{gateway="kc",state="open"\} 2/);
      // Native REST with the token: balances (venue + slots), an order through the kernel, a refusal.
      const rest = listen('http') as string;
      const bal = await fetch(`${rest}/balances`, { headers: auth });
      expect(bal.status).toBe(200);
      const order = await fetch(`${rest}/orders`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ symbol: 'BTC-USDT', side: 'buy', price: '49000', size: '0.001' }),
      });
      expect(order.status).toBe(201);
      expect(
        (await fetch(`${rest}/balances`, { headers: { authorization: `Bearer ${SECRETS.KC_SECRET}` } })).status,
      ).toBe(401);
    } finally {
      child.kill('SIGTERM');
    }
    const code = await exited;
    await srv.close();
    expect(code).toBe(0);
    expect(out).toMatch(/stopped \(journal closed\)/);

    const logDir = join(dir, 'data', 'logs');
    const files = readdirSync(logDir).map((f) => readFileSync(join(logDir, f), 'utf8'));
    const all = [out, err, ...files].join('\n');
    // The logs are not empty: the calls above are in them.
    expect(all).toMatch(/"msg":"fmz call"/);
    expect(all).toMatch(/place-order http=200/);
    expect(all).toMatch(/deskgate serve stopped/);
    // The last line before SIGTERM's close is in the file itself (flushed on close), not only on stdout.
    expect(files.join('\n')).toMatch(/"msg":"deskgate serve stopped"/);
    expect(readdirSync(logDir).every((f) => /^deskgate-\d{8}T\d{6}Z\.log$/.test(f))).toBe(true);
    for (const [name, value] of Object.entries({ ...SECRETS, ...FMZ_KEYS })) {
      const lines = all.split('\n').filter((l) => l.includes(value));
      expect(lines, `${name} leaked`).toEqual([]);
    }
  }, 90_000);
});
