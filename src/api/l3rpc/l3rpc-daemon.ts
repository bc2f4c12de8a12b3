/**
 * The per-symbol SDK daemon (S3.6, S3.7): SDK-style arguments → Redis connection → L3RpcServer
 * listening on 127.0.0.1:-p with the discovery key written. The host process (CLI) builds the
 * GatewayPort and the L3 feed source (simEngineL3Feed for the embedded sim).
 *
 *   const args = parseL3RpcArgs(['-c', '.env', '-symbol', 'BTC-USDT', '-p', '9090', '-rpckey', 'BTC-USDT']);
 *   const d = await startL3RpcDaemon(args, l3RpcEnv(args), port, simEngineL3Feed(engine));
 */
import type { Redis } from 'ioredis';
import { openRedis } from '../../bus/redis-connect.js';
import type { Clock } from '../../core/clock.js';
import type { GatewayPort } from '../gateway-port.js';
import type { L3RpcArgs, L3RpcEnv } from './l3rpc-args.js';
import type { L3FeedSource } from './l3-feed-source.js';
import { L3RpcServer } from './l3rpc-server.js';

export interface RunningL3Rpc {
  readonly server: L3RpcServer;
  readonly redis: Redis;
  close(): Promise<void>;
}

export async function startL3RpcDaemon(
  args: L3RpcArgs,
  env: L3RpcEnv,
  port: GatewayPort,
  feed: L3FeedSource,
  clock?: Clock,
): Promise<RunningL3Rpc> {
  const redis = await openRedis(env.redisUrl, `deskgate-l3rpc-${args.symbol}`);
  const server = new L3RpcServer({
    port,
    symbol: args.symbol,
    token: env.token,
    feed,
    redis,
    listenPort: args.port,
    dialect: env.dialect,
    ...(args.rpckey !== undefined ? { rpckey: args.rpckey } : {}),
    ...(clock ? { clock } : {}),
  });
  try {
    await server.start();
  } catch (e) {
    redis.disconnect();
    throw e;
  }
  return {
    server,
    redis,
    close: async () => {
      await server.close();
      redis.disconnect();
    },
  };
}
