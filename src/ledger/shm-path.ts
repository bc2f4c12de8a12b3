/** Where a gateway publishes its balances: /dev/shm/deskgate-<name>.bal (the temp dir without /dev/shm). */
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function defaultShmPath(name: string): string {
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(name)) throw new RangeError(`shm name ${JSON.stringify(name)}`);
  const dir = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  return join(dir, `deskgate-${name}.bal`);
}
