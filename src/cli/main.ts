#!/usr/bin/env node
/** The `deskgate` command. Each subcommand lives in its own file and registers itself here. */
import { Command } from 'commander';
import { commandModules } from './commands.js';

const program = new Command();
program.name('deskgate').description('Trading gateway and desk toolkit').version('0.1.0').showHelpAfterError();

for (const register of commandModules) register(program);

program.parseAsync(process.argv).catch((e: unknown) => {
  const msg = e instanceof Error ? e.message : String(e);
  process.stderr.write(`deskgate: ${msg}\n`);
  process.exit(1);
});
