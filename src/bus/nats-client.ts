/** NATS command client: a NATS request on `deskgate.<gateway>.cmd`; no responder ⇒ DG_E_BUS_NO_GATEWAY, no reply in time ⇒ DG_E_BUS_TIMEOUT. */
import { randomUUID } from 'node:crypto';
import { ErrorCode, type NatsConnection } from 'nats';
import { systemClock, type Clock } from '../core/clock.js';
import { asDeskgateError, dgError, isDeskgateError } from '../core/errors.js';
import type { CommandClient, SendOptions } from './bus.js';
import { checkGateway, natsNames } from './names.js';
import { DEFAULT_NATS_SERVERS, openNats } from './nats-connect.js';
import { errorReply, parseReply, WIRE_VERSION, type CommandReply } from './wire.js';

export interface NatsClientOptions {
  readonly servers?: string | string[];
  readonly clock?: Clock;
}

export class NatsCommandClient implements CommandClient {
  readonly transport = 'nats' as const;
  private constructor(
    private readonly nc: NatsConnection,
    private readonly clock: Clock,
  ) {}

  static async connect(opts: NatsClientOptions = {}): Promise<NatsCommandClient> {
    return new NatsCommandClient(
      await openNats(opts.servers ?? DEFAULT_NATS_SERVERS, 'deskgate-client'),
      opts.clock ?? systemClock,
    );
  }

  async sendCommand(gateway: string, cmd: string, payload?: unknown, opts: SendOptions = {}): Promise<CommandReply> {
    const id = randomUUID();
    let subject: string;
    try {
      subject = natsNames.cmd(checkGateway(gateway));
    } catch (e) {
      return errorReply(id, asDeskgateError(e));
    }
    const timeoutMs = opts.timeoutMs ?? 5000;
    const json = JSON.stringify({
      v: WIRE_VERSION,
      id,
      cmd,
      payload: payload ?? null,
      key: opts.key,
      deadline: this.clock.now() + timeoutMs,
    });
    try {
      const m = await this.nc.request(subject, json, { timeout: timeoutMs });
      const r = parseReply(m.data);
      if (isDeskgateError(r)) return errorReply(id, r);
      if (r.id !== id) return errorReply(id, dgError('DG_E_BUS_BAD_REPLY', 'reply id does not match'));
      return r;
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      if (code === ErrorCode.NoResponders) return errorReply(id, dgError('DG_E_BUS_NO_GATEWAY', gateway));
      if (code === ErrorCode.Timeout)
        return errorReply(id, dgError('DG_E_BUS_TIMEOUT', `${gateway} ${cmd} after ${timeoutMs} ms`));
      return errorReply(id, dgError('DG_E_BUS_UNAVAILABLE', e instanceof Error ? e.message : String(e)));
    }
  }

  async close(): Promise<void> {
    await this.nc.drain().catch(() => this.nc.close());
  }
}
