/**
 * Strategy side (S4.6): `sendCommand("kraken_gateway", "allocate", payload)` over Redis or NATS.
 *
 *   const client = await connectCommandClient({ transport: 'nats' });
 *   const r = await client.sendCommand('kraken_gateway', 'allocate', { strategy: 'a', currency: 'usd', amount: '100', index: 2 });
 *   if (!r.ok) console.error(r.code, r.message);   // e.g. DG_E_BUS_TIMEOUT
 */
import type { CommandClient } from './bus.js';
import { NatsCommandClient, type NatsClientOptions } from './nats-client.js';
import { RedisCommandClient, type RedisClientOptions } from './redis-client.js';

export type { CommandClient, SendOptions } from './bus.js';
export type { CommandReply } from './wire.js';

export type ClientTarget =
  ({ readonly transport: 'redis' } & RedisClientOptions) | ({ readonly transport: 'nats' } & NatsClientOptions);

export async function connectCommandClient(target: ClientTarget): Promise<CommandClient> {
  return target.transport === 'redis' ? RedisCommandClient.connect(target) : NatsCommandClient.connect(target);
}
