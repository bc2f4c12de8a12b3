/**
 * `GET /metrics` (Prometheus text) on the http port: mounted in front of the native REST API's
 * server (mountMetrics), or a small server of its own (startMetricsServer, also `/healthz`) when the
 * REST API is disabled. Bearer token checked when configured.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { bearerAuthorized, bearerDigest } from '../../api/token.js';
import type { ServeMetrics } from './metrics.js';

export interface MetricsServer {
  readonly port: number;
  readonly server: Server;
  close(): Promise<void>;
}

export async function startMetricsServer(o: {
  metrics: ServeMetrics;
  host: string;
  port: number;
  token?: string;
  health: () => Record<string, unknown>;
}): Promise<MetricsServer> {
  const digest = o.token === undefined ? undefined : bearerDigest(o.token);
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (digest !== undefined && !bearerAuthorized(req.headers.authorization, digest)) {
      res
        .writeHead(401, { 'content-type': 'application/json' })
        .end('{"error":"Authorization: Bearer <token> required"}');
      return;
    }
    if (req.method !== 'GET') {
      res.writeHead(405, { 'content-type': 'application/json' }).end('{"error":"GET only"}');
      return;
    }
    if (path === '/metrics') {
      o.metrics
        .text()
        .then(({ contentType, body }) => res.writeHead(200, { 'content-type': contentType }).end(body))
        .catch(() => res.writeHead(500).end());
      return;
    }
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(o.health()));
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
  });
  server.keepAliveTimeout = 5000;
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const a = server.address();
  const port = typeof a === 'object' && a ? a.port : o.port;
  return {
    port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Serve `GET /metrics` on an existing HTTP server (the native API's fastify `app.server`, already
 * listening): the server's own request handlers are moved behind a dispatcher that answers
 * /metrics itself and hands every other request to them unchanged. Returns an undo function.
 */
export function mountMetrics(server: Server, metrics: ServeMetrics, token?: string): () => void {
  const digest = token === undefined ? undefined : bearerDigest(token);
  const original = server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
  server.removeAllListeners('request');
  const dispatch = (req: IncomingMessage, res: ServerResponse): void => {
    if ((req.url ?? '').split('?')[0] === '/metrics' && req.method === 'GET') {
      if (digest !== undefined && !bearerAuthorized(req.headers.authorization, digest)) {
        res
          .writeHead(401, { 'content-type': 'application/json' })
          .end('{"error":"Authorization: Bearer <token> required"}');
        return;
      }
      metrics
        .text()
        .then(({ contentType, body }) => res.writeHead(200, { 'content-type': contentType }).end(body))
        .catch(() => res.writeHead(500).end());
      return;
    }
    for (const fn of original) fn.call(server, req, res);
  };
  server.on('request', dispatch);
  return () => {
    server.off('request', dispatch);
    for (const fn of original) server.on('request', fn);
  };
}
