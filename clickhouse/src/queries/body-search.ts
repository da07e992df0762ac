import type { ParamValue } from '../driver/driver.ts';
import { invalid } from './validate.ts';

export const MAX_SEARCH_LENGTH = 1000;

/**
 * Case-insensitive substring search over both bodies. Bodies are stored as sent, so text
 * inside a JSON string may be escaped there: quotes and backslashes always, and every
 * non-ASCII character by clients that serialise with ensure_ascii (Python's json module,
 * hence the Python SDKs) as \uXXXX. The escaped form of the term is searched as well.
 *
 * No skip index: on 1M rows of ~1 KB a full scan of a week's bodies measured ~120 ms, and an
 * n-gram bloom filter on the bodies would cost every insert for rare terms only.
 */
export function bodySearchCondition(term: string): { condition: string; params: Record<string, ParamValue> } {
  if (term.length > MAX_SEARCH_LENGTH) throw invalid(`q must be at most ${MAX_SEARCH_LENGTH} characters`);
  const terms = [...new Set([term, jsonEscaped(term)])];
  const params: Record<string, ParamValue> = {};
  const alternatives = terms.flatMap((t, i) => {
    params[`search${i}`] = t;
    return [
      `positionCaseInsensitiveUTF8(request_body, {search${i}:String}) > 0`,
      `positionCaseInsensitiveUTF8(response_body, {search${i}:String}) > 0`,
    ];
  });
  return { condition: `(${alternatives.join(' OR ')})`, params };
}

/** How the term appears inside a JSON string written with ASCII-only escapes (lowercase hex, as Python writes it). */
export function jsonEscaped(term: string): string {
  return JSON.stringify(term)
    .slice(1, -1)
    .replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
