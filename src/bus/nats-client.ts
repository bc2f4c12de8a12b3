/**
 * NATS command client.
 *
 * Default (`delivery: 'queue'`), at least once: subscribe to a fresh `_INBOX.` subject, publish the
 * request (with that `replyTo` and the request id as `Nats-Msg-Id`) through JetStream on
 * `deskgate.<gateway>.cmdq`, and wait for the reply with the request's id. The stream keeps the
 * request while the gateway is down or restarting; the gateway answers it when it takes it (past
 * the deadline = now + timeout: DG_E_BUS_EXPIRED, not run). No reply in time ⇒ DG_E_BUS_TIMEOUT
 * (outcome unknown: retry with the same `key`, or query). If the gateway has no command stream
 * (never served one, or serves without JetStream) the client falls back to plain request/reply.
 *
 * `delivery: 'request'`, at most once: a NATS request on `deskgate.<gateway>.cmd`; no responder ⇒
 * DG_E_BUS_NO_GATEWAY at once, no reply in time ⇒ DG_E_BUS_TIMEOUT.
 */
import { randomUUID } from 'node:crypto';
import { createInbox, ErrorCode, type JetStreamClient, type NatsConnection } from 'nats';
import { systemClock, type Clock } from '../core/clock.js';
import { asDeskgateError, dgError, isDeskgateError, type DeskgateError } from '../core/errors.js';
import type { CommandClient, SendOptions } from './bus.js';
import { checkGateway, natsNames } from './names.js';
import { DEFAULT_NATS_SERVERS, openNats } from './nats-connect.js';
import { errorReply, parseReply, WIRE_VERSION, type CommandReply } from './wire.js';

export interface NatsClientOptions {
  readonly servers?: string | string[];
  readonly clock?: Clock;
  /** 'queue' (default): JetStream command queue, falling back to 'request' when there is none. */
  readonly delivery?: 'queue' | 'request';
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export class NatsCommandClient implements CommandClient {
  readonly transport = 'nats' as const;
  private readonly js: JetStreamClient;
  private constructor(
    private readonly nc: NatsConnection,
    private readonly clock: Clock,
    private readonly delivery: 'queue' | 'request',
  ) {
    this.js = nc.jetstream();
  }

  static async connect(opts: NatsClientOptions = {}): Promise<NatsCommandClient> {
    return new NatsCommandClient(
      await openNats(opts.servers ?? DEFAULT_NATS_SERVERS, 'deskgate-client'),
      opts.clock ?? systemClock,
      opts.delivery ?? 'queue',
    );
  }

  async sendCommand(gateway: string, cmd: string, payload?: unknown, opts: SendOptions = {}): Promise<CommandReply> {
    const id = randomUUID();
    try {
      checkGateway(gateway);
    } catch (e) {
      return errorReply(id, asDeskgateError(e));
    }
    const timeoutMs = opts.timeoutMs ?? 5000;
    const started = Date.now();
    const replyTo = createInbox();
    const request = {
      v: WIRE_VERSION,
      id,
      cmd,
      payload: payload ?? null,
      key: opts.key,
      deadline: this.clock.now() + timeoutMs,
    };
    if (this.delivery === 'queue') {
      const r = await this.viaQueue(gateway, cmd, id, JSON.stringify({ ...request, replyTo }), replyTo, timeoutMs);
      if (r !== 'no-queue') return r;
    }
    // Plain request/reply answers the message's reply subject: no replyTo in the body.
    const waitMs = Math.max(timeoutMs - (Date.now() - started), 1);
    return this.viaRequest(gateway, cmd, id, JSON.stringify(request), waitMs, timeoutMs);
  }

  private async viaQueue(
    gateway: string,
    cmd: string,
    id: string,
    json: string,
    replyTo: string,
    timeoutMs: number,
  ): Promise<CommandReply | 'no-queue'> {
    let settle!: (r: CommandReply) => void;
    const answered = new Promise<CommandReply>((resolve) => (settle = resolve));
    let badReply: DeskgateError | undefined;
    // Subscribed before the publish on the same connection: the server has it before any reply.
    const sub = this.nc.subscribe(replyTo, {
      callback: (err, m) => {
        if (err) return;
        const r = parseReply(m.data);
        if (isDeskgateError(r)) badReply = r;
        else if (r.id === id) settle(r); // a re-delivered request may be answered twice: first wins
      },
    });
    const timer = setTimeout(
      () =>
        settle(
          errorReply(
            id,
            badReply ??
              dgError(
                'DG_E_BUS_TIMEOUT',
                `${gateway} ${cmd} after ${timeoutMs} ms (queued; not run after its deadline, outcome unknown: retry with the same key)`,
              ),
          ),
        ),
      timeoutMs,
    );
    try {
      try {
        await this.js.publish(natsNames.cmdQueue(gateway), json, { msgID: id, timeout: timeoutMs });
      } catch (e) {
        if ((e as { code?: unknown }).code === ErrorCode.NoResponders) return 'no-queue';
        if ((e as { code?: unknown }).code === ErrorCode.Timeout)
          return errorReply(id, dgError('DG_E_BUS_TIMEOUT', `${gateway} ${cmd}: not stored after ${timeoutMs} ms`));
        return errorReply(id, dgError('DG_E_BUS_UNAVAILABLE', `jetstream publish: ${message(e)}`));
      }
      return await answered;
    } finally {
      clearTimeout(timer);
      sub.unsubscribe();
    }
  }

  private async viaRequest(
    gateway: string,
    cmd: string,
    id: string,
    json: string,
    waitMs: number,
    timeoutMs: number,
  ): Promise<CommandReply> {
    try {
      const m = await this.nc.request(natsNames.cmd(gateway), json, { timeout: waitMs });
      const r = parseReply(m.data);
      if (isDeskgateError(r)) return errorReply(id, r);
      if (r.id !== id) return errorReply(id, dgError('DG_E_BUS_BAD_REPLY', 'reply id does not match'));
      return r;
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      if (code === ErrorCode.NoResponders) return errorReply(id, dgError('DG_E_BUS_NO_GATEWAY', gateway));
      if (code === ErrorCode.Timeout)
        return errorReply(id, dgError('DG_E_BUS_TIMEOUT', `${gateway} ${cmd} after ${timeoutMs} ms`));
      return errorReply(id, dgError('DG_E_BUS_UNAVAILABLE', message(e)));
    }
  }

  async close(): Promise<void> {
    await this.nc.drain().catch(() => this.nc.close());
  }
}
