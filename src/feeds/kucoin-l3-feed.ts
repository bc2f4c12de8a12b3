/**
 * KucoinL3FeedDecoder: the FeedDecoder face (feeds/feed-event.ts) of the KuCoin L3 decoder, for
 * sockets that carry several symbols and session frames. It routes each frame by the symbol in
 * its topic to a per-instrument KucoinL3Decoder and never throws: session frames (welcome, ack,
 * pong, …) become `control`, refused frames `invalid` (counted in `errors`).
 */
import { dgError, ErrorCounter } from '../core/errors.js';
import type { L3Snapshot } from '../core/events.js';
import type { FeedDecoder, FeedEvent, InstrumentLookup } from './feed-event.js';
import { decodeKucoinL3Snapshot, KucoinL3Decoder } from './kucoin-l3.js';
import { KUCOIN_L3_TOPIC_PREFIX } from './kucoin-l3-wire.js';
import { asDgError } from './wire-fields.js';

const PREFIXES = [...Object.values(KUCOIN_L3_TOPIC_PREFIX), '/contractMarket/level3V2:'];

export class KucoinL3FeedDecoder implements FeedDecoder {
  readonly venue = 'kucoin';
  readonly errors = new ErrorCounter();
  private readonly decoders = new Map<string, KucoinL3Decoder>();

  constructor(private readonly lookup: InstrumentLookup) {}

  decode(frame: string): FeedEvent[] {
    let symbol: string | undefined;
    try {
      if (typeof frame !== 'string') throw dgError('DG_E_MALFORMED_JSON', typeof frame);
      symbol = topicSymbol(frame);
      if (symbol === undefined) return [this.control(frame)];
      const dec = this.decoderFor(symbol);
      return [{ kind: 'l3', symbol, event: dec.decode(frame) }];
    } catch (e) {
      const error = asDgError(e);
      this.errors.record(error);
      return [{ kind: 'invalid', symbol, error }];
    }
  }

  /** The REST L3 snapshot reply for one symbol (text or parsed). */
  decodeSnapshot(body: unknown, native: string): FeedEvent {
    try {
      const inst = this.lookup(native);
      if (!inst) throw dgError('DG_E_UNKNOWN_INSTRUMENT', `kucoin:${native.slice(0, 32)}`);
      const snapshot: L3Snapshot = decodeKucoinL3Snapshot(body, inst);
      return { kind: 'l3-snapshot', symbol: native, snapshot };
    } catch (e) {
      const error = asDgError(e);
      this.errors.record(error);
      return { kind: 'invalid', symbol: native, error };
    }
  }

  private decoderFor(native: string): KucoinL3Decoder {
    let d = this.decoders.get(native);
    if (d === undefined) {
      const inst = this.lookup(native);
      if (!inst) throw dgError('DG_E_UNKNOWN_INSTRUMENT', `kucoin:${native.slice(0, 32)}`);
      d = new KucoinL3Decoder(inst);
      this.decoders.set(native, d);
    }
    return d;
  }

  /** A frame that is not on an L3 topic: a session/control frame, or refused. */
  private control(frame: string): FeedEvent {
    let msg: unknown;
    try {
      msg = JSON.parse(frame);
    } catch {
      throw dgError('DG_E_MALFORMED_JSON', frame.slice(0, 80));
    }
    const type = typeof msg === 'object' && msg !== null ? (msg as Record<string, unknown>).type : undefined;
    if (type === 'welcome' || type === 'ack' || type === 'pong' || type === 'ping')
      return { kind: 'control', what: type };
    if (type === 'error') throw dgError('DG_E_BAD_MESSAGE', `venue error ${frame.slice(0, 80)}`);
    throw dgError('DG_E_UNKNOWN_MESSAGE', frame.slice(0, 80));
  }
}

/** The native symbol of an L3 topic in a frame, or undefined when the frame has no L3 topic. */
export function topicSymbol(frame: string): string | undefined {
  const at = frame.indexOf('"topic":"');
  if (at < 0) return undefined;
  const start = at + 9;
  const end = frame.indexOf('"', start);
  if (end < 0) return undefined;
  for (const p of PREFIXES) {
    if (frame.startsWith(p, start)) return frame.slice(start + p.length, end);
  }
  return undefined;
}
