/**
 * The frame loop every wire decoder shares: parse JSON, decode into a scratch list, and on any
 * error discard the partial output, count the code and emit one `invalid` event. A frame is
 * translated completely or not at all, so a bad level never reaches a book half-applied.
 */
import { dgError, ErrorCounter } from '../core/errors.js';
import type { Instrument } from '../core/instrument.js';
import type { FeedDecoder, FeedEvent, InstrumentLookup } from './feed-event.js';
import { asDgError, parseFrame, type Json } from './wire-fields.js';

export abstract class BaseDecoder implements FeedDecoder {
  readonly errors = new ErrorCounter();

  protected constructor(
    readonly venue: string,
    protected readonly lookup: InstrumentLookup,
  ) {}

  decode(frame: string, recvMs = 0): FeedEvent[] {
    let msg: Json;
    try {
      msg = parseFrame(frame);
    } catch (e) {
      const err = asDgError(e);
      this.errors.record(err);
      return [{ kind: 'invalid', symbol: undefined, error: err }];
    }
    return this.decodeParsed(msg, recvMs);
  }

  /** Decode an already-parsed message (JSON-lines readers, tests). */
  decodeParsed(msg: Json, recvMs = 0): FeedEvent[] {
    const out: FeedEvent[] = [];
    try {
      this.decodeMessage(msg, recvMs, out);
      return out;
    } catch (e) {
      const err = asDgError(e);
      this.errors.record(err);
      let symbol: string | undefined;
      try {
        symbol = this.symbolHint(msg);
      } catch {
        symbol = undefined;
      }
      return [{ kind: 'invalid', symbol, error: err }];
    }
  }

  protected instrument(native: string): Instrument {
    const inst = this.lookup(native);
    if (!inst) throw dgError('DG_E_UNKNOWN_INSTRUMENT', `${this.venue}:${native.slice(0, 32)}`);
    return inst;
  }

  protected abstract decodeMessage(msg: Json, recvMs: number, out: FeedEvent[]): void;

  /** The native symbol a (possibly malformed) message is about, if it can be told. */
  protected abstract symbolHint(msg: Json): string | undefined;
}
