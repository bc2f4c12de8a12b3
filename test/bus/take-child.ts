/**
 * Spawning the re-delivery tests' gateway children (redis-take-child.ts, nats-take-child.ts): the
 * child runs under tsx with IPC, says `{type: 'ready'}` once it serves, and `{type: 'taken', id}`
 * when it holds a request it will never answer (the test then SIGKILLs it).
 */
import { spawn, type ChildProcess } from 'node:child_process';

/** Starts `file` with `args`; resolves once it is ready (rejects if it exits first). */
export async function spawnTakeChild(file: string, args: string[]): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`child exited ${code}`)));
    child.on('message', (m: { type?: string }) => {
      if (m.type === 'ready') resolve();
    });
  });
  return child;
}

/** The id of the request the child took and holds. */
export function takenBy(child: ChildProcess): Promise<{ id: string }> {
  return new Promise((resolve) =>
    child.on('message', (m: { type?: string; id: string }) => {
      if (m.type === 'taken') resolve(m);
    }),
  );
}

/** Starts `file` with `args` and resolves with how it ended (for children expected to crash). */
export function runUntilExit(file: string, args: string[]): Promise<{ code: number | null; signal: string | null }> {
  const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}
