/**
 * Idempotent starts of parent orders: the client key (body `clientAlgoId`, header
 * `Idempotency-Key`) over real loopback HTTP, the service and the CLI. A repeated start with its key
 * returns the same parent (REST 200, the first stays 201) even when the first start's funds are
 * committed, across a restart over the same journal and after a compaction; another request under
 * the key is DG_E_ALGO_KEY_CONFLICT (409); malformed or disagreeing keys are 400; a version-1 algo
 * journal (no keys) stays readable and a newer one is refused.
 */
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { AlgoStore, type StoredRequest } from '../../../src/algo/service/algo-store.js';
import { startHttpApi, type HttpApi } from '../../../src/api/http/server.js';
import { registerAlgoCommand } from '../../../src/cli/algo-command.js';
import { ManualClock } from '../../../src/core/clock.js';
import { Journal } from '../../../src/store/journal.js';
import { call } from '../../api/http-support.js';
import {
  bootGateway,
  closeLeftovers,
  GW,
  makeMarket,
  removeTempDirs,
  run,
  T0,
  tempDir,
  type Gateway,
} from './support.js';

const open: Gateway[] = [];
const apis: HttpApi[] = [];
afterEach(async () => {
  for (const a of apis.splice(0)) await a.close();
  for (const g of open.splice(0)) await g.drop();
});
afterAll(() => {
  closeLeftovers();
  removeTempDirs();
});

interface View {
  id: number;
  status: string;
  size: string;
  clientAlgoId: string | null;
}
interface Problem {
  code: string;
  detail?: string;
}

const twap = {
  symbol: 'BTC-USDT',
  side: 'buy',
  size: '0.02',
  mode: 'progressive',
  duration: '5m',
  seed: 9,
  params: { roundMinMs: 1000, roundMaxMs: 2000 },
};

async function boot(tag: string, seed = 51): Promise<{ g: Gateway; m: ReturnType<typeof makeMarket>; dir: string }> {
  const m = makeMarket(seed, 31 * 60_000);
  const dir = tempDir(tag);
  const g = await bootGateway(m, dir, { fund: true });
  open.push(g);
  return { g, m, dir };
}

async function api(g: Gateway, m: ReturnType<typeof makeMarket>): Promise<string> {
  const a = await startHttpApi({ port: g.port, algos: g.service, clock: m.clock });
  apis.push(a);
  return a.url;
}

describe('idempotent algo start over REST', () => {
  it('a retry with the same key answers 200 with the same parent; the first start is 201', async () => {
    const { g, m } = await boot('retry');
    const url = await api(g, m);
    const first = await call<View>(url, 'POST', '/v1/algos', { ...twap, clientAlgoId: 'desk1:twap-0001' });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ id: 1, status: 'running', clientAlgoId: 'desk1:twap-0001' });

    await run(m, g, 3_000); // the parent has worked a while: the retry still finds it
    const again = await call<View>(url, 'POST', '/v1/algos', { ...twap, clientAlgoId: 'desk1:twap-0001' });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ id: 1, clientAlgoId: 'desk1:twap-0001' });
    // The header alone is the same key; the same size written differently and params in another
    // key order are the same request.
    const viaHeader = await call<View>(
      url,
      'POST',
      '/v1/algos',
      { ...twap, size: '0.020', params: { roundMaxMs: 2000, roundMinMs: 1000 } },
      { 'Idempotency-Key': 'desk1:twap-0001' },
    );
    expect(viaHeader.status).toBe(200);
    expect(viaHeader.body.id).toBe(1);
    const both = await call<View>(
      url,
      'POST',
      '/v1/algos',
      { ...twap, clientAlgoId: 'desk1:twap-0001' },
      {
        'idempotency-key': 'desk1:twap-0001',
      },
    );
    expect(both.status).toBe(200);

    const list = await call<View[]>(url, 'GET', '/v1/algos');
    expect(list.body.map((v) => v.id)).toEqual([1]);
    expect(g.service.list()).toHaveLength(1);
  }, 60_000);

  it('the same key with other parameters is 409 DG_E_ALGO_KEY_CONFLICT and starts nothing', async () => {
    const { g, m } = await boot('conflict');
    const url = await api(g, m);
    expect((await call(url, 'POST', '/v1/algos', { ...twap, clientAlgoId: 'k-1' })).status).toBe(201);
    const changes: [Record<string, unknown>, RegExp][] = [
      [{ size: '0.03' }, /size differs/],
      [{ side: 'sell' }, /side differs/],
      [{ duration: '6m' }, /duration differs/],
      [{ seed: 10 }, /seed differs/],
      [{ params: { roundMinMs: 1000, roundMaxMs: 3000 } }, /params differs/],
      [{ mode: 'aggressive' }, /mode differs/],
    ];
    for (const [change, detail] of changes) {
      const r = await call<Problem>(url, 'POST', '/v1/algos', { ...twap, ...change, clientAlgoId: 'k-1' });
      expect(r.status, JSON.stringify(change)).toBe(409);
      expect(r.body.code).toBe('DG_E_ALGO_KEY_CONFLICT');
      expect(r.body.detail).toMatch(/clientAlgoId k-1 started algo 1/);
      expect(r.body.detail).toMatch(detail);
    }
    expect(g.service.list().map((v) => v.id)).toEqual([1]);
  }, 60_000);

  it('a header key that differs from the body key is 400; malformed keys are 400', async () => {
    const { g, m } = await boot('badkey');
    const url = await api(g, m);
    const mismatch = await call<Problem>(
      url,
      'POST',
      '/v1/algos',
      { ...twap, clientAlgoId: 'a-1' },
      {
        'Idempotency-Key': 'a-2',
      },
    );
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.code).toBe('DG_E_ALGO_BAD_PARAMS');
    expect(mismatch.body.detail).toMatch(/differs from the Idempotency-Key header/);

    for (const bad of ['', 'x'.repeat(65), 'has space', 'slash/no', 'ünïcode']) {
      const body = await call<Problem>(url, 'POST', '/v1/algos', { ...twap, clientAlgoId: bad });
      expect(body.status, bad).toBe(400);
      expect(body.body.code).toBe('DG_E_API_BAD_REQUEST');
      expect(body.body.detail).toMatch(/clientAlgoId/);
    }
    for (const bad of ['x'.repeat(65), 'has space', 'a,b']) {
      const header = await call<Problem>(url, 'POST', '/v1/algos', twap, { 'Idempotency-Key': bad });
      expect(header.status, bad).toBe(400);
      expect(header.body.code).toBe('DG_E_API_BAD_REQUEST');
      expect(header.body.detail).toMatch(/idempotency-key/);
    }
    // The same rules when the service is called directly (CLI, other in-process callers).
    const direct = await g.service.start({ ...twap, clientAlgoId: 'no way' });
    expect(!direct.ok && direct.error.code).toBe('DG_E_ALGO_BAD_PARAMS');
    const directHeader = await g.service.start(twap, { idempotencyKey: 'x'.repeat(65) });
    expect(!directHeader.ok && directHeader.error.code).toBe('DG_E_ALGO_BAD_PARAMS');
    const directBoth = await g.service.start({ ...twap, clientAlgoId: 'a' }, { idempotencyKey: 'b' });
    expect(!directBoth.ok && directBoth.error.code).toBe('DG_E_ALGO_BAD_PARAMS');
    expect(g.service.list()).toHaveLength(0);
    // A 64-character key with every allowed kind of character is fine.
    const longest = `Az09_.:-${'k'.repeat(56)}`;
    expect((await call(url, 'POST', '/v1/algos', { ...twap, clientAlgoId: longest })).status).toBe(201);
  }, 60_000);

  it('two different keys start two parents; GET ?clientAlgoId= finds each; no key starts every time', async () => {
    const { g, m } = await boot('twokeys');
    const url = await api(g, m);
    const a = await call<View>(url, 'POST', '/v1/algos', { ...twap, clientAlgoId: 'key-a' });
    const b = await call<View>(url, 'POST', '/v1/algos', twap, { 'Idempotency-Key': 'key-b' });
    expect([a.status, b.status]).toEqual([201, 201]);
    expect([a.body.id, b.body.id]).toEqual([1, 2]);
    expect(b.body.clientAlgoId).toBe('key-b');
    const c = await call<View>(url, 'POST', '/v1/algos', twap);
    const d = await call<View>(url, 'POST', '/v1/algos', twap);
    expect([c.status, d.status, c.body.id, d.body.id]).toEqual([201, 201, 3, 4]);
    expect(c.body.clientAlgoId).toBeNull();

    const onlyB = await call<View[]>(url, 'GET', '/v1/algos?clientAlgoId=key-b');
    expect(onlyB.body.map((v) => v.id)).toEqual([2]);
    expect((await call<View[]>(url, 'GET', '/v1/algos?clientAlgoId=nobody')).body).toEqual([]);
    expect((await call<View[]>(url, 'GET', '/v1/algos')).body).toHaveLength(4);
    expect((await call(url, 'GET', '/v1/algos?clientAlgoId=bad%20key')).status).toBe(400);
  }, 60_000);

  it('a retry is answered after the first start has committed the funds a second parent would need', async () => {
    const { g } = await boot('funds');
    const big = { ...twap, side: 'sell', size: '1.5' }; // the slot holds 2 BTC
    const first = await g.service.submit({ ...big, clientAlgoId: 'big-1' });
    expect(first.ok && first.value.created).toBe(true);
    const other = await g.service.submit({ ...big, clientAlgoId: 'big-2' });
    expect(!other.ok && other.error.code).toBe('DG_E_LEDGER_INSUFFICIENT');
    const retry = await g.service.submit({ ...big, clientAlgoId: 'big-1' });
    expect(retry.ok && retry.value).toMatchObject({ created: false, view: { id: 1, clientAlgoId: 'big-1' } });
  }, 60_000);

  it('concurrent starts with one key start one parent', async () => {
    const { g } = await boot('race');
    const rs = await Promise.all([1, 2, 3].map(() => g.service.submit({ ...twap, clientAlgoId: 'same' })));
    const outcomes = rs.map((r) => (r.ok ? [r.value.view.id, r.value.created] : r.error.code));
    expect(outcomes).toEqual([
      [1, true],
      [1, false],
      [1, false],
    ]);
    expect(g.service.list()).toHaveLength(1);
  }, 60_000);

  it('documents the header, the 200 and the 409 in OpenAPI', async () => {
    const { g, m } = await boot('openapi');
    const a = await startHttpApi({ port: g.port, algos: g.service, clock: m.clock });
    apis.push(a);
    const doc = a.openapi as {
      paths: Record<string, Record<string, { parameters: { name: string; in: string }[]; responses: object }>>;
    };
    const post = doc.paths['/v1/algos']!.post!;
    expect(post.parameters).toContainEqual(expect.objectContaining({ name: 'idempotency-key', in: 'header' }));
    expect(Object.keys(post.responses)).toEqual(expect.arrayContaining(['200', '201', '409']));
    expect(JSON.stringify(post.responses)).toMatch(/DG_E_ALGO_KEY_CONFLICT/);
    expect(doc.paths['/v1/algos']!.get!.parameters).toContainEqual(
      expect.objectContaining({ name: 'clientAlgoId', in: 'query' }),
    );
  }, 60_000);
});

describe('the key is kept in the algo journal', () => {
  it('survives a restart of the service over the same journal (orderly and crash)', async () => {
    const m = makeMarket(53, 31 * 60_000);
    const dir = tempDir('restart');
    let g = await bootGateway(m, dir, { fund: true });
    const first = await g.service.submit({ ...twap, clientAlgoId: 'survivor' });
    expect(first.ok && first.value.created).toBe(true);
    await run(m, g, 2_000);
    await g.drop();

    g = await bootGateway(m, dir);
    const again = await g.service.submit({ ...twap, clientAlgoId: 'survivor' });
    expect(again.ok && again.value).toMatchObject({ created: false, view: { id: 1, clientAlgoId: 'survivor' } });
    const conflict = await g.service.submit({ ...twap, size: '0.01', clientAlgoId: 'survivor' });
    expect(!conflict.ok && conflict.error.code).toBe('DG_E_ALGO_KEY_CONFLICT');
    const next = await g.service.submit({ ...twap, clientAlgoId: 'second' });
    expect(next.ok && next.value.view.id).toBe(2);
    await g.crash();

    g = await bootGateway(m, dir);
    open.push(g);
    for (const [key, id] of [
      ['survivor', 1],
      ['second', 2],
    ] as const) {
      const r = await g.service.submit({ ...twap, clientAlgoId: key });
      expect(r.ok && r.value).toMatchObject({ created: false, view: { id, clientAlgoId: key } });
    }
    expect(g.service.list().map((v) => v.id)).toEqual([1, 2]);
    // Finished parents are still known to the journal: the key still answers with them.
    expect((await g.service.cancel(1)).ok).toBe(true);
    const ended = await g.service.submit({ ...twap, clientAlgoId: 'survivor' });
    expect(ended.ok && ended.value).toMatchObject({ created: false, view: { id: 1, status: 'cancelled' } });
  }, 60_000);
});

describe('algo journal versions', () => {
  const request: StoredRequest = {
    strategy: 'algo',
    symbol: 'BTC/USDT',
    side: 'buy',
    size: '0.1',
    mode: 'progressive',
    params: {},
  };
  const start = { strategy: 'algo', symbol: 'BTC/USDT', request, spec: {} as never, createdAt: T0 };

  function journal(dir: string): Journal {
    return new Journal({ file: join(dir, `${GW}-algos.db`), clock: new ManualClock(T0) });
  }

  it('keeps keys through a compaction; the file also refuses a second start with a key', () => {
    const dir = tempDir('compact');
    const j = journal(dir);
    const s = new AlgoStore(j);
    s.load();
    s.start({ ...start, clientAlgoId: 'kept' });
    s.start(start);
    expect(() => s.start({ ...start, clientAlgoId: 'kept' })).toThrow(/DUPLICATE_KEY|idempotency key/);
    s.compact();
    j.close();

    const j2 = journal(dir);
    const s2 = new AlgoStore(j2);
    s2.load();
    expect(s2.byKey('kept')?.id).toBe(1);
    expect(s2.parents.get(2)?.clientAlgoId).toBeUndefined();
    expect(s2.peekId()).toBe(3);
    j2.close();
  });

  it('reads a version-1 file (no keys) and refuses a snapshot newer than it knows', () => {
    const dir = tempDir('v1');
    const j = journal(dir);
    // What a version-1 build wrote: a compaction without keys, then a start entry.
    j.snapshot('algos', {
      version: 1,
      nextId: 2,
      parents: [
        {
          id: 1,
          strategy: 'algo',
          symbol: 'BTC/USDT',
          request,
          spec: {},
          createdAt: T0,
          runner: undefined,
          children: [],
        },
      ],
    });
    j.append({ kind: 'evt', type: 'start', payload: { id: 2, ...start } });
    const s = new AlgoStore(j);
    expect(s.load().entries).toBe(1);
    expect([...s.parents.keys()]).toEqual([1, 2]);
    expect(s.parents.get(1)?.clientAlgoId).toBeUndefined();
    expect(s.byKey('anything')).toBeUndefined();
    s.start({ ...start, clientAlgoId: 'new' });
    s.compact();
    j.snapshot('algos', { version: 99, nextId: 1, parents: [] });
    expect(() => new AlgoStore(j).load()).toThrow(/version 99/);
    j.close();
  });
});

async function cli(url: string, args: string[]): Promise<string> {
  let out = '';
  const program = new Command().exitOverride();
  program.configureOutput({ writeErr: () => undefined });
  registerAlgoCommand(program, { out: (t) => (out += t), env: {} });
  await program.parseAsync(['node', 'deskgate', 'algo', ...args, '--url', url]);
  return out;
}

describe('deskgate algo start --client-id', () => {
  it('passes the key through, makes one per invocation by default, and rejects a malformed one', async () => {
    const { g, m } = await boot('cli');
    const url = await api(g, m);
    const args = [
      'start',
      '--symbol',
      'BTC-USDT',
      '--side',
      'buy',
      '--size',
      '0.02',
      '--mode',
      'passive',
      '--duration',
      '10m',
    ];
    const first = JSON.parse(await cli(url, [...args, '--client-id', 'ops-7', '--json'])) as View;
    expect(first).toMatchObject({ id: 1, clientAlgoId: 'ops-7' });
    const again = await cli(url, [...args, '--client-id', 'ops-7']);
    expect(again).toMatch(/^already started with client id ops-7:\n#1 passive buy 0\.02 /);
    expect(again).toMatch(/\| client id ops-7\n/);
    await expect(cli(url, [...args.slice(0, -1), '20m', '--client-id', 'ops-7'])).rejects.toThrow(
      /DG_E_ALGO_KEY_CONFLICT/,
    );

    const a = JSON.parse(await cli(url, [...args, '--json'])) as View;
    const b = JSON.parse(await cli(url, [...args, '--json'])) as View;
    expect([a.id, b.id]).toEqual([2, 3]);
    expect(a.clientAlgoId).toMatch(/^cli-[0-9a-f-]{36}$/);
    expect(b.clientAlgoId).not.toBe(a.clientAlgoId);

    await expect(cli(url, [...args, '--client-id', 'bad key'])).rejects.toThrow(/1 to 64 characters/);
    expect(g.service.list()).toHaveLength(3);
  }, 60_000);
});

/**
 * A loopback TCP proxy to the API that forwards the first connection's request but drops its answer
 * (closes the client socket when the answer arrives): the start happened, the client never hears.
 */
async function answerLosingProxy(
  target: string,
): Promise<{ url: string; connections: () => number; close: () => Promise<void> }> {
  const { port } = new URL(target);
  let n = 0;
  const sockets: Socket[] = [];
  const server: Server = createServer((client) => {
    const first = n++ === 0;
    const upstream = connect(Number(port), '127.0.0.1');
    sockets.push(client, upstream);
    client.pipe(upstream);
    if (first) upstream.once('data', () => client.destroy());
    else upstream.pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connections: () => n,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

describe('deskgate algo start: the resend after a lost answer', () => {
  it('sends again with the same generated key and gets the parent it started, not a second one', async () => {
    const { g, m } = await boot('resend');
    const proxy = await answerLosingProxy(await api(g, m));
    try {
      const out = await cli(proxy.url, [
        'start',
        '--symbol',
        'BTC-USDT',
        '--side',
        'buy',
        '--size',
        '0.02',
        '--mode',
        'passive',
        '--duration',
        '10m',
      ]);
      expect(proxy.connections()).toBe(2);
      expect(out).toMatch(/^already started with client id cli-[0-9a-f-]{36}:\n#1 /);
      expect(g.service.list().map((v) => v.id)).toEqual([1]);
    } finally {
      await proxy.close();
    }
  }, 60_000);
});
