import { StoreError } from '@periscope/clickhouse';
import { PartAbandoned } from './kafka/grouped-inserts.ts';

/** A row the store refused on its own, and the store's reason. */
export interface RefusedRow {
  index: number;
  reason: string;
}

export type InsertRows = (rows: Buffer[], dedupToken: string) => Promise<void>;

export interface IsolationOptions {
  /** Asked before every insert: once false, PartAbandoned is thrown (stopping, or the partition went to another consumer). */
  live?: () => boolean;
  /** Called on every failure that is not a refusal, before the slice is tried again. */
  onFailure?: (err: unknown) => void;
  /** First pause before a failed slice is tried again (doubles up to 5 s). */
  retryMs?: number;
  /** The pause itself: one that a stop cuts short (then `live()` says to give up). */
  pause?: (ms: number) => Promise<void>;
}

/** The store refused the rows for their content (the engine's parse error): retrying them cannot help. */
export const isRefusal = (err: unknown): err is StoreError => err instanceof StoreError && err.code === 'rows_refused';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Inserts `rows` as one insert under `token`; if the store refuses them for their content (the
 * engine could not parse a value), halves are inserted in turn, down to single rows, so every
 * row the store takes is stored and only the rows it refuses alone are returned: a handful of
 * bad rows costs a few inserts per row (log2 of the batch), not a batch.
 *
 * Any other failure is retried in place, the same rows under the same token, for as long as
 * `live()`: a slice the store completed after its client gave up is then stored once. The
 * slices' tokens (`token#from-to`) depend only on the rows' positions, so the same rows come
 * with the same token; across a restart or a redelivery, callers leave out the rows stored
 * already and name the rest by their count in `token` (ClickHouse remembers only the last 1,000
 * tokens of a table, non_replicated_deduplication_window).
 */
export async function insertIsolatingRefused(rows: Buffer[], token: string, insert: InsertRows, o: IsolationOptions = {}): Promise<RefusedRow[]> {
  const live = o.live ?? (() => true);
  const refused: RefusedRow[] = [];
  const attempt = async (from: number, to: number, sliceToken: string): Promise<void> => {
    for (let delay = o.retryMs ?? 100; ; delay = Math.min(delay * 2, 5000)) {
      if (!live()) throw new PartAbandoned(`${token}: stopping, or the partition is no longer ours`);
      try {
        await insert(from === 0 && to === rows.length ? rows : rows.slice(from, to), sliceToken);
        return;
      } catch (err) {
        if (isRefusal(err)) {
          if (to - from === 1) {
            refused.push({ index: from, reason: err.message });
            return;
          }
          const mid = from + Math.ceil((to - from) / 2);
          await attempt(from, mid, `${token}#${from}-${mid}`);
          await attempt(mid, to, `${token}#${mid}-${to}`);
          return;
        }
        o.onFailure?.(err);
      }
      await (o.pause ?? sleep)(delay);
    }
  };
  if (rows.length > 0) await attempt(0, rows.length, token);
  return refused;
}
