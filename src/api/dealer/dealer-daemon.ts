/**
 * The Dealer daemon (S0.1–S0.5): one JSON config file → a DealerServer over a GatewayPort with a
 * time-rotated request log (`<logs.dir>/dealer-<YYYYMMDDTHHMMSSZ period start>.log`, from
 * src/logging/rotating-log.ts). The CLI (or any host process) builds the port — the embedded sim
 * (createVenuePort(SimVenue, createSimMarketData)) or a real venue — and calls this.
 *
 *   const cfg = loadDealerConfig('dealer.json');
 *   const d = await startDealer(cfg, port);          // listening on 127.0.0.1:cfg.port
 *   …  await d.close();
 */
import { systemClock, type Clock } from '../../core/clock.js';
import type { GatewayPort } from '../gateway-port.js';
import type { DealerConfig } from './dealer-config.js';
import { DealerServer } from './dealer-server.js';
import { RotatingLog } from '../../logging/rotating-log.js';

export interface RunningDealer {
  readonly server: DealerServer;
  readonly log: RotatingLog;
  /** Stops the server, then flushes and closes the log (the last request lines are kept). */
  close(): Promise<void>;
}

export async function startDealer(
  cfg: DealerConfig,
  port: GatewayPort,
  clock: Clock = systemClock,
): Promise<RunningDealer> {
  const log = new RotatingLog({
    dir: cfg.logs.dir,
    prefix: 'dealer',
    rotateMs: cfg.logs.rotate_time,
    maxAgeMs: cfg.logs.max_age,
    clock,
  });
  const server = new DealerServer({
    port,
    host: cfg.host === 'localhost' ? '127.0.0.1' : cfg.host,
    listenPort: cfg.port,
    feeRate: cfg.fee_rate,
    depthLevels: cfg.depth_levels,
    clock,
    log: (line) => log.write(line),
    ...(cfg.address !== undefined ? { address: cfg.address } : {}),
  });
  try {
    await server.start();
  } catch (e) {
    log.close();
    throw e;
  }
  const a = server.address();
  log.write(`${new Date(clock.now()).toISOString()} dealer listening on ${a.host}:${a.port} gateway=${port.name}`);
  const close = async (): Promise<void> => {
    try {
      await server.close();
    } finally {
      log.close();
    }
  };
  return { server, log, close };
}
