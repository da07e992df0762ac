import { readLiteral, writeLiteral } from './literals.ts';

/**
 * A stream sends its text in pieces, one event's JSON string each, and a reader joins them: the
 * UI's request view and the OpenTelemetry exporter join every `delta.content`, `text`,
 * `partial_json` or `delta` of a stream before showing or exporting it. A key the model repeats
 * (an agent that read a `.env` file, then quotes it) comes token by token, so no single event
 * holds it, and only the joined text does.
 *
 * This groups the text fields of a stream's `data:` lines as a reader joins them: by the field's
 * name and the `index`, `output_index` and `content_index` fields before it on its line (a
 * choice, a content block, a tool call), so that the pieces of two choices or two tool calls
 * streamed at once are not interleaved. By the name alone, not its path: Anthropic's reader
 * starts a block's text with `content_block.text` and goes on with `delta.text`. A value repeated
 * in every event (a tool's name in each of its chunks) joins into nothing new and is skipped.
 * The scan does not parse: one search for the fields' names over the body.
 */

/** A string value in a data line: where its literal is in the body. */
interface Piece {
  start: number;
  end: number;
  closed: boolean;
}

/** Whether `text` may be a stream with its text spread over two events or more: two `data:` lines. */
export function mayHoldPieces(text: string): boolean {
  let lines = text.startsWith('data:') ? 1 : 0;
  for (const eol of ['\n', '\r']) {
    for (let at = text.indexOf(`${eol}data:`); at !== -1 && lines < 2; at = text.indexOf(`${eol}data:`, at + 6)) lines++;
  }
  return lines >= 2;
}

/**
 * A string field that readers join over a stream's events: OpenAI's `content`, `refusal`,
 * `reasoning_content` (and OpenRouter's `reasoning`), tool calls' `arguments` and `name` (the UI
 * joins both); the legacy completions' and Anthropic's `text`, `thinking` and `partial_json`; the
 * Responses API's `delta`. The key's quotes are unescaped, so no string value holds a match (its
 * quotes are escaped), and the scan goes on after each value's literal.
 */
const TEXT_FIELD = /"(?:content|text|reasoning_content|reasoning|thinking|partial_json|arguments|name|delta|refusal)"\s*:\s*"/g;
/** The value's literal, from its opening quote; left open by the line's end (a body cut at the stored length). */
const VALUE = /"(?:[^"\\\n\r]|\\[^\n\r])*("|\\?(?=[\n\r]|$))/y;
/** What follows an index field's name: its number. */
const INDEX_VALUE = /"\s*:\s*(\d+)/y;

/**
 * The index field whose name ends at `at` (`index"`), as `|name=value`; empty when it is none of
 * `index`, `output_index` and `content_index`, or holds no number. These tell a choice, a content
 * block or a tool call from another.
 */
function indexField(body: string, at: number): string {
  const name = body.charCodeAt(at - 1) === 0x22 ? 'index' : body.startsWith('"output_', at - 8) ? 'output_index' : body.startsWith('"content_', at - 9) ? 'content_index' : '';
  if (name === '') return '';
  INDEX_VALUE.lastIndex = at + 5;
  const value = INDEX_VALUE.exec(body);
  return value ? `|${name}=${value[1]!}` : '';
}

/**
 * The text fields of every `data:` line of `body`, grouped as a reader joins them: by the field's
 * name and the index fields before it on its line (a choice's `index`, then a tool call's; a
 * block's; the Responses API's output and content indexes). One search for the fields (a walk of
 * every literal of every line cost 1.4 ms for a 1,000-event stream, this about a fifth).
 */
function groupPieces(body: string): Map<string, Piece[]> {
  const groups = new Map<string, Piece[]>();
  // The line the last match was on, and the next LF and CR after its start, searched again only
  // once passed (a search back from each match, or afresh for a kind of line end the text lacks,
  // rescans the text: quadratic).
  let lineStart = 0;
  let lf = -2;
  let cr = -2;
  // The index fields of the line so far, and the next one not yet read (each read once).
  let contextLine = -1;
  let context = '';
  let nextIndex = -2;
  TEXT_FIELD.lastIndex = 0;
  for (let m; (m = TEXT_FIELD.exec(body)) !== null; ) {
    const open = TEXT_FIELD.lastIndex - 1;
    VALUE.lastIndex = open;
    const value = VALUE.exec(body);
    if (!value) continue;
    TEXT_FIELD.lastIndex = VALUE.lastIndex;
    for (;;) {
      if (lf !== -1 && lf < lineStart) lf = body.indexOf('\n', lineStart);
      if (cr !== -1 && cr < lineStart) cr = body.indexOf('\r', lineStart);
      const end = lf === -1 ? cr : cr === -1 ? lf : Math.min(lf, cr);
      if (end === -1 || end > m.index) break;
      lineStart = end + 1;
    }
    if (!body.startsWith('data:', lineStart)) continue;
    if (contextLine !== lineStart) {
      contextLine = lineStart;
      context = '';
      if (nextIndex !== -1 && nextIndex < lineStart) nextIndex = body.indexOf('index"', lineStart);
    }
    for (; nextIndex !== -1 && nextIndex < m.index; nextIndex = body.indexOf('index"', nextIndex + 6)) context += indexField(body, nextIndex);
    const id = body.slice(m.index, body.indexOf('"', m.index + 1)) + context;
    const piece = { start: open, end: VALUE.lastIndex, closed: value[1] === '"' };
    const group = groups.get(id);
    if (group) group.push(piece);
    else groups.set(id, [piece]);
  }
  return groups;
}

function contentOf(literal: string, closed: boolean): string {
  return literal.includes('\\') ? readLiteral(literal, closed) : literal.slice(1, closed ? -1 : undefined);
}

/**
 * `body` with each group of pieces whose joined text `redact` changes written again: the joined
 * text as `redact` returns it, cut back into the same pieces. Only the stretch from the first to
 * the last character `redact` changed moves: into the first piece it touches, the pieces after
 * it that it covers left empty, so a reader joins exactly the redacted text and the events keep
 * their number and order. The body as it was when no group changed.
 */
export function redactStreamedPieces(body: string, redact: (joined: string) => string): string {
  const edits: { start: number; end: number; literal: string }[] = [];
  for (const found of groupPieces(body).values()) {
    // A value repeated in every event (an id, the model) joins into nothing a reader reads as text.
    const first = body.slice(found[0]!.start, found[0]!.end);
    if (found.length < 2 || found.every((p) => p.end - p.start === first.length && body.startsWith(first, p.start))) continue;
    const pieces = found.map((p) => Object.assign({ text: contentOf(body.slice(p.start, p.end), p.closed) }, p));
    const joined = pieces.map((p) => p.text).join('');
    const redacted = redact(joined);
    if (redacted === joined) continue;
    let p = 0;
    while (p < joined.length && p < redacted.length && joined[p] === redacted[p]) p++;
    let q = 0;
    while (q < joined.length - p && q < redacted.length - p && joined[joined.length - 1 - q] === redacted[redacted.length - 1 - q]) q++;
    const regionEnd = joined.length - q;
    const replacement = redacted.slice(p, redacted.length - q);
    let offset = 0;
    let inserted = false;
    for (const [i, piece] of pieces.entries()) {
      const s = offset;
      const e = s + piece.text.length;
      offset = e;
      const insertHere: boolean = !inserted && (e > p || i === pieces.length - 1);
      if (!insertHere && !(e > p && s < regionEnd)) continue;
      inserted ||= insertHere;
      const text = piece.text.slice(0, Math.max(0, p - s)) + (insertHere ? replacement : '') + piece.text.slice(Math.min(piece.text.length, Math.max(0, regionEnd - s)));
      if (text !== piece.text) edits.push({ start: piece.start, end: piece.end, literal: writeLiteral(text, piece.closed) });
    }
  }
  if (edits.length === 0) return body;
  edits.sort((a, b) => a.start - b.start);
  let out = '';
  let at = 0;
  for (const edit of edits) {
    out += body.slice(at, edit.start) + edit.literal;
    at = edit.end;
  }
  return out + body.slice(at);
}
