/**
 * The take-child harnesses' crash mode (redis-take-child.ts, nats-take-child.ts with a third and
 * fourth argument): every command the handler runs is appended to a run log (synchronously, so it is
 * on disk before anything else happens); a command named in the crash list then kills the process
 * with SIGKILL, as a request that crashes the gateway would; any other command is answered ok.
 */
import { appendFileSync } from 'node:fs';
import type { CommandHandler } from '../../src/bus/commands.js';

export function crashHandler(crashOn: string, log: string): CommandHandler {
  const crash = new Set(crashOn.split(',').filter((c) => c.length > 0));
  return (cmd, _payload, ctx) => {
    appendFileSync(log, `${cmd} ${ctx.id}\n`);
    if (crash.has(cmd)) {
      process.kill(process.pid, 'SIGKILL');
      return new Promise(() => undefined);
    }
    return { ok: true, value: { ran: cmd } };
  };
}
