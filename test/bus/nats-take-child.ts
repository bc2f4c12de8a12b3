/**
 * A gateway process that dies holding a queued NATS command (test/bus/nats-redelivery.test.ts): it
 * serves a NatsBus whose handler reports the command it took over IPC and then never answers; the
 * parent kills it with SIGKILL between take and reply.
 *
 * argv: <gateway name> [<commands that crash it, comma-separated> <run log file>] — with the
 * last two it runs in crash mode instead (crash-handler.ts).
 */
import { crashHandler } from './crash-handler.js';
import { NatsBus } from '../../src/bus/nats-bus.js';

const gateway = process.argv[2]!;
const bus = await NatsBus.connect({ gateway });
const [crashOn, runLog] = process.argv.slice(3);
await bus.serveCommands(
  runLog !== undefined
    ? crashHandler(crashOn ?? '', runLog)
    : (cmd, _payload, ctx) =>
        new Promise(() => {
          process.send?.({ type: 'taken', cmd, id: ctx.id });
        }),
);
process.send?.({ type: 'ready' });
