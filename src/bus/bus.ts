/** The Bus: events out, commands in, for one named gateway, over any transport. */
import type { CommandHandler } from './commands.js';
import type { BusEvent, CommandReply } from './wire.js';

export type Transport = 'local' | 'redis' | 'nats';

export interface EventInput {
  /** 'order' | 'fill' | 'balance' | 'book' or another lower-case word. */
  readonly type: string;
  readonly data: unknown;
  /** Unique id (JetStream de-duplicates on it); generated when absent. */
  readonly id?: string;
}

export interface Subscription {
  close(): Promise<void>;
}

export interface Bus {
  readonly transport: Transport;
  readonly gateway: string;
  /** Publish one event of this gateway. Resolves once the transport accepted it (JetStream: once stored). */
  publish(event: EventInput): Promise<void>;
  /** Receive this gateway's events: all ('*') or the listed types. Malformed events are counted and dropped. */
  subscribe(types: readonly string[] | '*', onEvent: (event: BusEvent) => void): Promise<Subscription>;
  /** Serve this gateway's commands with request/reply. One server per gateway and transport. */
  serveCommands(handler: CommandHandler): Promise<Subscription>;
  close(): Promise<void>;
}

export interface SendOptions {
  /** Give up after this long ⇒ DG_E_BUS_TIMEOUT. Default 5000. Also sent as the command's deadline. */
  readonly timeoutMs?: number;
  /** Idempotency key, stable across retries of the same command. */
  readonly key?: string;
}

/** The strategy side: `sendCommand("kraken_gateway", "allocate", payload)` (S4.6). Errors come back as values. */
export interface CommandClient {
  readonly transport: Transport;
  sendCommand(gateway: string, cmd: string, payload?: unknown, opts?: SendOptions): Promise<CommandReply>;
  close(): Promise<void>;
}
