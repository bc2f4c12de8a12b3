/**
 * `deskgate balances …`: read a gateway's shared-memory balance file (`read`), or run a demo
 * publisher with synthetic strategy activity (`demo`) to try the readers against. See docs/ledger.md.
 */
import { Command, InvalidArgumentError } from 'commander';
import { systemClock } from '../core/clock.js';
import { executeBalanceCommand } from '../ledger/commands.js';
import { CurrencyBook } from '../ledger/currencies.js';
import { formatReading, readingOf, ShmBalanceReader } from '../ledger/shm-reader.js';
import { BalancePublisher, defaultShmPath, ShmBalanceWriter } from '../ledger/shm-writer.js';
import { SubAccounts } from '../ledger/sub-accounts.js';

function int(name: string, min: number, max: number): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!/^\d+$/.test(v.trim()) || n < min || n > max)
      throw new InvalidArgumentError(`${name} must be an integer in [${min}, ${max}]`);
    return n;
  };
}

interface ReadOpts {
  json?: boolean;
}

interface DemoOpts {
  name: string;
  seconds: number;
  intervalMs: number;
  strategies: string;
}

export function registerBalancesCommand(program: Command): void {
  const cmd = program
    .command('balances')
    .description('Shared-memory balances: read a gateway file, or run a demo publisher');

  cmd
    .command('read')
    .description('Print balances from a shared-memory file (slot 0 total, 1 main, 2.. strategies)')
    .argument('<file>', 'e.g. /dev/shm/deskgate-kraken.bal')
    .argument('[currency]', 'one currency (default: all)')
    .argument('[slot]', 'one slot (default: all)', int('slot', 0, 255))
    .option('--json', 'one JSON object')
    .action((file: string, currency: string | undefined, slot: number | undefined, o: ReadOpts) => {
      const reader = ShmBalanceReader.open(file);
      try {
        const snap = reader.read();
        const rows =
          currency === undefined ? snap.rows : snap.rows.filter((r) => r.currency === currency.toUpperCase());
        if (rows.length === 0) throw new Error(`unknown currency ${currency}`);
        const out = [];
        for (const row of rows) {
          const slots = slot === undefined ? row.cells.map((_c, i) => i) : [slot];
          for (const s of slots) {
            const r = readingOf(snap, row.currency, s);
            if (!r) throw new Error(`no slot ${s} (slots 0..${row.cells.length - 1})`);
            out.push({ currency: row.currency, slot: s, name: snap.slotNames[s], ...formatReading(r) });
          }
        }
        if (o.json) {
          process.stdout.write(
            `${JSON.stringify({ exchange: snap.exchange, seq: Number(snap.seq), publishedAt: snap.publishedAt, balances: out })}\n`,
          );
        } else {
          for (const b of out) {
            process.stdout.write(
              `${b.currency} slot ${b.slot} (${b.name || '-'}): total=${b.total} free=${b.free} frozen=${b.frozen}\n`,
            );
          }
        }
      } finally {
        reader.close();
      }
    });

  cmd
    .command('demo')
    .description('Publish a demo ledger with synthetic strategy activity (no venue) to /dev/shm/deskgate-<name>.bal')
    .option('--name <name>', 'file name part', 'demo')
    .option('--seconds <n>', 'run time', int('seconds', 1, 86_400), 30)
    .option('--interval-ms <n>', 'ms between changes', int('interval-ms', 10, 60_000), 250)
    .option('--strategies <list>', 'comma-separated strategy names (slots 2, 3, …)', 'a,b')
    .action(async (o: DemoOpts) => {
      const currencies = new CurrencyBook({ USDT: 6, BTC: 8 });
      const names = o.strategies.split(',').filter((s) => s.length > 0);
      const sub = new SubAccounts(currencies, { strategyCount: 8 });
      for (const n of names) {
        const r = sub.registerStrategy(n);
        if (!r.ok) throw r.error;
      }
      const init = sub.initFromVenue({
        ts: systemClock.now(),
        balances: [
          { currency: 'USDT', free: 100_000_000000n, frozen: 0n },
          { currency: 'BTC', free: 2_00000000n, frozen: 0n },
        ],
      });
      if (!init.ok) throw init.error;
      for (const [i, n] of names.entries()) {
        const r = executeBalanceCommand(sub, {
          strategy: n,
          cmd: 'allocate',
          currency: 'USDT',
          amount: 10_000 * (i + 1),
          index: sub.slotOf(n),
        });
        if (!r.ok) throw r.error;
      }
      const path = defaultShmPath(o.name);
      const writer = ShmBalanceWriter.create(path, { slotCount: sub.slotCount, maxCurrencies: 16, exchange: o.name });
      const pub = new BalancePublisher(sub, writer, systemClock);
      pub.publishIfChanged();
      process.stdout.write(
        `publishing ${path} for ${o.seconds}s\n  python3 clients/python/deskgate_shm.py ${path} USDT 2\n  npx tsx src/cli/main.ts balances read ${path}\n`,
      );
      // Synthetic activity: each strategy alternately reserves 1 000 USDT for a buy and fills it
      // (0.01 BTC at 30 000–30 099), then releases what is left.
      let step = 0;
      const timer = setInterval(() => {
        const n = names[step % names.length];
        const key = `demo-${n}-${Math.floor(step / names.length)}`;
        if (sub.reserve(n, 'USDT', 1_000_000000n, key).ok) {
          const price = 30_000n + BigInt(step % 100);
          sub.settleFill({
            tradeId: key,
            orderKey: key,
            side: 'buy',
            base: 'BTC',
            quote: 'USDT',
            baseAmount: 1000000n,
            quoteAmount: price * 10000n,
            fee: 1000n,
            feeCurrency: 'BTC',
            ts: systemClock.now(),
          });
          sub.releaseReservation(key);
        }
        step++;
        const r = pub.publishIfChanged();
        if (!r.ok) process.stderr.write(`${r.error.message}\n`);
      }, o.intervalMs);
      await new Promise((resolve) => setTimeout(resolve, o.seconds * 1000));
      clearInterval(timer);
      writer.close();
      process.stdout.write(`done: ${pub.publishes} publishes, seq ${writer.seq}\n`);
    });
}
