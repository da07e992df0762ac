import { isSpace, joinsMaySpell } from './join-gate.ts';
import { readLiteral, rewriteLiteral } from './literals.ts';

/**
 * A stream sends its text in pieces, one event's JSON string each, and a reader joins them: the
 * UI's request view and the OpenTelemetry exporter join every `delta.content`, `text`,
 * `partial_json` or `delta` of a stream before showing or exporting it. A key the model repeats
 * (an agent that read a `.env` file, then quotes it) comes token by token, so no single event
 * holds it, and only the joined text does.
 *
 * The pieces are joined twice, as the two readers join them: per field and per choice, content
 * block or tool call (the `index` fields of the objects around the field: the exporter), and per
 * field alone (the request view reads the first choice of every chunk, whatever its index).
 * `text` and `content` are one field (the exporter joins a choice's `delta.content` and `text`),
 * and a field is named by its key alone, not its path: Anthropic's reader starts a block's text
 * with `content_block.text` and goes on with `delta.text`. The scan does not parse: one search
 * for the fields' names over the body, and a walk of the brackets before each on its line.
 */

/** A text field's value in a data line: where its literal is, what it holds, and the two groups it joins. */
interface Piece {
  /** Where its data line starts. */
  line: number;
  start: number;
  end: number;
  closed: boolean;
  text: string;
  field: string;
  context: string;
  /** For a line's first field: the line up to it as readersShape reads it; none where readersShape refuses that text or it is over HEAD_MAX_CHARS or HEAD_MAX_MASKS. */
  head?: LineHead;
}

/**
 * A line up to its first text field: readersShape of the text before the field's key, and the
 * key as written up to its value's opening quote. readersShape of the whole is the shape with
 * the key appended (a key literal and its colon are kept as they are, and a token of the shape's
 * text ends before the key's quote), so two heads equal in both make the two texts alike.
 */
interface LineHead {
  shape: string;
  key: string;
}

/**
 * Longer texts before a line's first field, or texts with more values to leave out, are not
 * shaped for the index cache: walked as they are. Providers write a few hundred characters there
 * with a handful of ids and numbers; shaping costs more per character than the walk, and a
 * crafted stream of lines with a thousand numbers before the field each, alike but every other
 * line, took 15-17 ms instead of 1.2 for 256 KB with the first bounds of 2,048 characters and
 * none on values (review helper-61).
 */
const HEAD_MAX_CHARS = 512;
const HEAD_MAX_MASKS = 16;

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
 * quotes are escaped), and the search goes on after each value's literal.
 */
const TEXT_FIELD = /"(?:content|text|reasoning_content|reasoning|thinking|partial_json|arguments|name|delta|refusal)"\s*:\s*"/g;
/** An index field's value, after its name's closing quote. */
const INDEX_VALUE = /\s*:\s*(\d+)/y;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const LF = 0x0a;
const CR = 0x0d;

/** The index fields readers tell choices, blocks, tool calls and Responses parts apart by, as their literals are written. */
const INDEX_KEYS = new Set(['"index"', '"output_index"', '"content_index"', '"summary_index"']);
/** More index fields than this open at once are not told apart: readers nest them four deep at most (a tool call in a choice). */
const MAX_INDEXES = 8;

/**
 * The index fields of the objects still open at each point of a data line, walked once from the
 * line's start: brackets open and close objects, literals are skipped whole. A stack, popped as
 * objects close, of at most MAX_INDEXES entries, its string rebuilt only when it changes: a line
 * of thousands of nested objects or index fields stays linear (review helper-50: 7 s for 255 KB
 * when every field was kept and the string rebuilt for each piece).
 */
class IndexContext {
  private readonly body: string;
  private at = 0;
  private depth = 0;
  private readonly stack: { depth: number; key: string; value: string }[] = [];
  private text = '';
  private stale = false;

  constructor(body: string, lineStart: number) {
    this.body = body;
    this.at = lineStart + 5; // after `data:`
  }

  /** The index fields of the objects open at `to` (not before the last point asked), as one string. */
  before(to: number): string {
    const body = this.body;
    const stack = this.stack;
    let depth = this.depth;
    let i = this.at;
    while (i < to) {
      const c = body.charCodeAt(i);
      if (c === QUOTE) {
        const j = literalEnd(body, i);
        if (j - i <= 15 && INDEX_KEYS.has(body.slice(i, j))) {
          INDEX_VALUE.lastIndex = j;
          const value = INDEX_VALUE.exec(body);
          if (value) {
            const key = body.slice(i, j);
            const top = stack[stack.length - 1];
            if (top && top.depth === depth && top.key === key) top.value = value[1]!;
            else if (stack.length < MAX_INDEXES) stack.push({ depth, key, value: value[1]! });
            this.stale = true;
            i = INDEX_VALUE.lastIndex;
            continue;
          }
        }
        i = j;
      } else {
        if (c === 0x7b || c === 0x5b) depth++; // { [
        else if (c === 0x7d || c === 0x5d) {
          // } ]: the index fields of what it closes no longer apply.
          depth--;
          while (stack.length > 0 && stack[stack.length - 1]!.depth > depth) {
            stack.pop();
            this.stale = true;
          }
        }
        i++;
      }
    }
    this.depth = depth;
    this.at = Math.max(i, to);
    if (this.stale) {
      this.text = stack.map((f) => `|${f.key}=${f.value}@${f.depth}`).join('');
      this.stale = false;
    }
    return this.text;
  }
}

/**
 * Shaped lines that took no line before's index fields, in a row, before some lines are walked
 * unshaped: choices streamed at once alternate their `index` every line, and shaping them is
 * work the walk then does again.
 */
const MISSES_BEFORE_SKIP = 2;
const SKIP_LINES = 8;

/**
 * The index fields of each data line's first text field, the text before it read once for a run
 * of lines: lines with the same text there (most providers' events), or with text alike to the
 * readers (the Responses API numbers every event: its `sequence_number` differs), which keep the
 * same index fields since readersShape keeps them, and the brackets and keys they depend on.
 */
class FirstFields {
  /** The last line's text before its first field, and what it was read as. */
  private prefix = '';
  private indexes = '';
  /** readersShape's of that text, shared by the lines alike to it; null when not shaped or refused. */
  shape: string | null = null;
  /** The walk of the last line, left at its first field: undefined when it took the line before's. */
  walker: IndexContext | undefined;
  private misses = 0;
  private skip = 0;

  read(body: string, lineStart: number, keyStart: number): string {
    this.walker = undefined;
    // Compared as two slices: startsWith with a slice of the text was most of findPieces' time.
    const prefix = body.slice(lineStart, keyStart);
    if (prefix === this.prefix) return this.indexes;
    this.prefix = prefix;
    let shape: string | null = null;
    if (this.skip > 0) this.skip--;
    else if (prefix.length <= HEAD_MAX_CHARS) shape = readersShape(prefix, HEAD_MAX_MASKS) ?? null;
    if (shape !== null && shape === this.shape) {
      this.misses = 0;
      return this.indexes;
    }
    if (shape !== null && this.shape !== null && ++this.misses >= MISSES_BEFORE_SKIP) {
      this.misses = 0;
      this.skip = SKIP_LINES;
    }
    this.shape = shape;
    this.walker = new IndexContext(body, lineStart);
    this.indexes = this.walker.before(keyStart);
    return this.indexes;
  }
}

/** Where the literal that opens at `from` ends: after its closing quote, or at its line's end. */
function literalEnd(body: string, from: number): number {
  let j = from + 1;
  for (;;) {
    const d = body.charCodeAt(j);
    if (d === QUOTE) return j + 1;
    if (d === LF || d === CR || j >= body.length) return j;
    if (d === BACKSLASH) {
      const e = body.charCodeAt(j + 1);
      if (e === LF || e === CR) return j + 1;
      j += 2;
    } else j++;
  }
}

/** The text fields of every `data:` line of `body`, in order, with the groups they join. */
export function findPieces(body: string): Piece[] {
  const pieces: Piece[] = [];
  // The line the last match was on, and the next LF and CR after its start, searched again only
  // once passed (a search back from each match, or afresh for a kind of line end the text lacks,
  // rescans the text: quadratic).
  let lineStart = -1;
  let lf = -2;
  let cr = -2;
  let dataLine = false;
  let context: IndexContext | undefined;
  // The text before a line's first field, and its index fields: most events of a stream repeat
  // the same text there (`{"id":…,"choices":[{"index":0,"delta":{`), read once (FirstFields).
  let firstOnLine = false;
  const firsts = new FirstFields();
  TEXT_FIELD.lastIndex = 0;
  // test() and a walk back to the key, not exec(): no match array for each of a stream's events.
  while (TEXT_FIELD.test(body)) {
    const open = TEXT_FIELD.lastIndex - 1;
    let nameEnd = open - 1;
    while (body.charCodeAt(nameEnd) !== QUOTE) nameEnd--;
    const keyStart = body.lastIndexOf('"', nameEnd - 1);
    const end = literalEnd(body, open);
    TEXT_FIELD.lastIndex = end;
    let start = Math.max(0, lineStart);
    for (;;) {
      if (lf !== -1 && lf < start) lf = body.indexOf('\n', start);
      if (cr !== -1 && cr < start) cr = body.indexOf('\r', start);
      const lineEnd = lf === -1 ? cr : cr === -1 ? lf : Math.min(lf, cr);
      if (lineEnd === -1 || lineEnd > keyStart) break;
      start = lineEnd + 1;
    }
    if (start !== lineStart) {
      lineStart = start;
      dataLine = body.startsWith('data:', lineStart);
      context = undefined;
      firstOnLine = true;
    } else firstOnLine = false;
    if (!dataLine) continue;
    let indexes: string;
    let head: LineHead | undefined;
    if (firstOnLine) {
      indexes = firsts.read(body, lineStart, keyStart);
      context = firsts.walker;
      if (firsts.shape !== null) head = { shape: firsts.shape, key: body.slice(keyStart, open) };
    } else {
      context ??= new IndexContext(body, lineStart);
      indexes = context.before(keyStart);
    }
    // Closed when it ends in a quote other than its opening one.
    const closed = end - 1 > open && body.charCodeAt(end - 1) === QUOTE;
    const name = body.slice(keyStart + 1, nameEnd);
    const field = name === 'text' ? 'content' : name;
    pieces.push({ line: lineStart, start: open, end, closed, text: contentOf(body.slice(open, end), closed), field, context: indexes, head });
  }
  return pieces;
}

/**
 * The pieces redactStreamedPieces found in the last body it read, with their texts as found: a
 * stored stream's body is most often that body unchanged, and the readers' check asks for them.
 */
let lastRead: { body: string; pieces: readonly Piece[]; texts: readonly string[] } | undefined;


/**
 * Fields a reader may file under a different group in lines alike: the request view gives a tool
 * call without an `index` the next free one, so each such line opens a call of its own.
 */
const STATEFUL_FIELDS = new Set(['arguments', 'name']);

/** piecesMaySpell's last answer. */
let lastVerdict: { body: string; secrets: readonly string[]; may: boolean } | undefined;

/**
 * Whether some join of `body`'s text pieces, as a reader or the piece redaction's groupings make
 * them, may spell one of `exactSecrets` (each long enough to be scrubbed) or a key: the join gate
 * over readerUnits. Each of the redaction's groups is such a selection too (a run's lines share
 * their field and index fields, so a group takes all of a run or none), so where the gate is shut
 * the groupings have nothing to do. A body with a CR is always read (its lines are not split as
 * readerUnits splits them). The last body's answer is kept: the readers' check asks it again.
 */
export function piecesMaySpell(body: string, exactSecrets: readonly string[]): boolean {
  const last = lastVerdict;
  if (last && last.body === body && last.secrets.length === exactSecrets.length && last.secrets.every((s, i) => s === exactSecrets[i])) return last.may;
  const may = body.includes('\r') || joinsMaySpell(readerUnits(body), exactSecrets);
  // A copy: a call's secrets grow when a later attempt adds its key (helper-60).
  lastVerdict = { body, secrets: [...exactSecrets], may };
  return may;
}

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
/** A character that may go on after a JSON number (then it is not one): a digit, `.`, `e`, `E`, `+`, `-`. */
const isNumberChar = (c: number) => isDigit(c) || c === 0x2e || c === 0x65 || c === 0x45 || c === 0x2b || c === 0x2d;
const skipDigits = (text: string, at: number) => {
  while (isDigit(text.charCodeAt(at))) at++;
  return at;
};

/**
 * Where the JSON number starting at `at` ends, as JSON.parse reads one (`-?(0|[1-9]\d*)(\.\d+)?
 * ([eE][+-]?\d+)?`); -1 when there is none, or when a character that may go on in a number
 * follows it (`01`, `1.`, `1e`: not a number JSON.parse takes).
 */
function jsonNumberEnd(text: string, at: number): number {
  let i = at;
  if (text.charCodeAt(i) === 0x2d) i++;
  const first = text.charCodeAt(i);
  if (first === 0x30) i++;
  else if (first >= 0x31 && first <= 0x39) i = skipDigits(text, i + 1);
  else return -1;
  // A `.` or an exponent mark without digits after it is such a following character.
  if (text.charCodeAt(i) === 0x2e) {
    if (!isDigit(text.charCodeAt(i + 1))) return -1;
    i = skipDigits(text, i + 2);
  }
  const mark = text.charCodeAt(i);
  if (mark === 0x65 || mark === 0x45) {
    let j = i + 1;
    const sign = text.charCodeAt(j);
    if (sign === 0x2b || sign === 0x2d) j++;
    if (!isDigit(text.charCodeAt(j))) return -1;
    i = skipDigits(text, j + 1);
  }
  return isNumberChar(text.charCodeAt(i)) ? -1 : i;
}

/**
 * `text` (what an event's data line holds around its text field) with what no reader and no
 * grouping of the piece redaction chooses by left out: the contents of string values but a
 * `type`'s, numbers but those of INDEX_KEYS. The readers pick and group a stream's texts by
 * `type` (Anthropic's and the Responses API's events and blocks, their deltas' kind), by `index`
 * (a choice, a tool call, a block) and by where a field is, the groupings by INDEX_KEYS too
 * (helper-60: lines of two `output_index` values made one run); an `id`, a `created` or
 * `sequence_number`, OpenAI's random `obfuscation`, never. Undefined when a literal or number is
 * one JSON.parse refuses or does not end: that line may be dropped by a reader; and when more than
 * `maxMasks` values would be left out (the caller then reads the text otherwise).
 */
export function readersShape(text: string, maxMasks = Infinity): string | undefined {
  let out = '';
  let masks = 0;
  let from = 0;
  /** Where the last key's literal starts and ends. */
  let keyAt = -1;
  let keyEnd = -1;
  for (let i = 0; i < text.length; ) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const end = validLiteralEnd(text, i);
      if (end === -1) return undefined;
      let after = end;
      // White space as INDEX_VALUE reads it: what the groupings take for a key, this does too.
      while (isSpace(text.charCodeAt(after))) after++;
      if (text.charCodeAt(after) === 0x3a) {
        keyAt = i;
        keyEnd = end;
      } else if (!keyIs(text, keyAt, keyEnd, '"type"')) {
        if (++masks > maxMasks) return undefined;
        out += `${text.slice(from, i)}""`;
        from = end;
      }
      i = end;
    } else if ((c >= 0x30 && c <= 0x39) || c === 0x2d) {
      // Outside literals only a number has these; one JSON.parse refuses (`01`, `1e`) is not masked.
      const end = jsonNumberEnd(text, i);
      if (end === -1) return undefined;
      if (!isIndexKey(text, keyAt, keyEnd)) {
        if (++masks > maxMasks) return undefined;
        out += `${text.slice(from, i)}0`;
        from = end;
      }
      i = end;
    } else i++;
  }
  return from === 0 ? text : out + text.slice(from);
}

/** Whether `text` from `at` to `end` is the literal `name`. */
const keyIs = (text: string, at: number, end: number, name: string) => end - at === name.length && text.startsWith(name, at);

const INDEX_KEY_NAMES = [...INDEX_KEYS];
/** Whether the literal from `at` to `end` is one of INDEX_KEYS. */
function isIndexKey(text: string, at: number, end: number): boolean {
  if (at === -1 || end - at > 16) return false;
  for (const name of INDEX_KEY_NAMES) if (keyIs(text, at, end, name)) return true;
  return false;
}

/**
 * Where the JSON string literal opening at `at` ends (after its closing quote); -1 when JSON.parse
 * would refuse it (a raw control character, an escape JSON has not) or it does not end. Two events
 * alike but for such literals parse alike.
 */
function validLiteralEnd(text: string, at: number): number {
  for (let i = at + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) return i + 1;
    if (c < 0x20) return -1;
    if (c === BACKSLASH) {
      const e = text.charCodeAt(++i);
      if (e === 0x75) {
        for (let h = 1; h <= 4; h++) if (!isHex(text.charCodeAt(i + h))) return -1;
        i += 4;
      } else if (!(e === QUOTE || e === BACKSLASH || e === 0x2f || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74)) return -1;
    }
  }
  return -1;
}

const isHex = (c: number) => (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);

/**
 * What readers of the stream may join, in order: each data line's text fields, apart, except that
 * a run of consecutive data lines alike to every reader but for their one text field's value (the
 * same readersShape before and after its literal, a literal JSON.parse takes, no other data line
 * between) is one text, their values joined. Every reader reads such lines alike (the same choice,
 * block or field, the same state; a tool call's fields are never joined so, see STATEFUL_FIELDS),
 * so it joins all of the run or none of it, or, where each line resets what it joins (alike block
 * starts) or the first ends the reading (alike Responses `response.completed`), a suffix or a
 * prefix of it: the gate looks for a secret's start anywhere in a text, so those are covered too
 * (helper-59). Every text a reader joins is a selection of
 * these, unless the body names a field with escapes, spreads an event's data over lines, or ends
 * lines with CR (reader-joins.ts checks those first). A stream's answer is most often one run: a
 * provider writes its text events alike.
 */
export function readerUnits(body: string): string[][] {
  const known = lastRead?.body === body ? lastRead : undefined;
  const pieces = known?.pieces ?? findPieces(body);
  if (!known) lastRead = { body, pieces, texts: pieces.map((p) => p.text) };
  const units: string[][] = [];
  let run: Run | undefined;
  const close = () => {
    if (run) units.push([run.texts.join('')]);
    run = undefined;
  };
  for (let i = 0; i < pieces.length; ) {
    const line = pieces[i]!.line;
    let j = i + 1;
    while (j < pieces.length && pieces[j]!.line === line) j++;
    const texts: string[] = [];
    for (let k = i; k < j; k++) texts.push(known ? known.texts[k]! : pieces[k]!.text);
    const piece = pieces[i]!;
    const lineEnd = j === i + 1 ? body.indexOf('\n', piece.end) : -1;
    if (j !== i + 1 || lineEnd === -1 || STATEFUL_FIELDS.has(piece.field) || validLiteralEnd(body, piece.start) !== piece.end) {
      close();
      units.push(texts);
      i = j;
      continue;
    }
    const prefix = new Side(body.slice(line, piece.start), piece.head);
    const suffix = new Side(body.slice(piece.end, lineEnd));
    // The line right after the run's last one, but for blank and other non-data lines.
    const last = run && body.indexOf('\ndata:', run.end) + 1 === line ? run : undefined;
    if (last && last.prefix.alike(prefix) && last.suffix.alike(suffix)) {
      last.texts.push(texts[0]!);
      last.prefix = prefix;
      last.suffix = suffix;
      last.end = lineEnd;
    } else {
      close();
      run = { prefix, suffix, end: lineEnd, texts };
    }
    i = j;
  }
  close();
  return units;
}

/** A run of lines alike to the readers: its last line around its text field, where that line ends, the texts so far. */
interface Run {
  prefix: Side;
  suffix: Side;
  end: number;
  texts: string[];
}

/** What a line holds before or after its text field, as written and, once asked, as the readers see it (readersShape). */
class Side {
  readonly text: string;
  /** The text before a line's field, read by findPieces: its shape in two parts (LineHead). */
  readonly head: LineHead | undefined;
  /** readersShape's, once asked; null when a reader may drop the line. */
  masked: string | null | undefined;

  constructor(text: string, head?: LineHead) {
    this.text = text;
    this.head = head;
  }

  /**
   * Compared as written first: most runs' lines are alike so, OpenAI's random `obfuscation`
   * aside; then by the heads findPieces read (the Responses API numbers every event); then shaped.
   */
  alike(other: Side): boolean {
    if (this.text === other.text) {
      other.masked = this.masked;
      return true;
    }
    const a = this.head;
    const b = other.head;
    if (a && b && a.shape === b.shape && a.key === b.key) return true;
    const shape = this.shape();
    return shape !== null && shape === other.shape();
  }

  /** A head's two parts make the whole's shape (LineHead): not read again. */
  shape(): string | null {
    if (this.masked === undefined) this.masked = this.head ? this.head.shape + this.head.key : (readersShape(this.text) ?? null);
    return this.masked;
  }
}

function contentOf(literal: string, closed: boolean): string {
  return literal.includes('\\') ? readLiteral(literal, closed) : literal.slice(1, closed ? -1 : undefined);
}

/**
 * The group's pieces with their joined text as `redact` returns it (true when it changed), cut back into the same
 * pieces: only the stretch from the first to the last character `redact` changed moves, into
 * the first piece it touches, the pieces after it that it covers left empty, so a reader joins
 * exactly the redacted text and the events keep their number and order.
 */
function redactGroup(pieces: Piece[], redact: (joined: string) => string): boolean {
  const joined = pieces.map((p) => p.text).join('');
  const redacted = redact(joined);
  if (redacted === joined) return false;
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
    piece.text = piece.text.slice(0, Math.max(0, p - s)) + (insertHere ? replacement : '') + piece.text.slice(Math.min(piece.text.length, Math.max(0, regionEnd - s)));
  }
  return true;
}

function groupBy(pieces: Piece[], id: (p: Piece) => string): Piece[][] {
  const groups = new Map<string, Piece[]>();
  for (const piece of pieces) {
    const key = id(piece);
    const group = groups.get(key);
    if (group) group.push(piece);
    else groups.set(key, [piece]);
  }
  return [...groups.values()].filter((g) => g.length > 1);
}

/**
 * `body` with the text fields of its events redacted where their pieces, joined as either reader
 * joins them, hold a secret (`redact` takes a joined text and returns it redacted). The body as
 * it was when no group changed.
 */
export function redactStreamedPieces(body: string, redact: (joined: string) => string): string {
  const known = lastRead?.body === body ? lastRead : undefined;
  const pieces = known ? known.pieces.map((p, i) => Object.assign({}, p, { text: known.texts[i]! })) : findPieces(body);
  const before = known?.texts ?? pieces.map((p) => p.text);
  if (pieces.length < 2) {
    lastRead = { body, pieces, texts: before };
    return body;
  }
  const groupings = [groupBy(pieces, (p) => p.field + p.context), groupBy(pieces, (p) => p.field)];
  // Each grouping on what the other left; again while one changed something, since a stretch
  // moved into one piece may join differently in the other grouping (review helper-50). Each
  // round only removes text; three are plenty.
  for (let round = 0, changed = true; changed && round < 3; round++) {
    changed = false;
    for (const grouping of groupings) for (const group of grouping) changed = redactGroup(group, redact) || changed;
  }
  // Set here, after the groups' readings, which run this on texts of their own.
  lastRead = { body, pieces, texts: before };
  let out = '';
  let at = 0;
  for (const [i, piece] of pieces.entries()) {
    if (piece.text === before[i]) continue;
    out += body.slice(at, piece.start) + rewriteLiteral(body.slice(piece.start, piece.end), piece.closed, before[i]!, piece.text);
    at = piece.end;
  }
  return at === 0 ? body : out + body.slice(at);
}
