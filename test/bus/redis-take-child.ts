/**
 * A gateway process that dies holding a command (test/bus/redis-redelivery.test.ts): it serves a
 * RedisBus whose handler reports the command it took over IPC and then never answers; the parent
 * kills it with SIGKILL between take and reply.
 *
 * argv: <gateway name>
 */
import { RedisBus } from '../../src/bus/redis-bus.js';

const gateway = process.argv[2];
const bus = await RedisBus.connect({ gateway });
await bus.serveCommands(
  (cmd, _payload, ctx) =>
    new Promise(() => {
      process.send?.({ type: 'taken', cmd, id: ctx.id });
    }),
);
process.send?.({ type: 'ready' });
