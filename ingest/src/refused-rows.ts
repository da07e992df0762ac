import { StoreError } from '@periscope/clickhouse';

/** A row the store refused on its own, and the store's reason. */
export interface RefusedRow {
  index: number;
  reason: string;
}

export type InsertRows = (rows: Buffer[], dedupToken: string) => Promise<void>;

const refusal = (err: unknown) => err instanceof StoreError && err.status === 400;

/**
 * Inserts `rows` as one insert under `token`; if the store refuses them for their content (a
 * 400: the engine could not parse or convert a value), halves are inserted in turn, down to
 * single rows, so every row the store takes is stored and only the rows it refuses alone are
 * returned: a handful of bad rows costs a few inserts per row (log2 of the batch), not a batch.
 *
 * Any other failure is thrown, for the caller to retry the whole call. The slices' tokens
 * (`token#from-to`) depend only on the rows' positions, so a retry after a failure midway stores
 * again nothing that a slice had stored: the same rows must come with the same token.
 */
export async function insertIsolatingRefused(rows: Buffer[], token: string, insert: InsertRows): Promise<RefusedRow[]> {
  const refused: RefusedRow[] = [];
  const attempt = async (from: number, to: number, sliceToken: string): Promise<void> => {
    try {
      await insert(from === 0 && to === rows.length ? rows : rows.slice(from, to), sliceToken);
    } catch (err) {
      if (!refusal(err)) throw err;
      if (to - from === 1) {
        refused.push({ index: from, reason: (err as Error).message });
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
