import { StoreError } from '@periscope/clickhouse';

/** One partition's batch, to be stored with whatever other partitions hand in meanwhile. */
interface Part {
  rows: Buffer[];
  /** What the part holds, as `topic/partition/first-last`: the group's dedup token joins them. */
  range: string;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export type InsertRows = (rows: Buffer[], dedupToken: string) => Promise<void>;

/**
 * Group commit for the consumer's partitions: a batch handed in while no insert runs goes out at
 * once (a small one after one turn of the event loop, see #drain), and every batch handed in
 * while an insert runs goes out together in the next. An insert has a
 * fixed cost (a part per partition of the table, the rollup views, a merge later) that dwarfs
 * its rows', so one insert per fetch instead of one per partition's batch is most of the
 * consumer's store cost, and the first batch's insert runs in the engine's threads while the
 * next batches are still being checked.
 *
 * Each part's promise settles with its group's insert. A group the store refuses as invalid
 * (400) is split: every part is tried alone, so only the part that holds the bad row is refused.
 */
export class GroupedInserts {
  #next: Part[] = [];
  #draining = false;

  /** `maxRows`: rows above which parts go out in separate inserts (one part is never split). */
  constructor(private readonly insertRows: InsertRows, private readonly maxRows = 25_000) {}

  insert(rows: Buffer[], range: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#next.push({ rows, range, resolve, reject });
      if (!this.#draining) void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    this.#draining = true;
    try {
      // A small first part waits one turn of the event loop for the rest of its fetch (each
      // partition's batch is checked in a turn of its own): a trickle then costs one insert per
      // fetch, not two. A large one goes at once, to overlap the checks of the others.
      if (this.#next.length === 1 && this.#next[0]!.rows.length < this.maxRows / 5) await new Promise((resolve) => setImmediate(resolve));
      while (this.#next.length > 0) {
        // Whole parts up to the cap (a part over it alone); the rest waits for the next insert.
        let rows = 0;
        let take = 0;
        while (take < this.#next.length && (take === 0 || rows + this.#next[take]!.rows.length <= this.maxRows)) rows += this.#next[take++]!.rows.length;
        const group = this.#next.splice(0, take);
        await this.#store(group);
      }
    } finally {
      this.#draining = false;
    }
  }

  async #store(group: Part[]): Promise<void> {
    try {
      await this.insertRows(group.length === 1 ? group[0]!.rows : group.flatMap((p) => p.rows), group.map((p) => p.range).join(','));
      for (const part of group) part.resolve();
    } catch (err) {
      if (group.length > 1 && err instanceof StoreError && err.status === 400) {
        for (const part of group) await this.#store([part]);
        return;
      }
      for (const part of group) part.reject(err);
    }
  }
}
