/**
 * `deskgate journal verify <file>` — SQLite quick_check plus a checksum pass; exit 1 if anything is wrong.
 * `deskgate journal dump <file> [--from seq] [--limit n]` — entries as JSON lines. See docs/journal.md.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { Journal } from '../store/journal.js';

function nonNegativeInt(name: string): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!/^\d+$/.test(v.trim()) || !Number.isSafeInteger(n))
      throw new InvalidArgumentError(`${name} must be a non-negative integer`);
    return n;
  };
}

export function registerJournalCommand(program: Command): void {
  const cmd = program.command('journal').description('Inspect a gateway journal (SQLite)');

  cmd
    .command('verify')
    .description('Check the journal file and every entry checksum')
    .argument('<file>', 'journal file')
    .action((file: string) => {
      const j = new Journal({ file, readonly: true });
      try {
        const v = j.verify();
        const stats = j.stats();
        process.stdout.write(`${JSON.stringify({ ...v, ...stats, schemaVersion: j.schemaVersion })}\n`);
        if (v.sqlite !== 'ok' || v.badRows.length > 0) process.exitCode = 1;
      } finally {
        j.close();
      }
    });

  cmd
    .command('dump')
    .description('Print entries as JSON lines, in seq order')
    .argument('<file>', 'journal file')
    .option('--from <seq>', 'first seq', nonNegativeInt('from'), 0)
    .option('--limit <n>', 'at most n entries', nonNegativeInt('limit'))
    .action((file: string, o: { from: number; limit?: number }) => {
      const j = new Journal({ file, readonly: true });
      try {
        let n = 0;
        for (const e of j.replay(o.from, {
          onIssue: (i) => process.stderr.write(`seq ${i.seq}: ${i.error.message}\n`),
        })) {
          if (o.limit !== undefined && n++ >= o.limit) break;
          process.stdout.write(`${JSON.stringify(e)}\n`);
        }
      } finally {
        j.close();
      }
    });
}
