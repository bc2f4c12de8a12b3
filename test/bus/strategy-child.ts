/**
 * A strategy in its own process (S4.6): allocates funds and places an order on a named gateway
 * over Redis or NATS, then prints each reply as one JSON line.
 *
 * argv: <redis|nats> <gateway name> <strategy name>
 */
import { connectCommandClient } from '../../src/bus/client.js';

const [transport, gateway, strategy] = process.argv.slice(2) as ['redis' | 'nats', string, string];
const client = await connectCommandClient({ transport });
const replies = [
  await client.sendCommand(
    gateway,
    'allocate',
    { strategy, currency: 'usd', amount: '10000', index: 2 },
    { key: `${strategy}-alloc-1` },
  ),
  await client.sendCommand(
    gateway,
    'place',
    { strategy, symbol: 'BTC-USD', side: 'buy', price: '250', size: '4', clientOid: `${strategy}-1` },
    { key: `${strategy}-place-1` },
  ),
  await client.sendCommand(gateway, 'place', {
    strategy,
    symbol: 'BTC-USD',
    side: 'buy',
    price: '250',
    size: '1000',
    clientOid: `${strategy}-2`,
  }),
  await client.sendCommand(gateway, 'release', { strategy, currency: 'usd', amount: '9000', index: 2 }),
];
for (const r of replies) process.stdout.write(`${JSON.stringify(r)}\n`);
await client.close();
