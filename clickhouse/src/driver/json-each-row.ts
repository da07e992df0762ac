/** Decodes JSONEachRow output: one JSON object per non-empty line. */
export function parseJSONEachRow<T>(text: string): T[] {
  const rows: T[] = [];
  for (const line of text.split('\n')) {
    if (line.length > 0) rows.push(JSON.parse(line) as T);
  }
  return rows;
}
