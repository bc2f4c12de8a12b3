/**
 * A gateway process that dies holding a queued NATS command (test/bus/nats-redelivery.test.ts): it
 * serves a NatsBus whose handler reports the command it took over IPC and then never answers; the
 * parent kills it with SIGKILL between take and reply.
 *
 * argv: <gateway name>
 */
import { NatsBus } from '../../src/bus/nats-bus.js';

const gateway = process.argv[2]!;
const bus = await NatsBus.connect({ gateway });
await bus.serveCommands(
  (cmd, _payload, ctx) =>
    new Promise(() => {
      process.send?.({ type: 'taken', cmd, id: ctx.id });
    }),
);
process.send?.({ type: 'ready' });
