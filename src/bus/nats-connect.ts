/** Open a NATS connection or fail with DG_E_BUS_UNAVAILABLE. */
import { connect, type NatsConnection } from 'nats';
import { dgError } from '../core/errors.js';

export const DEFAULT_NATS_SERVERS = '127.0.0.1:4222';

export async function openNats(
  servers: string | string[] = DEFAULT_NATS_SERVERS,
  name = 'deskgate',
): Promise<NatsConnection> {
  try {
    return await connect({ servers, name, timeout: 3000 });
  } catch (e) {
    throw dgError('DG_E_BUS_UNAVAILABLE', `nats: ${e instanceof Error ? e.message : String(e)}`);
  }
}
