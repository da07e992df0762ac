/**
 * Whether some reader's join of a stream's texts could spell a secret: the cheap question asked
 * before the readers themselves are run over a stored stream (reader-joins.ts). A reader joins an
 * ordered selection of the stream's texts (readerUnits in streamed-pieces.ts: a run of events
 * alike is one text), so the gate asks it of every such selection at once: it walks the texts in
 * order and keeps, for each shape, the states its matcher can be in at the end of some selection's
 * join. The shapes: those of redact.ts's KEY_PATTERNS (a start such as `sk-`, then enough of the
 * key's characters; supersets, with no word boundary asked before the start), each exact secret,
 * and `data:` (a join holding a `data:` line is a stream of its own to redaction, which reads its
 * pieces again). join-gate.test.ts checks the key shapes against the patterns themselves: every key
 * they redact, split into pieces among others, opens the gate.
 */

interface Shape {
  /** The literal starts; `fold`: compared ASCII case-insensitively. */
  starts: readonly string[];
  fold: boolean;
  /** White space (one character or more) between the start and the rest, as a Bearer token has. */
  space: boolean;
  /** Characters of the rest, by ASCII code (both cases where `fold`). */
  chars: Uint8Array;
  /** How many of them make a key (0: the start alone is the secret). */
  min: number;
  /** Finds the starts where they are folded: KEY_SHAPES' (a single exact one is found with indexOf). */
  search: RegExp | undefined;
}

function charTable(...ranges: string[]): Uint8Array {
  const table = new Uint8Array(128);
  for (const range of ranges) {
    if (range.length === 3) for (let c = range.charCodeAt(0); c <= range.charCodeAt(2); c++) table[c] = 1;
    else for (const ch of range) table[ch.charCodeAt(0)] = 1;
  }
  return table;
}

const escapeRegExp = (text: string) => text.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');

function shape(starts: readonly string[], fold: boolean, space: boolean, chars: Uint8Array, min: number): Shape {
  const search = fold || starts.length > 1 ? new RegExp(starts.map(escapeRegExp).join('|'), fold ? 'gi' : 'g') : undefined;
  return { starts, fold, space, chars, min, search };
}

const KEY_BODY = charTable('A-Z', 'a-z', '0-9', '_-');
const ALNUM = charTable('A-Z', 'a-z', '0-9');
/** KEY_PATTERNS' shapes; letters of the rest in both cases, so that folding the start is all the superset needs. */
const KEY_SHAPES: readonly Shape[] = [
  shape(['sk-'], true, false, KEY_BODY, 16),
  shape(['psk_'], true, false, KEY_BODY, 16),
  shape(['aiza'], true, false, KEY_BODY, 30),
  shape(['akia', 'asia'], true, false, ALNUM, 16),
  shape(['gsk_'], true, false, ALNUM, 20),
  shape(['bearer', 'basic'], true, true, charTable('A-Z', 'a-z', '0-9', '._~+/=-'), 20),
];
/** The rest's characters of a literal shape: none (the start is all of it). */
const NO_CHARS = new Uint8Array(128);
const DATA_LINE = shape(['data:'], false, false, NO_CHARS, 0);
/** An exact secret's shape: no table or expression of its own (no secret is kept past the call either). */
const secretShape = (secret: string): Shape => shape([secret], false, false, NO_CHARS, 0);
/** Any of KEY_SHAPES' starts: one search of a text for all six, most often finding none. */
const ANY_KEY_START = new RegExp(KEY_SHAPES.flatMap((s) => s.starts).map(escapeRegExp).join('|'), 'i');

/**
 * Past this much work (states times characters read), the gate gives up and lets the readers
 * decide: a secret of one repeated pattern (a client's own credential, `a a a …`) keeps a state
 * for each of its periods, and a long stream then cost the gate seconds (helper-58: 20 s for a
 * 16 KB credential and 5,000 pieces). The readers' parse is linear.
 */
const WORK_BUDGET = 2_000_000;
/** The work done so far by the running joinsMaySpell: characters compared or walked. */
let work = 0;

/** `\s` as JavaScript's regular expressions read it. */
export function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d) || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a)
    || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/**
 * A matcher's states, as numbers: part of a start (start index × STARTS + characters matched),
 * the space after a start (none yet, or some), or a run of the rest (CLASS + its length).
 */
const STARTS = 1 << 16;
/** An exact secret this long or longer opens the gate (its states would not fit STARTS). */
const MAX_SECRET = STARTS - 1;
const SPACE_NEEDED = 1 << 24;
const SPACE_SEEN = SPACE_NEEDED + 1;
const CLASS = 1 << 25;
const DEAD = -1;
const ACCEPT = -2;

const fold = (c: number) => (c >= 0x41 && c <= 0x5a ? c | 0x20 : c);

/** Whether `text` from `at` matches `start` from `from` for `n` characters. */
function matches(shape: Shape, text: string, at: number, start: string, from: number, n: number): boolean {
  for (let i = 0; i < n; i++) {
    const a = text.charCodeAt(at + i);
    const b = start.charCodeAt(from + i);
    if (a !== b && !(shape.fold && fold(a) === fold(b))) {
      work += i + 1;
      return false;
    }
  }
  work += n + 1;
  return true;
}

const restFrom = (shape: Shape) => (shape.space ? SPACE_NEEDED : CLASS);

/** The matcher's state after reading `text` from `at`, in the rest (or the space before it) from `state`. */
function afterStart(shape: Shape, text: string, at: number, state: number): number {
  let i = at;
  if (state === SPACE_NEEDED || state === SPACE_SEEN) {
    while (i < text.length && isSpace(text.charCodeAt(i))) {
      i++;
      state = SPACE_SEEN;
    }
    if (i === text.length) return state;
    if (state === SPACE_NEEDED) return DEAD;
    state = CLASS;
  }
  let run = state - CLASS;
  if (run >= shape.min) return ACCEPT;
  const from = i;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128 || shape.chars[c] === 0) break;
    if (++run >= shape.min) return ACCEPT;
  }
  work += i - from + 1;
  return i < text.length ? DEAD : CLASS + run;
}

/** The state after reading `text` whole from `state`. */
function run(shape: Shape, state: number, text: string): number {
  if (state >= SPACE_NEEDED) return afterStart(shape, text, 0, state);
  const start = shape.starts[Math.floor(state / STARTS)]!;
  const matched = state % STARTS;
  const need = start.length - matched;
  if (text.length < need) return matches(shape, text, 0, start, matched, text.length) ? state + text.length : DEAD;
  return matches(shape, text, 0, start, matched, need) ? afterStart(shape, text, need, restFrom(shape)) : DEAD;
}

const add = (set: number[], state: number) => {
  work += set.length;
  if (!set.includes(state)) set.push(state);
};

/**
 * Adds to `states` those a reader's join may be in after it takes `text`: from one of the states
 * it had before, or from scratch (a start inside the text, or begun at its end). True when one is
 * a whole key or secret.
 */
function step(shape: Shape, states: number[], text: string, holdsStart: boolean): boolean {
  const before = states.length;
  for (let i = 0; i < before; i++) {
    if (work > WORK_BUDGET) return true;
    const next = run(shape, states[i]!, text);
    if (next === ACCEPT) return true;
    if (next !== DEAD) add(states, next);
  }
  const search = shape.search;
  if (search && holdsStart) {
    search.lastIndex = 0;
    for (let m = search.exec(text); m !== null; m = search.exec(text)) {
      if (work > WORK_BUDGET) return true;
      const next = afterStart(shape, text, search.lastIndex, restFrom(shape));
      if (next === ACCEPT) return true;
      if (next !== DEAD) add(states, next);
      search.lastIndex = m.index + 1;
    }
  } else if (!search && text.includes(shape.starts[0]!)) return true; // an exact secret or `data:`: the start is all of it
  for (const [s, start] of shape.starts.entries()) {
    // Begun at the text's end: from each of its last characters that could be the start's first.
    const from = Math.max(0, text.length - start.length + 1);
    if (shape.fold) {
      for (let at = from; at < text.length; at++) if (matches(shape, text, at, start, 0, text.length - at)) add(states, s * STARTS + text.length - at);
    } else {
      for (let at = text.indexOf(start[0]!, from); at !== -1; at = text.indexOf(start[0]!, at + 1)) {
        if (work > WORK_BUDGET) return true;
        if (matches(shape, text, at, start, 0, text.length - at)) add(states, s * STARTS + text.length - at);
      }
    }
  }
  // A reader may put a line break after a text it joins (the request view joins a Responses
  // answer's summaries with one): a start waiting for one takes it, a Bearer's space is one.
  for (let i = 0; i < states.length; i++) {
    const state = states[i]!;
    if (state === SPACE_NEEDED) add(states, SPACE_SEEN);
    else if (state < SPACE_NEEDED) {
      const start = shape.starts[Math.floor(state / STARTS)]!;
      const matched = state % STARTS;
      if (start.charCodeAt(matched) !== 0x0a) continue;
      // Ends with the break: whether a text follows is not looked ahead for.
      if (matched + 1 === start.length) {
        if (afterStart(shape, '', 0, restFrom(shape)) === ACCEPT) return true;
        add(states, restFrom(shape));
      } else add(states, state + 1);
    }
  }
  return false;
}

/**
 * Whether some ordered selection of `units`' texts, joined (with or without a line break between
 * two), may hold a key of KEY_PATTERNS' shapes, or holds one of `exactSecrets` or `data:`. The
 * texts of one unit (one event's fields) may be joined in either order: the exporter puts a
 * choice's `delta.content` before its `text` wherever each is written. A text with a backslash
 * opens the gate (a reading of an escape could spell anything), as does an exact secret of
 * MAX_SECRET characters or more, and so does WORK_BUDGET spent.
 */
export function joinsMaySpell(units: readonly (readonly string[])[], exactSecrets: readonly string[]): boolean {
  if (exactSecrets.some((secret) => secret.length >= MAX_SECRET)) return true;
  const shapes = [...KEY_SHAPES, DATA_LINE, ...exactSecrets.map(secretShape)];
  // A secret that starts with a line break may start with the one a reader puts before a text.
  const states = shapes.map((s): number[] => (s.starts[0]!.charCodeAt(0) === 0x0a && s.starts[0]!.length > 1 ? [1] : []));
  work = 0;
  for (const texts of units) {
    // Three texts of one event or more may be joined in orders other than as written or reversed
    // (the exporter joins each choice's content, then its text: helper-58).
    if (texts.length > 2 || texts.some((text) => text.includes('\\'))) return true;
    const starts = texts.map((text) => ANY_KEY_START.test(text));
    for (const [i, s] of shapes.entries()) {
      const forward = [...states[i]!];
      for (const [t, text] of texts.entries()) if (step(s, forward, text, starts[t]!)) return true;
      if (texts.length > 1) {
        const backward = [...states[i]!];
        for (let t = texts.length - 1; t >= 0; t--) if (step(s, backward, texts[t]!, starts[t]!)) return true;
        for (const state of backward) add(forward, state);
      }
      states[i] = forward;
    }
  }
  return false;
}
