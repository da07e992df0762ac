/** JSON string literals as a lenient reader finds and reads them, in text that may not be valid JSON. */

/**
 * A double-quoted JSON string literal (group 1: its closing quote), or one left open at the end of
 * a line or of the text (group 1 empty): a body cut short ends in one, and so does the last
 * `data:` line of a stream cut there, and a lenient reader still decodes it. Only literals with
 * an escape can spell a secret otherwise. Once at a quote the scan cannot fail, so a pass is
 * linear in the text's length: a pattern that can fail (at a line's end, or at `\` before U+2028)
 * retries from every escaped quote before that point, seconds for 64 KB.
 */
export const JSON_STRING = /"(?:[^"\\\n]|\\[^\n])*("|\\?(?=\n|$))/g;
/** JSON_STRING for text whose lines may end in a CR alone (an SSE stream may). */
export const JSON_STRING_CR_LINES = /"(?:[^"\\\n\r]|\\[^\n\r])*("|\\?(?=[\n\r]|$))/g;

const LITERAL_ESCAPE = /\\(?:u([0-9a-fA-F]{4})|([\s\S]))?/g;
const SHORT_ESCAPES: Readonly<Record<string, string>> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

/**
 * What a JSON string literal (as JSON_STRING matched it) holds, read leniently as some parsers
 * do: an invalid escape (`\x`) as its letter, a raw control character as itself, an escape the
 * end of the text cut off as nothing. The same as JSON.parse for a valid literal.
 */
export function readLiteral(literal: string, closed: boolean): string {
  return literal.slice(1, closed ? -1 : undefined).replace(LITERAL_ESCAPE, (_m, hex: string | undefined, letter: string | undefined) => {
    if (hex !== undefined) return String.fromCharCode(Number.parseInt(hex, 16));
    return letter === undefined ? '' : (SHORT_ESCAPES[letter] ?? letter);
  });
}

/** `text` as a JSON string literal, left open (no closing quote) when the one it replaces was. */
export function writeLiteral(text: string, closed: boolean): string {
  const literal = JSON.stringify(text);
  return closed ? literal : literal.slice(0, -1);
}
