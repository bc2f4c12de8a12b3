/**
 * In-process bus: the embedded default and the test transport. Events and commands go through
 * the same JSON encoding and validation as Redis and NATS, so behaviour matches the real buses.
 */
import { randomUUID } from 'node:crypto';
import { systemClock, type Clock } from '../core/clock.js';
import { asDeskgateError, dgError, ErrorCounter } from '../core/errors.js';
import type { Bus, CommandClient, EventInput, SendOptions, Subscription } from './bus.js';
import { runRequest, SerialQueue, type CommandHandler } from './commands.js';
import { buildEvent, deliverSafely } from './event-build.js';
import { checkEventType, checkGateway } from './names.js';
import { errorReply, parseEvent, parseRequest, WIRE_VERSION, type BusEvent, type CommandReply } from './wire.js';

type Listener = (json: string) => void;

/** A process-wide exchange point; buses and clients on the same hub see each other. */
export class LocalHub {
  readonly errors = new ErrorCounter();
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly servers = new Map<string, (json: string) => Promise<CommandReply>>();

  constructor(readonly clock: Clock = systemClock) {}

  bus(gateway: string): LocalBus {
    return new LocalBus(this, checkGateway(gateway));
  }

  client(): CommandClient {
    return new LocalCommandClient(this);
  }

  /** @internal */ emit(gateway: string, json: string): void {
    const set = this.listeners.get(gateway);
    if (!set) return;
    for (const l of [...set]) queueMicrotask(() => l(json));
  }

  /** @internal */ listen(gateway: string, l: Listener): () => void {
    let set = this.listeners.get(gateway);
    if (!set) this.listeners.set(gateway, (set = new Set()));
    set.add(l);
    return () => set.delete(l);
  }

  /** @internal */ serve(gateway: string, fn: (json: string) => Promise<CommandReply>): () => void {
    if (this.servers.has(gateway))
      throw dgError('DG_E_BAD_CONFIG', `gateway ${gateway} already serves commands on this hub`);
    this.servers.set(gateway, fn);
    return () => {
      if (this.servers.get(gateway) === fn) this.servers.delete(gateway);
    };
  }

  /** @internal */ server(gateway: string): ((json: string) => Promise<CommandReply>) | undefined {
    return this.servers.get(gateway);
  }
}

export class LocalBus implements Bus {
  readonly transport = 'local' as const;
  private readonly closers = new Set<() => void>();

  constructor(
    private readonly hub: LocalHub,
    readonly gateway: string,
  ) {}

  async publish(input: EventInput): Promise<void> {
    const { json } = buildEvent(this.gateway, input, this.hub.clock);
    this.hub.emit(this.gateway, json);
  }

  async subscribe(types: readonly string[] | '*', onEvent: (event: BusEvent) => void): Promise<Subscription> {
    const wanted = types === '*' ? undefined : new Set(types.map(checkEventType));
    const off = this.hub.listen(this.gateway, (json) => {
      const e = parseEvent(json);
      if (!e) return this.hub.errors.record(dgError('DG_E_BUS_BAD_REQUEST', 'malformed event'));
      if (!wanted || wanted.has(e.type)) deliverSafely(onEvent, e, this.hub.errors);
    });
    return this.track(off);
  }

  async serveCommands(handler: CommandHandler): Promise<Subscription> {
    const queue = new SerialQueue();
    const off = this.hub.serve(this.gateway, (json) => {
      let reply!: CommandReply;
      return queue
        .push(async () => {
          const p = parseRequest(json);
          if (!p.ok) {
            this.hub.errors.record(p.error);
            reply = errorReply(p.id ?? '', p.error);
            return;
          }
          reply = await runRequest(p.request, handler, { gateway: this.gateway, transport: 'local' }, this.hub.clock);
        })
        .then(() => reply);
    });
    return this.track(off);
  }

  private track(off: () => void): Subscription {
    this.closers.add(off);
    return {
      close: async () => {
        off();
        this.closers.delete(off);
      },
    };
  }

  async close(): Promise<void> {
    for (const off of this.closers) off();
    this.closers.clear();
  }
}

class LocalCommandClient implements CommandClient {
  readonly transport = 'local' as const;
  constructor(private readonly hub: LocalHub) {}

  async sendCommand(gateway: string, cmd: string, payload?: unknown, opts: SendOptions = {}): Promise<CommandReply> {
    const id = randomUUID();
    try {
      checkGateway(gateway);
    } catch (e) {
      return errorReply(id, asDeskgateError(e));
    }
    const timeoutMs = opts.timeoutMs ?? 5000;
    const server = this.hub.server(gateway);
    if (!server) return errorReply(id, dgError('DG_E_BUS_NO_GATEWAY', gateway));
    const json = JSON.stringify({
      v: WIRE_VERSION,
      id,
      cmd,
      payload,
      key: opts.key,
      deadline: this.hub.clock.now() + timeoutMs,
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<CommandReply>((resolve) => {
      timer = setTimeout(
        () => resolve(errorReply(id, dgError('DG_E_BUS_TIMEOUT', `${gateway} ${cmd} after ${timeoutMs} ms`))),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([server(json), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {}
}
