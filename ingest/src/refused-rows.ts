import { StoreError } from '@periscope/clickhouse';
import { PartAbandoned } from './kafka/grouped-inserts.ts';

/** A row the store refused on its own, and the store's reason. */
export interface RefusedRow {
  index: number;
  reason: string;
}

export type InsertRows = (rows: Buffer[], dedupToken: string) => Promise<void>;

/** The store refused the rows for their content (the engine's parse or type error): retrying them cannot help. */
export const isRefusal = (err: unknown): err is StoreError => err instanceof StoreError && err.status === 400;

/**
 * Inserts `rows` as one insert under `token`; if the store refuses them for their content (a
 * 400: the engine could not parse or convert a value), halves are inserted in turn, down to
 * single rows, so every row the store takes is stored and only the rows it refuses alone are
 * returned: a handful of bad rows costs a few inserts per row (log2 of the batch), not a batch.
 *
 * Any other failure is thrown, for the caller to retry. The slices' tokens (`token#from-to`)
 * depend only on the rows' positions, so the same rows must come with the same token. ClickHouse
 * remembers the last 1,000 tokens of a table (non_replicated_deduplication_window), which a
 * split with many bad rows can exceed: before a retry, callers leave out the rows stored already
 * and name the rest by their count in `token`. `live`, when given, is asked before each insert:
 * once false, PartAbandoned is thrown (the partition went to another consumer).
 */
export async function insertIsolatingRefused(rows: Buffer[], token: string, insert: InsertRows, live: () => boolean = () => true): Promise<RefusedRow[]> {
  const refused: RefusedRow[] = [];
  const attempt = async (from: number, to: number, sliceToken: string): Promise<void> => {
    if (!live()) throw new PartAbandoned(`${token}: partition no longer ours`);
    try {
      await insert(from === 0 && to === rows.length ? rows : rows.slice(from, to), sliceToken);
    } catch (err) {
      if (!isRefusal(err)) throw err;
      if (to - from === 1) {
        refused.push({ index: from, reason: err.message });
        return;
      }
      const mid = from + Math.ceil((to - from) / 2);
      await attempt(from, mid, `${token}#${from}-${mid}`);
      await attempt(mid, to, `${token}#${mid}-${to}`);
    }
  };
  if (rows.length > 0) await attempt(0, rows.length, token);
  return refused;
}
