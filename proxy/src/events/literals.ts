/** JSON string literals as a lenient reader finds and reads them, in text that may not be valid JSON. */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const LF = 0x0a;
const CR = 0x0d;

/**
 * The double-quoted JSON string literals of `text`, which may not be valid JSON, in order, as a
 * lenient reader finds them: `visit(start, end, closed)` for each, `text.slice(start, end)` being
 * the literal with its quotes. A literal starts at a quote and ends at the next quote no backslash
 * escapes (`closed`), or is left open at the end of a line or of the text (a body cut short ends
 * in one, and so does the last `data:` line of a stream cut there, and a lenient reader still
 * decodes it): a backslash right before that end belongs to it. A backslash escapes any other
 * character. Lines end at an LF; with `crLines` at a CR too (an SSE stream's lines may end in a CR
 * alone). The next literal starts at the first quote after the end of this one. Only literals with
 * an escape can spell a secret otherwise.
 *
 * A scan, not a regular expression: V8's matcher keeps a backtracking entry for each repetition
 * of a group, and one literal of about 8.3M characters (a flood's piece in an SSE stream, a stored
 * body when the configured limit allows it) threw a RangeError (helper-73). Linear: each
 * character is read once.
 */
export function forEachLiteral(text: string, crLines: boolean, visit: (start: number, end: number, closed: boolean) => void): void {
  const n = text.length;
  for (let start = text.indexOf('"'); start !== -1; start = text.indexOf('"', start)) {
    let i = start + 1;
    let closed = false;
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c === QUOTE) {
        closed = true;
        i++;
        break;
      }
      if (c === LF || (crLines && c === CR)) break;
      if (c === BACKSLASH) {
        const next = i + 1 < n ? text.charCodeAt(i + 1) : LF;
        if (next === LF || (crLines && next === CR)) {
          i++;
          break;
        }
        i++;
      }
    }
    visit(start, i, closed);
    start = i;
  }
}

/**
 * `text` with each literal (as forEachLiteral finds them) replaced by what `rewrite` makes of it;
 * `text` itself when it changed none.
 */
export function replaceLiterals(text: string, crLines: boolean, rewrite: (literal: string, closed: boolean) => string): string {
  let out = '';
  let from = 0;
  forEachLiteral(text, crLines, (start, end, closed) => {
    const literal = text.slice(start, end);
    const rewritten = rewrite(literal, closed);
    if (rewritten === literal) return;
    out += text.slice(from, start) + rewritten;
    from = end;
  });
  return from === 0 ? text : out + text.slice(from);
}

const LITERAL_ESCAPE = /\\(?:u([0-9a-fA-F]{4})|([\s\S]))?/g;
const SHORT_ESCAPES: Readonly<Record<string, string>> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

/**
 * What a JSON string literal (as forEachLiteral finds it) holds, read leniently as some parsers
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

/** What a redaction writes in place of a secret. */
export const REDACTED = '[REDACTED]';

/** How many characters of `redacted` after a change must be found in `decoded` to bring the two back in step. */
const ANCHOR = 16;
/** How far on in `decoded` they are looked for: past a secret, a stream piece emptied, or a literal nested in this one. */
const RESYNC_WINDOW = 4096;

/**
 * `literal`, which reads as `decoded`, rewritten to read as `redacted`: only what changed is
 * written anew, each change on its own, and the text between changes keeps its escapes. Writing
 * the whole content anew decodes every escape: a key spelled with `\u` escapes that this reading
 * does not take for one (no word boundary before it) was then stored plainly, and another reading
 * (an SSE event's data joined) gives it one (the longer generator run's case 12081; review
 * helper-51: also when it lies between two keys this reading redacts).
 *
 * After each change the texts are brought back in step on the next ANCHOR characters of
 * `redacted` (after a REDACTED that starts the change, whole), found in `decoded` within
 * RESYNC_WINDOW characters; where they are not, the rest up to the texts' common end is written
 * anew. Wherever they are found, every stretch kept reads as the same stretch of `redacted`, so
 * the literal reads exactly as `redacted`. Linear: each search covers the text it steps over.
 */
export function rewriteLiteral(literal: string, closed: boolean, decoded: string, redacted: string): string {
  const content = literal.slice(1, closed ? -1 : undefined);
  const raw = rawOffsets(content, decoded.length);
  if (raw === undefined) return writeLiteral(redacted, closed);
  let common = 0;
  while (common < decoded.length && common < redacted.length && decoded.charCodeAt(decoded.length - 1 - common) === redacted.charCodeAt(redacted.length - 1 - common)) common++;
  let out = '"';
  let kept = 0; // where the stretch kept with its escapes began, in decoded
  let i = 0;
  let j = 0;
  for (;;) {
    while (i < decoded.length && j < redacted.length && decoded.charCodeAt(i) === redacted.charCodeAt(j)) {
      i++;
      j++;
    }
    if (i === decoded.length && j === redacted.length) break;
    // The change is written from where it begins: from a REDACTED the matching run ran into, and
    // never after an escape `\u` cut short that kept text would end in, which a hex digit written
    // after it would complete (review helper-51: `\u12` then `ab` read as U+12AB).
    const marker = markerAt(redacted, j);
    const back = Math.min(i - kept, Math.max(marker === -1 ? 0 : j - marker, cutEscapeLength(content, raw, i)));
    const nj = marker !== -1 && marker >= j - back ? marker + REDACTED.length : j;
    const found = resync(decoded, redacted, i, nj);
    let toI: number;
    let toJ: number;
    if (found !== -1) {
      toI = found;
      toJ = nj;
    } else {
      const tail = Math.min(common, decoded.length - i, redacted.length - j);
      toI = decoded.length - tail;
      toJ = redacted.length - tail;
    }
    out += content.slice(raw[kept], raw[i - back]) + JSON.stringify(redacted.slice(j - back, toJ)).slice(1, -1);
    kept = i = toI;
    j = toJ;
  }
  return `${out}${content.slice(raw[kept])}${closed ? '"' : ''}`;
}

/** Where a REDACTED that covers `at` in `text` starts, or -1. */
function markerAt(text: string, at: number): number {
  for (let s = Math.max(0, at - REDACTED.length + 1); s <= at; s++) if (text.startsWith(REDACTED, s)) return s;
  return -1;
}

/**
 * Where, from `i` on, `decoded` goes on as `redacted` does from `j`: its next ANCHOR characters
 * found within RESYNC_WINDOW, or all that is left of it at `decoded`'s end; -1 when neither.
 */
function resync(decoded: string, redacted: string, i: number, j: number): number {
  const rest = redacted.length - j;
  if (rest < ANCHOR) {
    const at = decoded.length - rest;
    return at >= i && decoded.endsWith(redacted.slice(j)) ? at : -1;
  }
  const anchor = redacted.slice(j, j + ANCHOR);
  const first = anchor.charCodeAt(0);
  for (let a = i, last = Math.min(decoded.length - ANCHOR, i + RESYNC_WINDOW); a <= last; a++) {
    if (decoded.charCodeAt(a) === first && decoded.startsWith(anchor, a)) return a;
  }
  return -1;
}

const isHex = (c: number): boolean => (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66);

/**
 * How many decoded characters before `i` are an escape `\u` cut short (read as the letter u)
 * and the hex digits after it (at most three), or 0: kept text ending there would read
 * differently once a hex digit followed it.
 */
function cutEscapeLength(content: string, raw: Int32Array, i: number): number {
  for (let k = i - 1; k >= 0 && k >= i - 4; k--) {
    const at = raw[k]!;
    if (raw[k + 1]! - at === 2) return content.charCodeAt(at) === 0x5c && content.charCodeAt(at + 1) === 0x75 ? i - k : 0;
    if (!isHex(content.charCodeAt(at))) return 0;
  }
  return 0;
}

/**
 * Where each character readLiteral decodes from `content` starts in it, and its end: undefined
 * when they are not `length` (then the content is written anew whole).
 */
function rawOffsets(content: string, length: number): Int32Array | undefined {
  const raw = new Int32Array(length + 1);
  let decoded = 0;
  let at = 0;
  while (at < content.length) {
    if (content.charCodeAt(at) !== 0x5c) {
      if (decoded === length) return undefined;
      raw[decoded++] = at++;
      continue;
    }
    // A backslash the end cuts off decodes to nothing: it stays after whatever is written at the end.
    if (at + 1 >= content.length) break;
    if (decoded === length) return undefined;
    raw[decoded++] = at;
    at += content.charCodeAt(at + 1) === 0x75 && isHexRun(content, at + 2, 4) ? 6 : 2;
  }
  if (decoded !== length) return undefined;
  raw[length] = at;
  return raw;
}

function isHexRun(text: string, from: number, length: number): boolean {
  if (from + length > text.length) return false;
  for (let k = from; k < from + length; k++) if (!isHex(text.charCodeAt(k))) return false;
  return true;
}
