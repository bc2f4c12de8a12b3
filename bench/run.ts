/**
 * `npm run bench -- <name>` runs bench/<name>.bench.ts. Each benchmark exports
 * `run(log)` returning its results; this runner prints progress on stderr-free stdout lines and,
 * as the last line, one JSON object: {"bench":"<name>","env":{…},"results":{…}} (design.md).
 */
import { readdirSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';

export type BenchResults = Record<string, number>;
export interface BenchModule {
  run(log: (line: string) => void): Promise<BenchResults>;
  /** Optional extra `env` fields (e.g. the set-up a benchmark measured against). */
  env?(): Record<string, string | number>;
}

const here = path.dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.replace(/\.bench\.ts$/, ''))
  .sort();

const name = process.argv[2];
if (!name || !available.includes(name)) {
  process.stderr.write(`usage: npm run bench -- <name>\navailable: ${available.join(', ')}\n`);
  process.exit(2);
}

const mod = (await import(pathToFileURL(path.join(here, `${name}.bench.ts`)).href)) as BenchModule;
const log = (line: string): void => {
  process.stdout.write(`[${name}] ${line}\n`);
};
const results = await mod.run(log);
const env = {
  node: process.version,
  platform: `${os.platform()}-${os.arch()}`,
  cpus: os.cpus().length,
  cpu_model: os.cpus()[0]?.model ?? 'unknown',
  mem_gb: Math.round(os.totalmem() / 2 ** 30),
  ...(mod.env?.() ?? {}),
};
process.stdout.write(`${JSON.stringify({ bench: name, env, results })}\n`);
process.exit(0);
