import { forEachLiteral, readLiteral, REDACTED, replaceLiterals, rewriteLiteral } from './literals.ts';
import { mayHoldPieces, piecesMaySpell, redactStreamedPieces } from './streamed-pieces.ts';

/**
 * Scrubs secrets before anything is stored. Two layers: the exact credentials this request
 * carried (whatever their shape), and key-shaped strings of the common providers, which
 * catches keys pasted into prompts or echoed by upstream error messages.
 */
const KEY_PATTERNS: readonly RegExp[] = [
  keyPattern('sk-', String.raw`[A-Za-z0-9_-]{16,}`), // OpenAI (sk-, sk-proj-), Anthropic (sk-ant-), DeepSeek and other sk- keys
  keyPattern('psk_', String.raw`[A-Za-z0-9_-]{16,}`), // Periscope gateway keys
  keyPattern('AIza', String.raw`[0-9A-Za-z_-]{30,}`), // Google API keys
  keyPattern('(AKIA|ASIA)', String.raw`[0-9A-Z]{16}\b`), // AWS access key ids
  keyPattern('gsk_', String.raw`[A-Za-z0-9]{20,}`), // Groq
  // Bearer tokens anywhere in text; the space may be written as a JSON escape (`Bearer\t...`).
  keyPattern('(Bearer|Basic)', String.raw`(?:\s|\\[bfnrt]|\\u[0-9a-fA-F]{4})+[A-Za-z0-9._~+/=-]{20,}`, 'gi'),
];

/**
 * A key starts at a word boundary, or right after a JSON escape, whose letters hide the boundary
 * in a body as stored: `"my key:\nsk-..."`, or Python's `"\uff1ask-..."` (a full-width colon).
 * The pattern starts with the key's literal prefix and looks behind it for the boundary, so the
 * engine skips to each occurrence of the prefix: an assertion before the prefix was tried at
 * every character, 13.4 ms for the six patterns over a 150 KB agent request, now 0.4 ms (the
 * same matches on 200,000 generated strings; docs/benchmarks.md, "Large requests").
 */
function keyPattern(prefix: string, rest: string, flags = 'g'): RegExp {
  return new RegExp(prefix + String.raw`(?<=(?:^|\W|\\[bfnrt]|\\u[0-9a-fA-F]{4})` + prefix + ')' + rest, flags);
}

/**
 * Where each of KEY_PATTERNS could match: its literal start, group N for the Nth pattern. Most
 * text holds no key, and one scan instead of six replace passes is the difference between 30 µs
 * and 7 µs for a call with 3 KB of bodies, and between 7 µs and 0.7 µs for eight short metadata
 * values (measured on the 2-core VM). Text that holds one (an agent's 150 KB request with one
 * `Bearer ` in its docs) runs only the patterns whose start it holds, each a pass of its own.
 *
 * The scan goes on after each match, so an occurrence starting inside another one is not seen;
 * no pattern can match there. Every pattern needs a boundary before its start: the text's
 * start, a non-word character, or a JSON escape. Inside these starts the characters are letters
 * (a non-word `-`, `_` or space only at their end, where no start begins), and no start begins
 * right after a `\b`-like escape or four hex digits taken from an earlier start (`Be`, `A`).
 * Replacing a match cannot make a start appear either: REDACTED holds none.
 */
const KEY_STARTS = /(sk-)|(psk_)|(AIza)|(AKIA|ASIA)|(gsk_)|([Bb][Ee][Aa][Rr][Ee][Rr][\s\\]|[Bb][Aa][Ss][Ii][Cc][\s\\])/g;
const MAY_HOLD_KEY = new RegExp(KEY_STARTS.source);

/** Past this many starts, every pattern runs: text dense in starts (`task-`, `basic `) costs no more than before. */
const STARTS_LOOKED_AT = 64;

/** Which of KEY_PATTERNS may match in `text`: those whose start it holds. */
function patternsStartingIn(text: string): boolean[] {
  const found = KEY_PATTERNS.map(() => false);
  let missing = found.length;
  KEY_STARTS.lastIndex = 0;
  for (let seen = 0, match; missing > 0 && (match = KEY_STARTS.exec(text)) !== null; seen++) {
    const group = match.findIndex((value, i) => i > 0 && value !== undefined);
    if (seen === STARTS_LOOKED_AT || group < 1) return found.fill(true);
    if (!found[group - 1]) {
      found[group - 1] = true;
      missing--;
    }
  }
  return found;
}

export { REDACTED };

/** Exact secrets shorter than this are not scrubbed: they would mangle ordinary text. */
export const MIN_EXACT_SECRET_LENGTH = 8;

/** The exact secrets redactSecrets scrubs; the array itself when all are. */
export const scrubbedSecrets = (exactSecrets: readonly string[]): readonly string[] =>
  (exactSecrets.every((secret) => secret.length >= MIN_EXACT_SECRET_LENGTH) ? exactSecrets : exactSecrets.filter((secret) => secret.length >= MIN_EXACT_SECRET_LENGTH));

export function redactSecrets(text: string, exactSecrets: readonly string[] = []): string {
  if (text.length < MIN_EXACT_SECRET_LENGTH) return text;
  let out = text;
  for (const secret of exactSecrets) {
    if (secret.length >= MIN_EXACT_SECRET_LENGTH && out.includes(secret)) out = out.split(secret).join(REDACTED);
  }
  if (!MAY_HOLD_KEY.test(out)) return out;
  const found = patternsStartingIn(out);
  for (const [i, pattern] of KEY_PATTERNS.entries()) if (found[i]) out = out.replace(pattern, REDACTED);
  return out;
}

/** True when `text` holds one of `exactSecrets` or a key-shaped string. */
export function holdsSecret(text: string, exactSecrets: readonly string[] = []): boolean {
  return redactSecrets(text, exactSecrets) !== text;
}

/**
 * Escapes that can spell the characters keys and tokens are made of, or a backslash that a
 * further reading turns into one (JSON nested in a string, as tool calls' arguments are): `\u0020`
 * to `\u007f` (`\u0073k-`), `\/`, `\\`, and a backslash before what no JSON escape starts with
 * (`\k`, which a lenient reader takes as `k`). `\n`, `\"` or the `\u00e9` of a body that escapes
 * every non-ASCII character cannot, so such bodies skip the literal scan.
 */
const MAY_SPELL = /\\(?:u00[2-7][0-9a-fA-F]|[^"bfnrtu\n\r]|u(?![0-9a-fA-F]{4}))/;
const ANY_ESCAPE = /\\/;
/**
 * MAY_SPELL's escapes, to decode them: a run of escaped backslashes at once (one call for a run a
 * crafted body makes 100,000 long), then an odd run's last backslash with what follows it.
 */
const SPELLING = /((?:\\\\)+)|\\(?:u00([2-7][0-9a-fA-F])|([^"bfnrtu\n\r])|u(?![0-9a-fA-F]{4}))/g;
const spelled = (run: string | undefined, hex: string | undefined, char: string | undefined) =>
  (run !== undefined ? run.slice(run.length / 2) : hex !== undefined ? String.fromCharCode(Number.parseInt(hex, 16)) : char ?? 'u');

/** Where readOnce's last result has a backslash a decoded escape left, ascending (none: empty). */
let backslashesRead: number[] = [];
/** Whether readOnce's last reading decoded a `\u00XX` escape. */
let readUnicodeEscape = false;
let shrunkSoFar = 0;
const NONE: number[] = [];

function onSpelling(match: string, run: string | undefined, hex: string | undefined, char: string | undefined, offset: number): string {
  if (hex !== undefined) readUnicodeEscape = true;
  const out = spelled(run, hex, char);
  if (out.includes('\\')) {
    if (backslashesRead === NONE) backslashesRead = [];
    backslashesRead.push(offset - shrunkSoFar);
  }
  shrunkSoFar += match.length - out.length;
  return out;
}

/**
 * `text` with SPELLING's escapes decoded; `backslashesRead` says where in the result a decoded
 * escape left a backslash (`\\\\` and `\u005c` do): only there can the next reading decode
 * anything. Every escape SPELLING leaves (`\n`, `\"`, `\u00e9`) is one MAY_SPELL does not match,
 * and takes the character after its backslash, so no escape of the result starts at a backslash
 * the text had. Module state rather than a result object: most calls are short bodies with no
 * escape to decode, and they allocate nothing.
 */
function readOnce(text: string): string {
  backslashesRead = NONE;
  shrunkSoFar = 0;
  readUnicodeEscape = false;
  // Every spelling starts at a backslash: the search for one is a fraction of the pattern's scan
  // (about 2.6 µs for a stream's 4 KB stored body, whose JSON rarely escapes anything).
  return text.includes('\\') ? text.replace(SPELLING, onSpelling) : text;
}

/**
 * Readings deeper than this are not followed. Four cover a tool call's arguments (two readings)
 * and JSON quoted in them twice more; no provider or client writes a key five readings deep by
 * accident, and a body made to hide one has other spellings no reader here undoes (base64).
 * Each level's literals are read once (the CR pass and the other share what they found clean),
 * so a crafted 300 KB body costs tens of ms (docs/security.md).
 */
export const MAX_NESTING = 4;

/**
 * Around each escape that may spell, this many characters each side (more for a longer exact
 * secret) are read again: a key-shaped string's prefix and enough of its body to match.
 */
const SPELLING_REACH = 256;

/**
 * Whether decoding SPELLING's escapes, once or again on the result (JSON in a string, in a
 * string...), up to MAX_NESTING times, spells one of `exactSecrets` or a key-shaped string. The
 * escapes pair up as a JSON reader pairs them (`\\u0073s\u006b-` is `\u0073sk-` once read). Most bodies need one pass with
 * no match. The first reading is checked whole; a further one can only spell something new
 * within reach of what it decodes (anything farther is as the first reading had it), so only
 * those stretches are read again: an agent's 150 KB request, whose nested JSON escapes
 * backslashes, costs one reading, not three.
 */
export function spellsSecret(text: string, exactSecrets: readonly string[]): boolean {
  const reach = exactSecrets.reduce((most, secret) => Math.max(most, secret.length), SPELLING_REACH);
  let t = text;
  for (let level = 0; level < MAX_NESTING; level++) {
    const read = readOnce(t);
    if (level === 0) spellsUnicode = readUnicodeEscape;
    if (read === t) return false;
    if (holdsSecret(read, exactSecrets)) return true;
    if (backslashesRead.length === 0) return false;
    t = around(read, backslashesRead, reach);
  }
  return false;
}

/**
 * Whether the text spellsSecret was last given has a `\u00XX` escape its reading decodes: without
 * one, no escape spells `data:` or a backslash in it (redactBody reads this rather than search a
 * long text for `\u00` again, or try a pattern at each of its backslashes: an agent's 150 KB
 * request, 65-200 µs).
 */
let spellsUnicode = false;

/** The longest escape MAY_SPELL matches (`\u0073`). */
const LONGEST_SPELLING = 6;

/**
 * The stretches of `text` within `reach` of the escapes that start at `at` (ascending), joined by
 * blank lines (no key-shaped string spans one). None starts inside a run of backslashes, so each
 * pairs them as the whole text does: only a run's last backslash can be one the text had before
 * it was read (readOnce), so its first is in `at`, and the stretch around it starts `reach`
 * before the run.
 */
function around(text: string, at: readonly number[], reach: number): string {
  const stretches: string[] = [];
  let from = 0;
  let to = -1;
  for (const index of at) {
    let start = Math.max(0, index - reach);
    let end = Math.min(text.length, index + LONGEST_SPELLING + reach);
    if (start > to) start = beforeSeparators(text, start, to);
    if (end > to) end = afterSeparators(text, end);
    if (start <= to) to = Math.max(to, end);
    else {
      if (to >= 0) stretches.push(text.slice(from, to));
      from = start;
      to = end;
    }
  }
  if (to >= 0) stretches.push(text.slice(from, to));
  return stretches.join('\n\n');
}

const SPACE_ESCAPE = /\\(?:[bfnrt]|u[0-9a-fA-F]{4})$/;
const SPACE_ESCAPE_AHEAD = /^\\(?:[bfnrt]|u[0-9a-fA-F]{4})/;

/**
 * Where a stretch that would start at `start` starts: before any run of whitespace (or its
 * escapes) that ends there, and before 16 more characters (or where the stretch before ends).
 * `Bearer` may stand any such run before its token, so a token read again more than `reach` after it would otherwise be read without it
 * (review helper-47: 260 spaces). The 16 hold the prefix and the escape or character before it.
 */
function beforeSeparators(text: string, start: number, stretchEnd: number): number {
  let at = start;
  // Not past the stretch before, which this one then joins: each character is walked once.
  while (at > Math.max(0, stretchEnd)) {
    if (/\s/.test(text[at - 1]!)) at--;
    else if (at >= 2 && SPACE_ESCAPE.test(text.slice(Math.max(0, at - 6), at))) at -= text[at - 2] === '\\' ? 2 : 6;
    else break;
  }
  return Math.max(0, at - 16);
}

/**
 * Where a stretch that would end at `end` ends: after any run of whitespace (or its escapes) that
 * starts there, and 32 characters on, enough for a token's shortest match: `Bearer` read again
 * next to what a reading decodes may stand its token more than `reach` after it. Called for a
 * stretch's new end only, past the end before, so each character is walked once.
 */
function afterSeparators(text: string, end: number): number {
  let at = end;
  while (at < text.length) {
    if (/\s/.test(text[at]!)) at++;
    else if (SPACE_ESCAPE_AHEAD.test(text.slice(at, at + 6))) at += text[at + 1] === 'u' ? 6 : 2;
    else break;
  }
  return Math.min(text.length, at + 32);
}

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
const needsAnyEscape = (secret: string) => !PRINTABLE_ASCII.test(secret) || secret.includes('"') || secret.includes('\\');

/** A backslash before what no JSON escape starts with; an escaped backslash before a letter (`\\d`) matches too. */
const INVALID_ESCAPE_CANDIDATE = /\\(?:[^"\\/bfnrtu]|u(?![0-9a-fA-F]{4}))/g;
const CUT_UNICODE_ESCAPE = /^u[0-9a-fA-F]{0,3}$/;

/**
 * Whether `text` holds an invalid JSON escape (`\k`, `\uZZZZ`, a backslash at a line's end),
 * which readLiteral reads leniently: `"s\k-…"` is `sk-…` to such a reader, yet no spelling escape
 * opens the literal pass for it. A backslash escapes the next character, so a run of them pairs up
 * from its first, and only an odd run's last backslash escapes what follows (`\\d` is a backslash
 * and a letter): a candidate counts when an even number of backslashes precede it in its run. Both
 * this pairing and a literal's as forEachLiteral reads it start afresh after the quote the literal
 * opens at, so each invalid escape a literal holds is found (helper-46's review checked every
 * string of up to 8 characters over `\ " k u 0`, LF and CR). Valid JSON holds none, and a `\u`
 * escape that the text's end cuts short does not count: a body longer than the stored length is
 * cut before it is scrubbed, often inside an escape, and that end is not stored. The search takes
 * about 0.8 ns a character (120 µs for an agent's 150 KB request, which skips it: knownJson).
 */
export function holdsInvalidEscape(text: string): boolean {
  if (!text.includes('\\')) return false;
  INVALID_ESCAPE_CANDIDATE.lastIndex = 0;
  for (let match; (match = INVALID_ESCAPE_CANDIDATE.exec(text)) !== null; ) {
    if (text.length - match.index <= 5 && CUT_UNICODE_ESCAPE.test(text.slice(match.index + 1))) continue;
    let before = 0;
    while (text.charCodeAt(match.index - before - 1) === 0x5c) before++;
    if (before % 2 === 0) return true;
  }
  return false;
}
/**
 * Whether an SSE event's data spans lines: a `data:` line after another of the same event, with
 * or without `id:`, `event:` or comment lines between. One pass over the lines, finding each line
 * end with indexOf (a regular expression anchored at each line backtracks through every line of
 * a stream: 2 µs for 14 frames against 0.2; walking back from each `data:` line rescanned the
 * text, seconds for a crafted 256 KB body).
 */
export function hasSplitData(text: string): boolean {
  if (lastSplitCheck?.text !== text) lastSplitCheck = { text, split: spreadsData(text) };
  return lastSplitCheck.split;
}

/** The last text hasSplitData answered for: a stored stream's body is asked about again by the readers' check (reader-joins.ts). */
let lastSplitCheck: { text: string; split: boolean } | undefined;

function spreadsData(text: string): boolean {
  // The second data line starts after a line end.
  if (!text.includes('\ndata:') && !text.includes('\rdata:')) return false;
  let lf = text.indexOf('\n');
  let cr = text.indexOf('\r');
  let dataInEvent = false;
  for (let at = 0; ; ) {
    if (lf !== -1 && lf < at) lf = text.indexOf('\n', at);
    if (cr !== -1 && cr < at) cr = text.indexOf('\r', at);
    const end = lf === -1 ? (cr === -1 ? text.length : cr) : cr === -1 ? lf : Math.min(lf, cr);
    if (end === at) dataInEvent = false; // a blank line ends the event
    else if (text.startsWith('data:', at)) {
      if (dataInEvent) return true;
      dataInEvent = true;
    }
    if (end === text.length) return false;
    at = end + (end === cr && lf === end + 1 ? 2 : 1);
  }
}

/**
 * A body as it is stored (request or response): redactSecrets, and also where the text spells a
 * secret otherwise: inside a JSON string literal with escapes, which a JSON parser turns back
 * into the secret, and split over the `data:` lines of an SSE event, which a reader joins. The
 * relay scrubs the same spellings from what reaches the client (provider-key-scrubber.ts).
 * `knownJson`: JSON.parse took the text, or a text it starts (a request the gateway parsed).
 */
export function redactStoredBody(text: string, exactSecrets: readonly string[] = [], knownJson = false): string {
  let before = text;
  let out = redactBody(text, exactSecrets, knownJson, 0);
  // Read again while a pass changed something: a redaction can leave a key for a reading made
  // before it (a REDACTED's bracket giving the next key a boundary; a literal rewritten around a
  // deletion joining an escape to a key's start: review helper-52). Text without a secret is
  // read once.
  for (let pass = 1; pass < MAX_PASSES && out !== before; pass++) {
    before = out;
    out = redactBody(out, exactSecrets, false, 0);
  }
  return out;
}

/** Passes over a stored body at most: each only replaces text with REDACTED. */
const MAX_PASSES = 3;

/**
 * A line break escaped in a literal, then `data:`: an SSE stream quoted in a JSON string (a
 * request that pastes one), whose split events a reader of the string joins.
 */
const ESCAPED_DATA_LINE = /\\(?:[nr]|u000[aAdD])(?:d|\\u0064)(?:a|\\u0061)(?:t|\\u0074)(?:a|\\u0061)(?::|\\u003[aA])/;
/**
 * Whether `text` holds ESCAPED_DATA_LINE, `data:` spelled plainly or with `\u` escapes (review
 * helper-49: `dat\u0061:`): searched as fixed strings first, the pattern only where a `\u00`
 * escape could spell it (it tries every backslash of an agent's request).
 */
const holdsEscapedDataLine = (text: string, readings = 0): boolean =>
  (text.includes('data:') && (text.includes('\\ndata:') || text.includes('\\rdata:'))) || (text.includes('\\u00') && holdsSpelledDataLine(text, readings));

/**
 * `data:` or its line break spelled with `\u` escapes; or a backslash spelled `\u005c` (a stream
 * quoted twice): read once, then looked for again (review helper-50), up to MAX_NESTING readings
 * (a chain of them would otherwise be quadratic).
 */
const holdsSpelledDataLine = (text: string, readings: number): boolean =>
  ESCAPED_DATA_LINE.test(text) || (readings < MAX_NESTING && text.includes('\\u005') && holdsEscapedDataLine(readOnce(text), readings + 1));

/**
 * redactStoredBody at `nesting` readings deep: a literal's content is a body of its own, one
 * deeper. `joinedData`: the text is an SSE event's data joined; data lines in it that start with
 * `data:` again are an SSE text of their own, read one level deeper, so that a line of
 * `data: data: …` is not read once per prefix (quadratic).
 */
function redactBody(text: string, exactSecrets: readonly string[], knownJson: boolean, nesting: number, joinedData = false): string {
  // An invalid escape opens every literal with a backslash to the lenient reading. Looked for in
  // the text as it came: a key replaced after a backslash (`\bearer …`) leaves `\[REDACTED]`,
  // which spells nothing. A text JSON.parse took (`knownJson`) holds none.
  const wide = exactSecrets.some(needsAnyEscape) || (!knownJson && holdsInvalidEscape(text));
  let out = redactSecrets(text, exactSecrets);
  const redactedPlain = out;
  // Otherwise a pass or two over the text with the spelling escapes decoded first: it holds no
  // secret in the common case (Go's encoder writes every < and > as \u003c, \u003e), and then no
  // literal is parsed.
  const escape = wide ? ANY_ESCAPE : spellsSecret(out, exactSecrets) ? MAY_SPELL : undefined;
  // Wide, every literal with a backslash is read, a quoted stream too. Otherwise one search for
  // `data:`, and the spelled forms only where a reading decodes something.
  const hasData = out.includes('data:');
  const quotedStream = !wide && ((hasData && (out.includes('\\ndata:') || out.includes('\\rdata:') || (out.includes('\\u000') && ESCAPED_DATA_LINE.test(out))))
    || (spellsUnicode && holdsSpelledDataLine(out, 0)));
  if (escape || quotedStream) {
    // Literals read and found clean, so that the second pass does not read them again: each
    // reading's two passes would otherwise double the work at every level (review helper-47:
    // 424 ms for a crafted 293 KB body with CRs, 92 before nested reading).
    const clean = new Set<string>();
    const redactLiterals = (literal: string, closed: boolean) => {
      if (clean.has(literal) || !(escape?.test(literal) || (quotedStream && holdsEscapedDataLine(literal)))) return literal;
      const redacted = redactedLiteral(literal, closed, exactSecrets, nesting);
      if (redacted === literal) clean.add(literal);
      return redacted;
    };
    // Lines ending in a CR alone first: a literal read across one would be written back with
    // the CR escaped, joining two SSE lines. Then with a raw CR inside a literal (invalid JSON,
    // but a lenient parser reads it).
    if (out.includes('\r')) out = replaceLiterals(out, true, redactLiterals);
    out = replaceLiterals(out, false, redactLiterals);
    // Quotes that do not pair as JSON's (a stray one before a literal, in a plain-text error)
    // leave an escaped key between two literals as this pass paired them: read what lies between.
    if (escape && spellsSecret(out, exactSecrets)) out = redactBetweenLiterals(out, exactSecrets, nesting);
  }
  // Both need a `data:` line: one search for it first (an agent's 150 KB request holds none, and
  // each search of it costs tens of µs).
  if (!(hasData || (out !== redactedPlain && out.includes('data:')))) return out;
  const splitNesting = joinedData ? nesting + 1 : nesting;
  if (splitNesting <= MAX_NESTING && hasSplitData(out)) out = redactSplitEvents(out, exactSecrets, splitNesting);
  // The text a stream sends in pieces, joined as its readers join it: a literal's content, one reading deeper.
  // Not when no join of the pieces may spell a secret (the join gate, a few µs against the
  // groupings' 8 for the bench's stream; most streams).
  if (nesting < MAX_NESTING && mayHoldPieces(out) && piecesMaySpell(out, scrubbedSecrets(exactSecrets))) {
    out = redactStreamedPieces(out, (joined) => (mayNeedRedaction(joined, exactSecrets) ? redactBody(joined, exactSecrets, false, nesting + 1) : joined));
  }
  return out;
}

/**
 * `text` with what lies outside its literals (as forEachLiteral pairs the quotes) read as a literal
 * itself, as a reader that pairs the quotes one further reads it: the stretch between two
 * literals of a line, and from a line's last literal to the line's end (an open literal to that
 * reader; review helper-49).
 */
function redactBetweenLiterals(text: string, exactSecrets: readonly string[], nesting: number): string {
  let out = '';
  let from = 0;
  const read = (start: number, end: number, closed: boolean) => {
    const stretch = text.slice(start, end);
    if (!stretch.includes('\\')) return;
    const asLiteral = closed ? `"${stretch}"` : `"${stretch}`;
    const redacted = redactedLiteral(asLiteral, closed, exactSecrets, nesting);
    if (redacted === asLiteral) return;
    out += text.slice(from, start) + redacted.slice(1, closed ? -1 : undefined);
    from = end;
  };
  // The next LF, searched again only once passed (a search from each literal would rescan a long line).
  let lf = -2;
  const lineEnd = (at: number) => {
    if (lf !== -1 && lf < at) lf = text.indexOf('\n', at);
    return lf === -1 ? text.length : lf;
  };
  let after = -1;
  forEachLiteral(text, false, (start, end, closed) => {
    if (after >= 0) {
      const lineEnds = lineEnd(after);
      if (lineEnds >= start) read(after, start, true);
      else read(after, lineEnds, false);
    }
    after = closed ? end : -1;
  });
  if (after >= 0) read(after, lineEnd(after), false);
  return out + text.slice(from);
}

/** Whether `text`, stored as a body of its own, would be redacted: it holds or spells a secret. */
export function storedTextHoldsSecret(text: string, exactSecrets: readonly string[]): boolean {
  return mayNeedRedaction(text, exactSecrets) && redactStoredBody(text, exactSecrets) !== text;
}

/**
 * False only when redactBody certainly leaves `text` as it is: no backslash (every other spelling
 * and every lenient reading starts at one), no `data:` (a stream in it), no key's start and no
 * exact secret. Most joined stream texts are prose, and this is three searches instead of eight.
 */
function mayNeedRedaction(text: string, exactSecrets: readonly string[]): boolean {
  return text.includes('\\') || text.includes('data:') || MAY_HOLD_KEY.test(text)
    || exactSecrets.some((secret) => secret.length >= MIN_EXACT_SECRET_LENGTH && text.includes(secret));
}

/** A literal with its content redacted as a body of its own, where JSON nested in it may spell a secret once read again. */
function redactedLiteral(literal: string, closed: boolean, exactSecrets: readonly string[], nesting: number): string {
  if (nesting === MAX_NESTING) return literal;
  const decoded = readLiteral(literal, closed);
  const redacted = redactBody(decoded, exactSecrets, false, nesting + 1);
  return redacted === decoded ? literal : rewriteLiteral(literal, closed, decoded, redacted);
}

/** A line and what ends it (empty at the text's end). A copy per call: an event's data is read while its text is walked (review helper-49: a shared one looped forever). */
const LINE = /([^\r\n]*)(\r\n|\n|\r|$)/y;

/**
 * Each event whose data, joined as a reader joins it, holds a secret is written again with its
 * data redacted. An event ends at a blank line however its line ends are spelled (`\n\r` is
 * one: LF, then an empty line ended by CR); the data lines are joined with LF, as the SSE
 * standard joins them, and without it, as a reader that concatenates does.
 */
function redactSplitEvents(text: string, exactSecrets: readonly string[], nesting: number): string {
  let out = '';
  let eventStart = 0;
  let lines: string[] = [];
  const line = new RegExp(LINE);
  const flush = (end: number) => {
    const rewritten = lines.filter((l) => l.startsWith('data:')).length >= 2 ? redactedEvent(lines, exactSecrets, nesting) : undefined;
    out += rewritten ?? text.slice(eventStart, end);
    lines = [];
    eventStart = end;
  };
  for (let at = 0; at < text.length; ) {
    line.lastIndex = at;
    const [, content, eol] = line.exec(text)!;
    const next = line.lastIndex;
    if (content !== '') lines.push(content!);
    else {
      // A blank line ends the event, and stays as it was.
      flush(at);
      out += eol;
      eventStart = next;
    }
    at = next;
    if (eol === '') break;
  }
  flush(text.length);
  return out;
}

/** An event's lines with its data redacted (read at `nesting`), each ended by LF; undefined when its data holds no secret. */
function redactedEvent(lines: readonly string[], exactSecrets: readonly string[], nesting: number): string | undefined {
  let data = lines.filter((l) => l.startsWith('data:')).map((l) => l.slice(l.startsWith('data: ') ? 6 : 5));
  let changed = false;
  for (const separator of ['\n', '']) {
    const joined = data.join(separator);
    const redacted = redactBody(joined, exactSecrets, false, nesting, true);
    if (redacted === joined) continue;
    changed = true;
    data = separator === '' ? [redacted] : redacted.split(/\r\n|\n|\r/);
  }
  if (!changed) return undefined;
  return [...lines.filter((l) => !l.startsWith('data:')), ...data.map((d) => `data: ${d}`)].map((l) => `${l}\n`).join('');
}
