/** The list of subcommands. Add one import and one entry per command file. */
import type { Command } from 'commander';

export type RegisterCommand = (program: Command) => void;

export const commandModules: RegisterCommand[] = [];
