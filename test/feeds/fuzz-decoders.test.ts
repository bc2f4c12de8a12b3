/**
 * Property test for bad input: real frames from the three captures, randomly mutated (digits
 * replaced, signs and exponents inserted, characters deleted or duplicated, fields renamed), go
 * through the decoders and into BookSync + L2Book. Properties: nothing ever throws; every event
 * is either `invalid` with a registered error code or well-formed (prices positive safe integers,
 * sizes non-negative safe integers); every refusal is counted.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { ERRORS } from '../../src/core/errors.js';
import type { L2Level } from '../../src/core/events.js';
import { L2Book } from '../../src/book/l2-book.js';
import type { FeedEvent } from '../../src/feeds/feed-event.js';
import { parseCapture } from '../../src/feeds/replay/capture-reader.js';
import { CaptureGrid } from '../../src/feeds/replay/capture-grid.js';
import { VENUES } from '../../src/feeds/replay/replay-venues.js';
import { createL2Sync } from '../../src/feeds/sync-targets.js';
import { parseFrame } from '../../src/feeds/wire-fields.js';
import { fuzzCases, fuzzSeedBase, fuzzTimeoutMs, rng } from './fuzz-support.js';

const DIR = join(__dirname, '..', 'fixtures', 'cryptofeed');
const MUTATIONS = ['-', 'e9', 'e-400', '0', '9', 'NaN', '.', '"', ',', ']', '}', '1e999', 'Infinity', ' '];

function mutate(frame: string, r: ReturnType<typeof rng>): string {
  let s = frame;
  const k = r.int(1, 3);
  for (let i = 0; i < k; i++) {
    const at = r.int(0, Math.max(0, s.length - 1));
    const x = r.next();
    if (x < 0.35) s = s.slice(0, at) + r.pick(MUTATIONS) + s.slice(at + 1);
    else if (x < 0.55) s = s.slice(0, at) + r.pick(MUTATIONS) + s.slice(at);
    else if (x < 0.75) s = s.slice(0, at) + s.slice(at + r.int(1, 4));
    else if (x < 0.9) s = s.slice(0, at) + s.slice(at, at + r.int(1, 8)) + s.slice(at);
    else
      s = s.replace(
        r.pick(['"price"', '"size"', '"changes"', '"asks"', '"bids"', '"type"', '"action"', '"sequenceEnd"']),
        '"zz"',
      );
  }
  return s;
}

function wellFormed(ev: FeedEvent): string | undefined {
  const okLevel = (l: L2Level): boolean =>
    (l.side === 0 || l.side === 1) &&
    Number.isSafeInteger(l.price) &&
    l.price > 0 &&
    Number.isSafeInteger(l.size) &&
    l.size >= 0;
  switch (ev.kind) {
    case 'invalid':
      return ev.error.code in ERRORS ? undefined : `unregistered code ${ev.error.code}`;
    case 'l2':
      return ev.update.levels.every(okLevel) ? undefined : 'bad level';
    case 'l2-snapshot':
      return [...ev.snapshot.bids, ...ev.snapshot.asks].every(
        ([p, s]) => Number.isSafeInteger(p) && p > 0 && Number.isSafeInteger(s) && s >= 0,
      )
        ? undefined
        : 'bad snapshot row';
    case 'trade':
      return Number.isSafeInteger(ev.trade.price) &&
        ev.trade.price > 0 &&
        Number.isSafeInteger(ev.trade.size) &&
        ev.trade.size >= 0
        ? undefined
        : 'bad trade';
    default:
      return undefined;
  }
}

describe('fuzz: mutated real frames never crash a decoder or corrupt a book', () => {
  const captures = [
    ['kucoin', 'KUCOIN.ws.1.0'],
    ['okx', 'OKX.ws.1.0'],
    ['coinbase', 'COINBASE.ws.28.0'],
  ] as const;
  for (const [venue, file] of captures) {
    it(
      `${venue}: ${fuzzCases(1000)} mutated frames`,
      () => {
        const wiring = VENUES[venue];
        const recs = parseCapture(readFileSync(join(DIR, file), 'utf8'));
        const frames = recs.flatMap((x) => (x.kind === 'recv' && x.frame.length < 4000 ? [x.frame] : []));
        const grid = new CaptureGrid(wiring.venue);
        const channels = new Map<number, string>();
        for (const f of frames) wiring.scan(parseFrame(f), grid.sink, channels);
        grid.build();
        const decoder = wiring.decoder((n) => grid.get(n));
        const books = new Map<string, { book: L2Book; sync: ReturnType<typeof createL2Sync> }>();
        const r = rng(fuzzSeedBase() + 900_000 + venue.length);
        let invalid = 0;
        const cases = fuzzCases(1000);
        for (let c = 0; c < cases; c++) {
          const frame = mutate(r.pick(frames), r);
          let out: FeedEvent[] = [];
          expect(() => {
            out = decoder.decode(frame, c);
          }).not.toThrow();
          for (const ev of out) {
            const bad = wellFormed(ev);
            if (bad) throw new Error(`${bad}: ${frame.slice(0, 200)}`);
            if (ev.kind === 'invalid') invalid++;
            if (ev.kind !== 'l2' && ev.kind !== 'l2-snapshot') continue;
            let b = books.get(ev.symbol);
            if (!b) {
              const book = new L2Book();
              b = { book, sync: createL2Sync(book, { policy: wiring.policy, clock: new ManualClock() }) };
              books.set(ev.symbol, b);
            }
            const target = b;
            expect(() =>
              ev.kind === 'l2' ? target.sync.onMessage(ev.update) : target.sync.onSnapshot(ev.snapshot),
            ).not.toThrow();
          }
        }
        expect(invalid).toBeGreaterThan(cases / 4);
        expect(decoder.errors.count()).toBe(invalid);
      },
      fuzzTimeoutMs(),
    );
  }
});
