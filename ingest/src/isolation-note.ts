/**
 * The slice SpoolIngest is inserting (the whole batch, or a slice of it while it isolates rows
 * the engine refused, refused-rows.ts), noted in the spool's cursor before the insert. A crash
 * may stop that insert after the engine committed the table's part and before a rollup's: only
 * the same token fills that rollup in without counting the slice twice, so a restart inserts
 * the slice again under it when the table holds any of its rows. Everything else a restart
 * learns from the table itself.
 * Indices are the batch's records (not its decoded rows), with the record count, so a note can
 * only apply to its own batch.
 */
export interface SliceInFlight {
  records: number[];
  token: string;
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

/**
 * The note of a batch begun with no slice in flight yet (checked against the table first): a
 * restart checks it again. Without a note a batch would look begun by a version before the notes,
 * which inserted it whole under its bare token, and would go again under that token.
 */
export function encodeCheckNote(records: number): string {
  return JSON.stringify({ v: VERSION, n: records });
}

export function encodeSliceNote(slice: SliceInFlight, records: number): string {
  return JSON.stringify({ v: VERSION, n: records, slice: { records: toRanges(slice.records), token: slice.token } });
}

/**
 * The slice noted with a batch of `records` records whose isolation tokens extend `token`;
 * undefined when there is none, or the note is damaged, from another version, or another
 * batch's. Ignoring a note is safe but for that slice's rollups: the batch is then checked
 * against the table, which says what it lacks.
 */
export function decodeSliceNote(text: string | undefined, records: number, token: string): SliceInFlight | undefined {
  if (text === undefined) return undefined;
  let parsed: { v?: unknown; n?: unknown; slice?: { records?: unknown; token?: unknown } } | null;
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch {
    return undefined;
  }
  if (parsed?.v !== VERSION || parsed.n !== records) return undefined;
  const slice = fromRanges(parsed.slice?.records, records);
  const sliceToken = parsed.slice?.token;
  if (!slice || slice.length === 0 || typeof sliceToken !== 'string' || !sliceToken.startsWith(`${token}:`)) return undefined;
  return { records: slice, token: sliceToken };
}
