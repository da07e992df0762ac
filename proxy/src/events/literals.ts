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

/**
 * `literal`, which reads as `decoded`, rewritten to read as `redacted`: only the stretch from the
 * first to the last character that differ is written anew, the rest keeps its escapes. Writing
 * the whole content anew decodes every escape: a key spelled with `\u` escapes that this reading
 * does not take for one (no word boundary before it) was then stored plainly, and another reading
 * (an SSE event's data joined) gives it one (the longer generator run's case 12081).
 */
export function rewriteLiteral(literal: string, closed: boolean, decoded: string, redacted: string): string {
  let p = 0;
  while (p < decoded.length && p < redacted.length && decoded[p] === redacted[p]) p++;
  let q = 0;
  while (q < decoded.length - p && q < redacted.length - p && decoded[decoded.length - 1 - q] === redacted[redacted.length - 1 - q]) q++;
  const content = literal.slice(1, closed ? -1 : undefined);
  const from = rawOffset(content, p);
  const to = rawOffset(content, decoded.length - q);
  const middle = JSON.stringify(redacted.slice(p, redacted.length - q)).slice(1, -1);
  return `"${content.slice(0, from)}${middle}${content.slice(to)}${closed ? '"' : ''}`;
}

/** Where the `index`th character readLiteral decodes from `content` starts in it. */
function rawOffset(content: string, index: number): number {
  let raw = 0;
  for (let decoded = 0; decoded < index && raw < content.length; ) {
    if (content.charCodeAt(raw) !== 0x5c) raw++;
    else if (content[raw + 1] === 'u' && /^[0-9a-fA-F]{4}$/.test(content.slice(raw + 2, raw + 6))) raw += 6;
    else if (raw + 1 < content.length) raw += 2;
    else {
      // A backslash the end cuts off decodes to nothing.
      raw++;
      continue;
    }
    decoded++;
  }
  return raw;
}
