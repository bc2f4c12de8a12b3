/** `replyTo` per transport: Redis accepts only `deskgate:reply:` keys, NATS only `_INBOX.` subjects. */
import { describe, expect, it } from 'vitest';
import { parseRequest } from '../../src/bus/wire.js';

const req = (replyTo: string): string => JSON.stringify({ v: 1, id: 'r1', cmd: 'allocate', replyTo });

describe('replyTo by transport', () => {
  it('NATS accepts inbox subjects and refuses anything else, keeping the id for an error reply', () => {
    expect(parseRequest(req('_INBOX.abcdefgh12345678'), 'nats')).toMatchObject({ ok: true });
    expect(parseRequest(req('_INBOX.abcdefgh.r1'), 'nats')).toMatchObject({ ok: true });
    for (const bad of [
      'deskgate:reply:abcdefgh',
      'deskgate.gw.cmd',
      '_INBOX.>',
      '_INBOX.abc*defgh',
      '_INBOX.ab',
      '_INBOX.abcdefgh..x',
    ])
      expect(parseRequest(req(bad), 'nats')).toMatchObject({
        ok: false,
        id: 'r1',
        replyTo: undefined,
        error: { code: 'DG_E_BUS_BAD_REQUEST' },
      });
    // A malformed request still tells where to answer when its inbox is usable.
    expect(parseRequest(JSON.stringify({ v: 1, id: 'r2', cmd: 42, replyTo: '_INBOX.abcdefgh' }), 'nats')).toMatchObject(
      {
        ok: false,
        id: 'r2',
        replyTo: '_INBOX.abcdefgh',
      },
    );
  });

  it('Redis (the default) still refuses an inbox subject', () => {
    expect(parseRequest(req('_INBOX.abcdefgh12345678'))).toMatchObject({ ok: false, replyTo: undefined });
    expect(parseRequest(req('deskgate:reply:abcdefgh'))).toMatchObject({ ok: true });
  });
});
