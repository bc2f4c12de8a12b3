/**
 * `deskgate bus send <gateway> <cmd> [payload]` — send one command to a gateway over Redis or NATS
 * and print the reply as one JSON line (exit 1 on an error reply).
 * `deskgate bus listen <gateway> [types…]` — print the gateway's events as JSON lines.
 * See docs/bus.md.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import type { Bus } from '../bus/bus.js';
import { connectCommandClient } from '../bus/client.js';
import { NatsBus } from '../bus/nats-bus.js';
import { RedisBus } from '../bus/redis-bus.js';

interface TransportOpts {
  transport: 'redis' | 'nats';
  url?: string;
  servers?: string;
}

function positiveInt(name: string): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!/^\d+$/.test(v.trim()) || n < 1 || n > 86_400_000)
      throw new InvalidArgumentError(`${name} must be a positive integer`);
    return n;
  };
}

function transportOptions(c: Command): Command {
  return c
    .addOption(new Option('-t, --transport <t>', 'bus transport').choices(['redis', 'nats']).default('redis'))
    .option('--url <url>', 'Redis URL (default redis://127.0.0.1:6379)')
    .option('--servers <list>', 'NATS servers, comma-separated (default 127.0.0.1:4222)');
}

export function registerBusCommand(program: Command): void {
  const cmd = program.command('bus').description('Talk to a gateway over the Redis or NATS bus');

  transportOptions(cmd.command('send'))
    .description('Send one command and print the reply as JSON')
    .argument('<gateway>', 'gateway name, e.g. kraken_gateway')
    .argument('<cmd>', 'command, e.g. allocate')
    .argument('[payload]', 'JSON payload', 'null')
    .option('--timeout <ms>', 'reply timeout in ms', positiveInt('timeout'), 5000)
    .option('--key <key>', 'idempotency key (a retry with the same key runs once)')
    .action(
      async (
        gateway: string,
        name: string,
        payloadText: string,
        o: TransportOpts & { timeout: number; key?: string },
      ) => {
        let payload: unknown;
        try {
          payload = JSON.parse(payloadText);
        } catch {
          throw new Error('payload is not JSON');
        }
        const client = await connectCommandClient(
          o.transport === 'redis'
            ? { transport: 'redis', url: o.url }
            : { transport: 'nats', servers: o.servers?.split(',') },
        );
        try {
          const reply = await client.sendCommand(gateway, name, payload, { timeoutMs: o.timeout, key: o.key });
          process.stdout.write(`${JSON.stringify(reply)}\n`);
          if (!reply.ok) process.exitCode = 1;
        } finally {
          await client.close();
        }
      },
    );

  transportOptions(cmd.command('listen'))
    .description("Print a gateway's events as JSON lines")
    .argument('<gateway>', 'gateway name')
    .argument('[types...]', 'event types (default: all)')
    .option('--count <n>', 'exit after n events', positiveInt('count'))
    .action(async (gateway: string, types: string[], o: TransportOpts & { count?: number }) => {
      const bus: Bus =
        o.transport === 'redis'
          ? await RedisBus.connect({ gateway, url: o.url })
          : await NatsBus.connect({ gateway, servers: o.servers?.split(','), jetstream: false });
      let seen = 0;
      await new Promise<void>((resolve) => {
        void bus.subscribe(types.length > 0 ? types : '*', (e) => {
          process.stdout.write(`${JSON.stringify(e)}\n`);
          if (o.count !== undefined && ++seen >= o.count) resolve();
        });
        process.once('SIGINT', () => resolve());
        process.stderr.write(`listening on ${gateway} (${o.transport})\n`);
      });
      await bus.close();
    });
}
