/**
 * What SpoolIngest notes with a batch while it isolates rows the engine refused
 * (refused-rows.ts), kept in the spool's cursor so that a restart goes on exactly where the
 * crash left it:
 * - `stored`: the batch's records known to be stored (found in the table when isolation began,
 *   or in a slice whose insert returned);
 * - `slice`: the slice being inserted when the note was written, and its deduplication token.
 *   Its insert may have reached the table and not every rollup: only the same token fills those
 *   in without counting it twice.
 * Indices are the batch's records (not its decoded rows), with the record count, so a note can
 * only apply to its own batch.
 */
export interface IsolationNote {
  stored: Set<number>;
  slice?: { records: number[]; token: string };
}

const VERSION = 1;

type Range = [number, number];

/** Sorted indices as [from, to) ranges. */
function toRanges(indices: Iterable<number>): Range[] {
  const ranges: Range[] = [];
  for (const i of [...indices].sort((a, b) => a - b)) {
    const last = ranges.at(-1);
    if (last && last[1] === i) last[1] = i + 1;
    else if (!last || last[1] < i) ranges.push([i, i + 1]);
  }
  return ranges;
}

/** The indices of ranges that are ascending, disjoint and within [0, count); undefined for anything else. */
function fromRanges(value: unknown, count: number): number[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const indices: number[] = [];
  let floor = 0;
  for (const range of value) {
    if (!Array.isArray(range) || range.length !== 2) return undefined;
    const [from, to] = range as unknown[];
    if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to)) return undefined;
    if ((from as number) < floor || (to as number) <= (from as number) || (to as number) > count) return undefined;
    for (let i = from as number; i < (to as number); i++) indices.push(i);
    floor = to as number;
  }
  return indices;
}

export function encodeIsolationNote(note: IsolationNote, records: number): string {
  const slice = note.slice ? { records: toRanges(note.slice.records), token: note.slice.token } : undefined;
  return JSON.stringify({ v: VERSION, n: records, stored: toRanges(note.stored), ...(slice ? { slice } : {}) });
}

/**
 * The note of a batch of `records` records whose slices' tokens all start with `token`;
 * undefined when there is none, or it is damaged, from another version, or another batch's.
 * Ignoring a note is safe: the batch is then inserted whole again, and isolated again if the
 * engine refuses it.
 */
export function decodeIsolationNote(text: string | undefined, records: number, token: string): IsolationNote | undefined {
  if (text === undefined) return undefined;
  let parsed: { v?: unknown; n?: unknown; stored?: unknown; slice?: { records?: unknown; token?: unknown } };
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch {
    return undefined;
  }
  if (parsed?.v !== VERSION || parsed.n !== records) return undefined;
  const stored = fromRanges(parsed.stored, records);
  if (!stored) return undefined;
  if (parsed.slice === undefined) return { stored: new Set(stored) };
  const slice = fromRanges(parsed.slice?.records, records);
  const sliceToken = parsed.slice?.token;
  if (!slice || slice.length === 0 || typeof sliceToken !== 'string' || !sliceToken.startsWith(token)) return undefined;
  return { stored: new Set(stored), slice: { records: slice, token: sliceToken } };
}
