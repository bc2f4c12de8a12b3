/**
 * Prometheus metrics of `deskgate serve` (docs/serve.md "Metrics"), on a private prom-client
 * registry: feed messages / gaps / resyncs from each venue's event stream, orders by state and the
 * kernel's counters (reconciliation drifts among them) read from `kernel.snapshot()` at scrape time,
 * and a request-latency histogram per listener hooked on each HTTP server's `request` event (works
 * for fastify's `app.server` and plain node servers alike, before or after `listen`).
 */
import type { Server } from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Venue } from '../../venue/venue.js';
import type { KernelSnapshot } from '../kernel.js';

export interface KernelSource {
  readonly name: string;
  /** 'live' once started, until stopped. */
  readonly phase: string;
  snapshot(): KernelSnapshot;
}

export class ServeMetrics {
  readonly registry = new Registry();
  readonly feedMessages: Counter<'gateway' | 'symbol'>;
  readonly feedGaps: Counter<'gateway'>;
  readonly feedResyncs: Counter<'gateway' | 'symbol'>;
  readonly venueDisconnects: Counter<'gateway'>;
  readonly venueErrors: Counter<'gateway' | 'code'>;
  readonly requests: Histogram<'listener' | 'method' | 'status'>;
  private readonly kernels: KernelSource[] = [];
  private readonly stats: { listener: string; read: () => Readonly<Record<string, number>> }[] = [];
  private readonly offs: (() => void)[] = [];

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: 'deskgate_' });
    this.feedMessages = new Counter({
      name: 'deskgate_feed_messages_total',
      help: 'Book updates received from the venue feed',
      labelNames: ['gateway', 'symbol'],
      registers,
    });
    this.feedGaps = new Counter({
      name: 'deskgate_feed_gaps_total',
      help: 'Sequence gaps detected on a venue feed',
      labelNames: ['gateway'],
      registers,
    });
    this.feedResyncs = new Counter({
      name: 'deskgate_feed_resyncs_total',
      help: 'Book resynchronisations (snapshot + replay) after a gap or reconnect',
      labelNames: ['gateway', 'symbol'],
      registers,
    });
    this.venueDisconnects = new Counter({
      name: 'deskgate_venue_disconnects_total',
      help: 'Venue connection losses',
      labelNames: ['gateway'],
      registers,
    });
    this.venueErrors = new Counter({
      name: 'deskgate_venue_errors_total',
      help: 'Error events of the venue adapter by code',
      labelNames: ['gateway', 'code'],
      registers,
    });
    this.requests = new Histogram({
      name: 'deskgate_api_request_duration_seconds',
      help: 'API request latency per listener',
      labelNames: ['listener', 'method', 'status'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    const kernels = this.kernels;
    new Gauge({
      name: 'deskgate_orders',
      help: 'Orders tracked by the kernel, by state',
      labelNames: ['gateway', 'state'],
      registers,
      collect() {
        this.reset();
        for (const k of kernels) {
          const by = new Map<string, number>();
          for (const o of k.snapshot().orders) by.set(o.state, (by.get(o.state) ?? 0) + 1);
          for (const [state, n] of by) this.set({ gateway: k.name, state }, n);
        }
      },
    });
    const stats = this.stats;
    new Gauge({
      name: 'deskgate_listener_stat',
      help: 'Counters of non-HTTP listeners (l3rpc: connections, requests, framesPublished, publishErrors, framesDropped)',
      labelNames: ['listener', 'stat'],
      registers,
      collect() {
        this.reset();
        for (const s of stats)
          for (const [stat, n] of Object.entries(s.read())) this.set({ listener: s.listener, stat }, n);
      },
    });
    new Gauge({
      name: 'deskgate_gateway_live',
      help: '1 while the gateway kernel is live (started, not stopped), else 0',
      labelNames: ['gateway'],
      registers,
      collect() {
        for (const k of kernels) this.set({ gateway: k.name }, k.phase === 'live' ? 1 : 0);
      },
    });
    new Gauge({
      name: 'deskgate_reconcile_drifts',
      help: 'Balance reconciliations that found a drift against the venue (since the kernel started)',
      labelNames: ['gateway'],
      registers,
      collect() {
        for (const k of kernels) this.set({ gateway: k.name }, k.snapshot().counters.drifts ?? 0);
      },
    });
    new Gauge({
      name: 'deskgate_kernel_counter',
      help: 'Kernel counters (commands, refused, venueEvents, fills, reconciles, drifts, …)',
      labelNames: ['gateway', 'counter'],
      registers,
      collect() {
        this.reset();
        for (const k of kernels) {
          for (const [counter, n] of Object.entries(k.snapshot().counters)) this.set({ gateway: k.name, counter }, n);
        }
      },
    });
  }

  /** Numeric stats of a listener that is not HTTP (e.g. the L3 RPC's connections, requests, frames). */
  watchStats(listener: string, read: () => Readonly<Record<string, number>>): void {
    this.stats.push({ listener, read });
  }

  /** Count a venue's feed events. */
  watchVenue(gateway: string, venue: Pick<Venue, 'on'>): void {
    this.offs.push(
      venue.on((e) => {
        switch (e.type) {
          case 'book':
            this.feedMessages.inc({ gateway, symbol: e.instrument.symbol });
            break;
          case 'connection':
            if (e.state === 'resynced') this.feedResyncs.inc({ gateway, symbol: e.instrument?.symbol ?? '' });
            else if (e.state === 'disconnected') this.venueDisconnects.inc({ gateway });
            if (e.reason !== undefined && /gap/i.test(e.reason)) this.feedGaps.inc({ gateway });
            break;
          case 'error':
            this.venueErrors.inc({ gateway, code: e.error.code });
            if (e.error.code === 'DG_E_SEQUENCE_GAP') this.feedGaps.inc({ gateway });
            break;
          default:
            break;
        }
      }),
    );
  }

  watchKernel(k: KernelSource): void {
    this.kernels.push(k);
  }

  /** Observe every request of an HTTP server under `listener`. */
  instrument(listener: string, server: Server): void {
    const onRequest = (
      req: { method?: string },
      res: { statusCode: number; once(ev: 'finish' | 'close', fn: () => void): unknown },
    ): void => {
      const t0 = process.hrtime.bigint();
      let done = false;
      const end = (): void => {
        if (done) return;
        done = true;
        const s = Number(process.hrtime.bigint() - t0) / 1e9;
        this.requests.observe({ listener, method: req.method ?? '', status: String(res.statusCode) }, s);
      };
      res.once('finish', end);
      res.once('close', end);
    };
    server.on('request', onRequest);
    this.offs.push(() => server.off('request', onRequest));
  }

  async text(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  close(): void {
    for (const off of this.offs.splice(0)) off();
  }
}
