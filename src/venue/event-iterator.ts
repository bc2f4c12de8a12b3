/**
 * The pull form of a venue's event stream: `for await (const e of venueEvents(venue)) …`.
 * Events queue while the consumer is busy, up to `maxQueued`; past that the iterator fails with
 * DG_E_BUFFER_OVERFLOW rather than silently dropping an order or fill event. `return()` (a
 * `break` out of the loop) or the abort signal unsubscribes.
 */
import { dgError, type DeskgateError } from '../core/errors.js';
import type { Venue, VenueEvent } from './venue.js';

export interface VenueEventsOptions {
  /** Most events queued for a slow consumer. Default 100 000. */
  readonly maxQueued?: number;
  readonly signal?: AbortSignal;
}

export function venueEvents(
  venue: Pick<Venue, 'on'>,
  opts: VenueEventsOptions = {},
): AsyncIterableIterator<VenueEvent> {
  const max = opts.maxQueued ?? 100_000;
  let queue: VenueEvent[] = [];
  let head = 0;
  let waiting: ((r: IteratorResult<VenueEvent>) => void) | undefined;
  let failure: DeskgateError | undefined;
  let done = false;

  const finish = (): void => {
    if (done) return;
    done = true;
    off();
    opts.signal?.removeEventListener('abort', finish);
    const w = waiting;
    waiting = undefined;
    w?.({ value: undefined, done: true });
  };

  const off = venue.on((e) => {
    if (done) return;
    if (waiting) {
      const w = waiting;
      waiting = undefined;
      w({ value: e, done: false });
      return;
    }
    if (queue.length - head >= max) {
      failure = dgError('DG_E_BUFFER_OVERFLOW', `venue event consumer fell ${max} events behind`);
      off();
      done = true;
      return;
    }
    queue.push(e);
  });
  opts.signal?.addEventListener('abort', finish);
  if (opts.signal?.aborted) finish();

  const it: AsyncIterableIterator<VenueEvent> = {
    next(): Promise<IteratorResult<VenueEvent>> {
      if (head < queue.length) {
        const value = queue[head++];
        if (head > 1024 && head * 2 > queue.length) {
          queue = queue.slice(head);
          head = 0;
        }
        return Promise.resolve({ value, done: false });
      }
      if (failure) return Promise.reject(failure);
      if (done) return Promise.resolve({ value: undefined, done: true });
      return new Promise((resolve) => {
        waiting = resolve;
      });
    },
    return(): Promise<IteratorResult<VenueEvent>> {
      finish();
      return Promise.resolve({ value: undefined, done: true });
    },
    [Symbol.asyncIterator]() {
      return it;
    },
  };
  return it;
}
