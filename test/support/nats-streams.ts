/**
 * Test cleanup: every JetStream stream a gateway makes on the local NATS (events, command queue,
 * attempt counts, dead letters). They outlive the gateway, so tests remove their own.
 */
import { connect } from 'nats';
import { natsNames } from '../../src/bus/names.js';

export async function dropGatewayStreams(...gateways: string[]): Promise<void> {
  const nc = await connect({ servers: '127.0.0.1:4222' });
  try {
    const jsm = await nc.jetstreamManager();
    for (const gw of gateways) {
      for (const name of [
        natsNames.stream(gw),
        natsNames.cmdStream(gw),
        natsNames.attemptsStream(gw),
        natsNames.deadStream(gw),
      ]) {
        await jsm.streams.delete(name).catch(() => undefined);
      }
    }
  } finally {
    await nc.close();
  }
}
