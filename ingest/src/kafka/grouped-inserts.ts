import { StoreError } from '@periscope/clickhouse';
import { byMonth, monthOf, spansMonths } from '../months.ts';

/** One partition's batch, to be stored with whatever other partitions hand in meanwhile. */
export interface PartRows {
  rows: Buffer[];
  /** Each row's created_at (ms): an insert never holds two months (months.ts). */
  createdAt: readonly number[];
  /** What the part holds, as `generation/topic/partition/first-last` (the consumer's generation, event-consumer.ts). */
  range: string;
  /** False once the part's consumer lost its partition or stops: the part is then dropped if not yet sent. */
  live: () => boolean;
}

interface Part extends Omit<PartRows, 'createdAt'> {
  month: number;
  bytes: number;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export interface GroupedInsertsOptions {
  insertRows: (rows: Buffer[], dedupToken: string) => Promise<void>;
  /** Called on every failed insert of a group, before it is tried again. */
  onFailure: (err: unknown) => void;
  /** Rows and bytes above which parts go out in separate inserts. */
  maxRows?: number;
  maxBytes?: number;
  /** First pause before a failed group is tried again (doubles up to 5 s). */
  retryMs?: number;
}

/** Why a part was not stored: its consumer no longer owns the partition (the batch will be read again). */
export class PartAbandoned extends Error {}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Group commit for the consumer's partitions: a batch handed in while no insert runs goes out at
 * once (a small one after one turn of the event loop, see #drain), and every batch handed in
 * while an insert runs goes out together in the next. An insert has a fixed cost (a part per
 * partition of the table, the rollup views, a merge later) that dwarfs its rows', so one insert
 * per fetch instead of one per partition's batch is most of the consumer's store cost, and the
 * first batch's insert runs in the engine's threads while the next batches are still checked.
 *
 * A failed group is tried again as it was, the same rows under the same deduplication token,
 * for as long as any of its parts is live: an insert that failed after the engine stored some of
 * its blocks, or that a ClickHouse server is still running after the client gave up, is then
 * stored once. The token names each part's range and row count: a batch checked again after a
 * failure, with rows found stored left out, gets another token, never the same token for fewer
 * rows (which ClickHouse would drop as a repeat). Stored rows only ever grow, so the same range
 * with the same count is the same rows.
 *
 * A group the store refuses as invalid (400) is split: every part is tried alone, so only the
 * part that holds the bad row is refused.
 *
 * An insert holds rows of one month, the table's partition (months.ts): a part whose rows fall in
 * two months goes in one insert per month, and parts of different months never share one.
 */
export class GroupedInserts {
  #next: Part[] = [];
  #draining = false;
  readonly #o: Required<GroupedInsertsOptions>;

  constructor(o: GroupedInsertsOptions) {
    this.#o = { maxRows: 25_000, maxBytes: 64 * 1024 * 1024, retryMs: 100, ...o };
  }

  /**
   * Resolves once the rows are stored; rejects with the store's 400, or PartAbandoned. A part
   * over a cap, or whose rows fall in two months, goes out in several inserts, in the same order
   * every time it is handed in.
   */
  async insert(part: PartRows): Promise<void> {
    if (part.createdAt.length !== part.rows.length) throw new Error(`${part.range}: ${part.rows.length} rows but ${part.createdAt.length} times`);
    const indexes = part.rows.map((_, i) => i);
    const time = (i: number) => part.createdAt[i]!;
    const months = spansMonths(indexes, time) ? byMonth(indexes, time) : new Map([[monthOf(time(0)), indexes]]);
    const pieces = [...months].flatMap(([month, rows]) => {
      const range = months.size > 1 ? `${part.range}@${month}` : part.range;
      const chunks = this.#chunks(months.size > 1 ? rows.map((i) => part.rows[i]!) : part.rows);
      return chunks.map((chunk, i) => ({ rows: chunk, month, range: chunks.length > 1 ? `${range}#${i + 1}/${chunks.length}` : range, live: part.live }));
    });
    if (pieces.length === 1) return this.#enqueue(pieces[0]!);
    // Settled together: a caller that handles a refused piece must not race a sibling still
    // being stored (it would store that piece's rows a second time, under another token).
    const settled = await Promise.allSettled(pieces.map((piece) => this.#enqueue(piece)));
    const failures = settled.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
    if (failures.length > 0) throw failures.find((err) => err instanceof PartAbandoned) ?? failures[0];
  }

  #chunks(rows: Buffer[]): Buffer[][] {
    const chunks: Buffer[][] = [[]];
    let bytes = 0;
    for (const row of rows) {
      const last = chunks.at(-1)!;
      if (last.length > 0 && (last.length >= this.#o.maxRows || bytes + row.length + 1 > this.#o.maxBytes)) {
        chunks.push([row]);
        bytes = row.length + 1;
      } else {
        last.push(row);
        bytes += row.length + 1;
      }
    }
    return chunks;
  }

  #enqueue(part: Omit<Part, 'bytes' | 'resolve' | 'reject'>): Promise<void> {
    return new Promise((resolve, reject) => {
      const bytes = part.rows.reduce((n, row) => n + row.length + 1, 0);
      this.#next.push(Object.assign({}, part, { bytes, resolve, reject }));
      if (!this.#draining) void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    this.#draining = true;
    try {
      // A small first part waits one turn of the event loop for the rest of its fetch (each
      // partition's batch is checked in a turn of its own): a trickle then costs one insert per
      // fetch, not two. A large one goes at once, to overlap the checks of the others.
      const [only] = this.#next;
      if (this.#next.length === 1 && only!.rows.length < this.#o.maxRows / 5) await new Promise((resolve) => setImmediate(resolve));
      for (;;) {
        // Parts whose consumer lost the partition meanwhile are not sent: the new owner reads them again.
        for (const part of this.#next.filter((p) => !p.live())) part.reject(new PartAbandoned(`${part.range}: partition no longer ours`));
        this.#next = this.#next.filter((p) => p.live());
        if (this.#next.length === 0) return;
        await this.#store(this.#take());
      }
    } finally {
      this.#draining = false;
    }
  }

  /** The next insert's parts, taken from #next: whole parts of the first's month, within the caps (each part fits alone). */
  #take(): Part[] {
    const { month } = this.#next[0]!;
    const taken: Part[] = [];
    const left: Part[] = [];
    let rows = 0;
    let bytes = 0;
    let full = false;
    for (const part of this.#next) {
      // Only a part of the month can fill the insert: another month's large part leaves room for the rest.
      if (part.month === month) full ||= taken.length > 0 && (rows + part.rows.length > this.#o.maxRows || bytes + part.bytes > this.#o.maxBytes);
      if (full || part.month !== month) {
        left.push(part);
        continue;
      }
      rows += part.rows.length;
      bytes += part.bytes;
      taken.push(part);
    }
    this.#next = left;
    return taken;
  }

  async #store(group: Part[]): Promise<void> {
    const rows = group.length === 1 ? group[0]!.rows : group.flatMap((p) => p.rows);
    const token = group.map((p) => `${p.range}:${p.rows.length}`).join(',');
    for (let delay = this.#o.retryMs; ; delay = Math.min(delay * 2, 5000)) {
      try {
        await this.#o.insertRows(rows, token);
        for (const part of group) part.resolve();
        return;
      } catch (err) {
        if (err instanceof StoreError && err.status === 400) {
          if (group.length === 1) group[0]!.reject(err);
          else for (const part of group) await this.#store([part]);
          return;
        }
        this.#o.onFailure(err);
      }
      if (!group.some((p) => p.live())) {
        for (const part of group) part.reject(new PartAbandoned(`${part.range}: partition no longer ours`));
        return;
      }
      await sleep(delay);
    }
  }
}
