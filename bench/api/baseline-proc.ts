/**
 * The `api` benchmark's baseline process: bench/api-baseline.ts (the seed plugin's design, one
 * venue REST round trip per FMZ call, over a keep-alive pool) alone in its own process, so neither
 * it nor deskgate steals the other's event loop. Args: JSON `{venueUrl}` in argv[2].
 */
import { startBaselineFmz } from '../api-baseline.js';
import { serveChild } from './proc.js';

if (process.argv[2] !== undefined && process.send !== undefined) {
  const args = JSON.parse(process.argv[2]) as { venueUrl: string };
  const base = await startBaselineFmz(args.venueUrl);
  serveChild({ port: base.port, path: '/kucoin' }, {}, () => base.close());
}
