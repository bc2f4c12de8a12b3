/** The list of subcommands. Add one import and one entry per command file. */
import type { Command } from 'commander';
import { registerAlgoCommand } from './algo-command.js';
import { registerBalancesCommand } from './balances-command.js';
import { registerBusCommand } from './bus-command.js';
import { registerDeskCommand } from './desk-command.js';
import { registerGatewayCommand } from './gateway-command.js';
import { registerJournalCommand } from './journal-command.js';
import { registerReplayCommand } from './replay-command.js';
import { registerRiskCommand } from './risk-command.js';
import { registerServeCommand } from './serve-command.js';
import { registerSimCommand } from './sim-command.js';

export type RegisterCommand = (program: Command) => void;

export const commandModules: RegisterCommand[] = [
  registerAlgoCommand,
  registerBalancesCommand,
  registerBusCommand,
  registerDeskCommand,
  registerGatewayCommand,
  registerJournalCommand,
  registerReplayCommand,
  registerRiskCommand,
  registerServeCommand,
  registerSimCommand,
];
