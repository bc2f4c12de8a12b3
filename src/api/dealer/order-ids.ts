/**
 * MOV order ids are integers; venue order ids are strings. DealerOrderIds hands out dense
 * integers (1, 2, 3 …) per process, one per venue order, and maps both ways. Ids are never
 * reused while the process lives (the MOV client keeps them), so the table grows with the orders
 * the Dealer has seen; `maxOrders` bounds it by forgetting the oldest ids first.
 */
import type { Instrument } from '../../core/instrument.js';

export interface DealerOrderRef {
  readonly id: number;
  readonly instrument: Instrument;
  readonly venueOrderId: string;
}

export class DealerOrderIds {
  private next = 1;
  private readonly byId = new Map<number, DealerOrderRef>();
  private readonly byVenue = new Map<string, DealerOrderRef>();

  constructor(private readonly maxOrders = 1_000_000) {}

  get size(): number {
    return this.byId.size;
  }

  /** The integer id of a venue order, assigning the next one on first sight. */
  idOf(instrument: Instrument, venueOrderId: string): number {
    const key = `${instrument.id}\u0000${venueOrderId}`;
    const known = this.byVenue.get(key);
    if (known) return known.id;
    const ref: DealerOrderRef = { id: this.next++, instrument, venueOrderId };
    this.byId.set(ref.id, ref);
    this.byVenue.set(key, ref);
    if (this.byId.size > this.maxOrders) {
      const oldest = this.byId.values().next().value as DealerOrderRef;
      this.byId.delete(oldest.id);
      this.byVenue.delete(`${oldest.instrument.id}\u0000${oldest.venueOrderId}`);
    }
    return ref.id;
  }

  get(id: number): DealerOrderRef | undefined {
    return this.byId.get(id);
  }
}
