import { parse as parseToml } from 'smol-toml';

/** A settings file we cannot merge into safely: the message says what to fix by hand. */
export class MergeError extends Error {}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Sets `entries` (paths of object keys to values) in a JSON settings file's text and returns
 * the new text. Every other key the user has stays, in its order; an entry whose key holds
 * a value of the user's own is replaced only when `replace(path, old)` allows it.
 */
export function mergeJson(text: string, entries: Array<[string[], unknown]>, keep: (path: string[], old: unknown) => boolean = () => false): { text: string; kept: string[][] } {
  let root: unknown = {};
  if (text.trim() !== '') {
    try {
      root = JSON.parse(text);
    } catch (err) {
      throw new MergeError(`not valid JSON (${(err as Error).message}); fix or move it first`);
    }
  }
  if (!isObject(root)) throw new MergeError('the file is not a JSON object');
  const kept: string[][] = [];
  for (const [path, value] of entries) {
    let node: Json = root;
    for (const key of path.slice(0, -1)) {
      const next = node[key];
      if (next !== undefined && !isObject(next)) throw new MergeError(`${path.join('.')}: ${key} is not an object`);
      node = (node[key] ??= {}) as Json;
    }
    const last = path[path.length - 1]!;
    if (node[last] !== undefined && keep(path, node[last])) {
      kept.push(path);
      continue;
    }
    node[last] = value;
  }
  return { text: `${JSON.stringify(root, null, 2)}\n`, kept };
}

const TABLE_HEADER = /^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$/;

/**
 * Edits a TOML file as text, so the user's comments and layout stay: a root-level key is set
 * (replaced in place, or added before the first table), and a whole `[table]` is replaced (or
 * appended). The result is parsed to check it; a file that defines the table another way
 * (dotted keys, inline tables) is refused rather than guessed at.
 */
export function mergeToml(text: string, rootKeys: Record<string, string>, table: string, body: string[]): string {
  const before = text.trim() === '' ? {} : parseTomlOrExplain(text);
  const path = table.split('.');
  let node: unknown = before;
  for (const key of path) node = isObject(node) ? node[key] : undefined;
  const lines = text === '' ? [] : text.replace(/\n$/, '').split('\n');
  const headerAt = lines.findIndex((l) => TABLE_HEADER.exec(l)?.[1] === table);
  if (node !== undefined && headerAt < 0) throw new MergeError(`[${table}] is defined with dotted keys or an inline table; replace it by hand with the lines below`);
  const firstTable = lines.findIndex((l) => TABLE_HEADER.test(l));
  const rootEnd = firstTable < 0 ? lines.length : firstTable;
  for (const [key, value] of Object.entries(rootKeys)) {
    const at = lines.slice(0, rootEnd).findIndex((l) => new RegExp(`^\\s*${key}\\s*=`).test(l));
    const line = `${key} = ${value}`;
    if (at >= 0) lines[at] = line;
    else lines.splice(0, 0, line);
  }
  const tableAt = lines.findIndex((l) => TABLE_HEADER.exec(l)?.[1] === table);
  const block = [`[${table}]`, ...body];
  if (tableAt >= 0) {
    let end = tableAt + 1;
    while (end < lines.length && !TABLE_HEADER.test(lines[end]!)) end++;
    // Blank lines and comments before the next table belong to that table.
    while (end > tableAt + 1 && /^\s*(#.*)?$/.test(lines[end - 1]!)) end--;
    lines.splice(tableAt, end - tableAt, ...block);
  } else {
    if (lines.length > 0 && lines[lines.length - 1]!.trim() !== '') lines.push('');
    lines.push(...block);
  }
  const out = `${lines.join('\n')}\n`;
  parseTomlOrExplain(out);
  return out;
}

function parseTomlOrExplain(text: string): Json {
  try {
    return parseToml(text) as Json;
  } catch (err) {
    throw new MergeError(`not valid TOML (${(err as Error).message.split('\n', 1)[0]}); fix it first`);
  }
}

/** Sets KEY=value lines of a dotenv file, keeping every other line. */
export function mergeDotenv(text: string, values: Record<string, string>): string {
  const lines = text === '' ? [] : text.replace(/\n$/, '').split('\n');
  for (const [key, value] of Object.entries(values)) {
    const line = `${key}=${value}`;
    const at = lines.findIndex((l) => new RegExp(`^\\s*(export\\s+)?${key}\\s*=`).test(l));
    if (at >= 0) lines[at] = line;
    else lines.push(line);
  }
  return `${lines.join('\n')}\n`;
}
