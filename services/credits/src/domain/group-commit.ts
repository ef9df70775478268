interface Waiting<I, O> {
  item: I;
  resolve(outcome: O): void;
  reject(error: unknown): void;
}

interface Lane<I, O> {
  waiting: Waiting<I, O>[];
  /** A batch of this lane is being written (or about to be, on the next turn of the loop). */
  busy: boolean;
}

export interface GroupCommitOptions<I, O> {
  /** Writes one batch of a lane; returns one outcome per item, in the items' order. */
  write(lane: string, items: I[]): Promise<O[]>;
  /** The most items one batch takes; the rest wait for the next batch. */
  maxBatch: number;
  /** Items with the same `distinct` go in separate batches, in the order they arrived. */
  distinct?: (item: I) => string;
}

/**
 * Group commit: the items submitted to a lane (say, the organizations sharing it) while a batch
 * of that lane is being written wait, then go together in the next batch, one transaction for
 * all of them. One batch per lane at a time: a lane's writes would queue on the same row locks
 * anyway, and meanwhile the next batch grows. An idle lane writes what arrives on the next turn of the event
 * loop, so a lone item waits for nothing. Each submit gets its own outcome, or the batch's error;
 * nothing is answered before its batch is written.
 */
export class GroupCommit<I, O> {
  private readonly lanes = new Map<string, Lane<I, O>>();

  constructor(private readonly options: GroupCommitOptions<I, O>) {}

  submit(lane: string, item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      let state = this.lanes.get(lane);
      if (!state) {
        state = { waiting: [], busy: false };
        this.lanes.set(lane, state);
      }
      state.waiting.push({ item, resolve, reject });
      if (!state.busy) {
        state.busy = true;
        const idle = state;
        setImmediate(() => void this.drain(lane, idle));
      }
    });
  }

  private async drain(lane: string, state: Lane<I, O>): Promise<void> {
    while (state.waiting.length > 0) {
      const batch = this.take(state);
      try {
        const outcomes = await this.options.write(
          lane,
          batch.map((w) => w.item),
        );
        batch.forEach((w, i) => w.resolve(outcomes[i]!));
      } catch (error) {
        batch.forEach((w) => w.reject(error));
      }
    }
    state.busy = false;
    this.lanes.delete(lane);
  }

  /** The next batch: up to `maxBatch` waiting items, no two of them with the same `distinct`. */
  private take(state: Lane<I, O>): Waiting<I, O>[] {
    const { maxBatch, distinct } = this.options;
    if (!distinct) return state.waiting.splice(0, maxBatch);
    const batch: Waiting<I, O>[] = [];
    const later: Waiting<I, O>[] = [];
    const seen = new Set<string>();
    let next = 0;
    for (; next < state.waiting.length && batch.length < maxBatch; next++) {
      const waiting = state.waiting[next]!;
      const id = distinct(waiting.item);
      if (seen.has(id)) {
        later.push(waiting);
      } else {
        seen.add(id);
        batch.push(waiting);
      }
    }
    later.push(...state.waiting.slice(next));
    state.waiting = later;
    return batch;
  }
}
