/**
 * Per-strategy indexes of open and closed order handles. Both are insertion-ordered Sets, so
 * add, remove and "evict the oldest closed" are O(1). The closed list of each strategy is capped;
 * `close` returns the handle it pushed out (the tracker then forgets that order).
 */
export interface StrategyOrders {
  readonly open: Set<number>;
  readonly closed: Set<number>;
}

export class StrategyIndex {
  private readonly byStrategy = new Map<string, StrategyOrders>();

  constructor(private readonly closedCap: number) {
    if (!Number.isSafeInteger(closedCap) || closedCap < 1) throw new RangeError(`closedCap ${closedCap}`);
  }

  private entry(strategy: string): StrategyOrders {
    let e = this.byStrategy.get(strategy);
    if (e === undefined) {
      e = { open: new Set(), closed: new Set() };
      this.byStrategy.set(strategy, e);
    }
    return e;
  }

  addOpen(strategy: string, handle: number): void {
    this.entry(strategy).open.add(handle);
  }

  /** Move `handle` from open to closed; returns an evicted handle when the cap is exceeded. */
  close(strategy: string, handle: number): number | undefined {
    const e = this.entry(strategy);
    e.open.delete(handle);
    e.closed.add(handle);
    if (e.closed.size > this.closedCap) {
      const oldest = e.closed.values().next();
      if (!oldest.done) {
        e.closed.delete(oldest.value);
        return oldest.value;
      }
    }
    return undefined;
  }

  open(strategy: string): ReadonlySet<number> {
    return this.byStrategy.get(strategy)?.open ?? EMPTY;
  }

  closed(strategy: string): ReadonlySet<number> {
    return this.byStrategy.get(strategy)?.closed ?? EMPTY;
  }

  strategies(): string[] {
    return [...this.byStrategy.keys()];
  }
}

const EMPTY: ReadonlySet<number> = new Set();
