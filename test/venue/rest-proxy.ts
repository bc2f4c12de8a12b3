/**
 * Test support: a loopback HTTP proxy in front of the sim server's REST API that can withhold a
 * reply (the request still reaches the venue: "sent, answer lost") or rewrite a reply body
 * (malformed venue replies). Real sockets, real wire; only the reply is tampered with.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RestProxy {
  readonly url: string;
  /** Forward, but never answer, requests this returns true for. */
  stall: ((method: string, path: string) => boolean) | undefined;
  /** Replace the reply body of requests this returns a string for. */
  rewrite: ((method: string, path: string, body: string) => string | undefined) | undefined;
  close(): Promise<void>;
}

export async function startRestProxy(target: string): Promise<RestProxy> {
  const held: http.ServerResponse[] = [];
  const proxy: RestProxy = {
    url: '',
    stall: undefined,
    rewrite: undefined,
    close: async () => {
      for (const r of held) r.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const method = req.method ?? 'GET';
      const path = req.url ?? '/';
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) {
        if (typeof v === 'string' && !['host', 'connection', 'content-length'].includes(k)) headers[k] = v;
      }
      const body = chunks.length ? Buffer.concat(chunks) : undefined;
      const stall = proxy.stall?.(method, path) ?? false;
      void fetch(target + path, { method, headers, body }).then(
        async (r) => {
          const text = await r.text();
          if (stall) {
            held.push(res);
            return;
          }
          const out = proxy.rewrite?.(method, path, text) ?? text;
          res.writeHead(r.status, { 'content-type': 'application/json' });
          res.end(out);
        },
        () => {
          res.writeHead(502);
          res.end();
        },
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  (proxy as { url: string }).url = `http://127.0.0.1:${port}`;
  return proxy;
}
