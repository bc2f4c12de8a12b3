/**
 * The floor of the `api` benchmark's latency figure: a bare node:http server that reads and parses
 * each POST body, then answers one fixed reply (a real FMZ ticker reply captured at start). It does
 * no market work at all, so its open-loop p99 is what *any* Node HTTP server in this process gets
 * from the machine at that moment (scheduling, loopback, the shared event loop). Bench-only code.
 */
import http from 'node:http';

export interface FloorServer {
  readonly port: number;
  close(): Promise<void>;
}

export async function startFloorServer(reply: string): Promise<FloorServer> {
  const body = Buffer.from(reply);
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let ok = true;
      try {
        JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        ok = false;
      }
      const out = ok ? body : Buffer.from('{"error":"body is not JSON"}');
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': out.length });
      res.end(out);
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  return {
    port: typeof addr === 'object' && addr ? addr.port : 0,
    async close() {
      await new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      });
    },
  };
}
