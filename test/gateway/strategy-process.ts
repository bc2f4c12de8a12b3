/**
 * A strategy in its own process (S4.6) for test/gateway/bus-e2e.test.ts: registers, allocates
 * funds and places an order on a named gateway over Redis or NATS (src/bus/client.ts), then prints
 * each reply as one JSON line.
 *
 * argv: <redis|nats> <gateway name> <strategy> <slot index>
 */
import { connectCommandClient } from '../../src/bus/client.js';

const [transport, gateway, strategy, index] = process.argv.slice(2) as ['redis' | 'nats', string, string, string];
const client = await connectCommandClient({ transport });
const slot = Number(index);
const replies = [
  await client.sendCommand(gateway, 'register', { strategy, index: slot }),
  await client.sendCommand(
    gateway,
    'allocate',
    { strategy, cmd: 'allocate', currency: 'usdt', amount: '2500', index: slot },
    { key: `${gateway}-${strategy}-alloc` },
  ),
  await client.sendCommand(gateway, 'place', {
    strategy,
    instrument: 'BTC-USDT',
    side: 'buy',
    type: 'limit',
    price: '59500',
    size: '0.01',
    tif: 'GTC',
  }),
  await client.sendCommand(gateway, 'allocate', {
    strategy,
    cmd: 'allocate',
    currency: 'usdt',
    amount: 'lots',
    index: slot,
  }),
  await client.sendCommand(gateway, 'query', { what: 'balance', currency: 'USDT', index: slot }),
];
for (const r of replies) process.stdout.write(`${JSON.stringify(r)}\n`);
await client.close();
