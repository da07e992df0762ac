/**
 * Whether some reader's join of a stream's text pieces could spell a secret: the cheap question
 * asked before the readers themselves are run over a stored stream (reader-joins.ts). A reader
 * joins an ordered selection of a stream's pieces (a choice's, a block's, a tool call's, or every
 * piece of one field), so the gate asks it of every such selection at once, walking the pieces
 * in order and keeping what the best selection so far ends with:
 * - for the key shapes of redact.ts's KEY_PATTERNS, the longest run of KEY_CHARS some selection's
 *   join ends with: every key those patterns match is such a run of KEY_RUN characters or more
 *   (`sk-` and 16 more is the shortest; a Bearer token is 20 after its space);
 * - for each exact secret, and for `data:`, how much of it some selection's join ends with (a join
 *   with a `data:` line is a stream of its own to redaction, which reads its pieces again).
 * A prose stream's pieces are short words between spaces, and no selection reaches either.
 * join-gate.test.ts checks the first against the patterns themselves: every key they redact, split
 * into pieces among others, opens the gate.
 */

/** Characters of any key KEY_PATTERNS match, start included: letters, digits and `-_.~+/=`. */
const KEY_CHARS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[A-Za-z0-9]/.test(ch) || '-_.~+/='.includes(ch)) KEY_CHARS[c] = 1;
}

/** The shortest key KEY_PATTERNS match, in KEY_CHARS: `sk-` and 16 more. */
export const KEY_RUN = 19;

const isKeyChar = (c: number) => c < 128 && KEY_CHARS[c] === 1;

/** The runs of KEY_CHARS of one piece: at its start, at its end, the longest, and whether it is one. */
interface Runs {
  leading: number;
  trailing: number;
  longest: number;
  whole: boolean;
}

function runsOf(text: string): Runs {
  let leading = -1;
  let current = 0;
  let longest = 0;
  for (let i = 0; i < text.length; i++) {
    if (isKeyChar(text.charCodeAt(i))) {
      if (++current > longest) longest = current;
    } else {
      if (leading === -1) leading = current;
      current = 0;
    }
  }
  return leading === -1 ? { leading: text.length, trailing: text.length, longest: text.length, whole: true } : { leading, trailing: current, longest, whole: false };
}

/**
 * The longest run a selection's join may end with after `pieces` (in this order) from `best`;
 * -1 when one holds KEY_RUN.
 */
function runAfter(pieces: readonly Runs[], best: number): number {
  for (const p of pieces) {
    if (best + p.leading >= KEY_RUN || p.longest >= KEY_RUN) return -1;
    best = Math.max(best, p.whole ? best + p.leading : p.trailing);
  }
  return best;
}

/**
 * How much of `secret` some selection's join may end with: a set of lengths matched, each a
 * selection's. Adds those after `text`; true when one spells it whole.
 */
function secretStep(secret: string, matched: number[], text: string): boolean {
  const before = matched.length;
  for (let i = 0; i < before; i++) {
    const m = matched[i]!;
    const need = secret.length - m;
    if (text.length >= need) {
      if (text.startsWith(secret.slice(m))) return true;
    } else if (secret.startsWith(text, m)) add(matched, m + text.length);
  }
  if (text.includes(secret)) return true;
  // Begun at the text's end: at each of its last characters that is the secret's first.
  for (let at = text.indexOf(secret[0]!, Math.max(0, text.length - secret.length + 1)); at !== -1; at = text.indexOf(secret[0]!, at + 1)) {
    if (secret.startsWith(text.slice(at))) add(matched, text.length - at);
  }
  acrossBreak(secret, matched);
  return false;
}

function add(set: number[], value: number): void {
  if (!set.includes(value)) set.push(value);
}

/** A reader may put a line break after a piece it joins (the request view joins a Responses answer's summaries with one). */
function acrossBreak(secret: string, matched: number[]): void {
  for (const m of [...matched]) {
    let n = m;
    while (secret.charCodeAt(n) === 0x0a) n++;
    if (n !== m) add(matched, n);
  }
}

/**
 * Whether some ordered selection of `lines`' pieces, joined (with or without a line break between
 * two), may hold a key of KEY_PATTERNS' shapes, or holds one of `exactSecrets` or `data:`. Pieces of one line
 * (one event) may be joined in either order: the exporter puts a choice's `delta.content` before
 * its `text` wherever each is written. A piece with a backslash opens the gate (a reading of an
 * escape could spell anything).
 */
export function joinsMaySpell(lines: readonly (readonly string[])[], exactSecrets: readonly string[]): boolean {
  let best = 0;
  const literals = [...exactSecrets, 'data:'];
  // A secret that starts with a line break may start with the one a reader puts before a piece.
  const matched = literals.map((literal): number[] => {
    let breaks = 0;
    while (literal.charCodeAt(breaks) === 0x0a) breaks++;
    return breaks > 0 ? [breaks] : [];
  });
  for (const pieces of lines) {
    if (pieces.some((piece) => piece.includes('\\'))) return true;
    const runs = pieces.map(runsOf);
    const forward = runAfter(runs, best);
    const backward = runs.length > 1 ? runAfter([...runs].reverse(), best) : forward;
    if (forward === -1 || backward === -1) return true;
    best = Math.max(forward, backward);
    for (const [s, secret] of literals.entries()) {
      const from = matched[s]!;
      const forwardSet = [...from];
      for (const piece of pieces) if (secretStep(secret, forwardSet, piece)) return true;
      if (pieces.length > 1) {
        const backwardSet = [...from];
        for (let p = pieces.length - 1; p >= 0; p--) if (secretStep(secret, backwardSet, pieces[p]!)) return true;
        for (const m of backwardSet) add(forwardSet, m);
      }
      matched[s] = forwardSet;
    }
  }
  return false;
}
