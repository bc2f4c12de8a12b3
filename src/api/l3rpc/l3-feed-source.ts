/**
 * Where the L3 RPC server gets the public level-3 feed of its symbol for the Redis fan-out: the
 * GatewayPort gives the book (`l3Book`) and own-order events, but not the raw order-by-order
 * feed, which the SDK fan-out needs for every order (received/open/update/match/done, both sides
 * of a match). An `L3FeedSource` delivers the normalised L3 events of one instrument in
 * sequence order; `l3-frame.ts` turns them back into KuCoin v2 frames.
 *
 * `simEngineL3Feed` is the source over deskgate's simulated exchange (the same events SimVenue's
 * L3Book is kept from). A live KuCoin deployment passes a source fed by its L3 decoder.
 */
import type { L3Event } from '../../core/events.js';
import type { Instrument } from '../../core/instrument.js';
import type { SimEngine } from '../../venue/sim/engine.js';

export type L3FeedListener = (e: L3Event) => void;

export interface L3FeedSource {
  /** Every L3 event of the instrument's public feed, in sequence order. Returns unsubscribe. */
  onL3(inst: Instrument, listener: L3FeedListener): () => void;
}

export function simEngineL3Feed(engine: Pick<SimEngine, 'on'>): L3FeedSource {
  return {
    onL3(inst, listener) {
      const native = inst.native;
      return engine.on((m) => {
        if (m.type === 'l3' && m.symbol === native) listener(m.event);
      });
    },
  };
}
