import { describe, expect, it } from 'vitest';
import { attackCases } from '@periscope/testkit';
import { seededRandom } from '../seeded-random.ts';
import { forEachLiteral, readLiteral, REDACTED, replaceLiterals, rewriteLiteral } from './literals.ts';

type Random = () => number;
const int = (random: Random, lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
const pick = <T>(random: Random, items: readonly T[]): T => items[int(random, 0, items.length - 1)]!;

/** A literal's content as lenient encoders and cut bodies write it: escapes valid, invalid and cut short, raw CRs, non-ASCII. */
function literalContent(random: Random): string {
  const atoms = ['a', 'b', 'k', '-', 's', ' ', '1', 'f', 'é', '\r', '[', ']', '\\n', '\\"', '\\\\', '\\/', '\\u0073', '\\u00e9', '\\u12', '\\u', '\\x', '\\u002', '\\uD83D', REDACTED];
  let out = '';
  for (let n = int(random, 0, 40); n > 0; n--) out += pick(random, atoms);
  // Sometimes cut after a backslash, as a body cut short is.
  return random() < 0.1 ? `${out}\\` : out;
}

/** `text` with some spans replaced by REDACTED, removed, or with text put in, as redactions and stream pieces change it. */
function edited(random: Random, text: string): string {
  let out = text;
  for (let n = int(random, 1, 4); n > 0; n--) {
    const from = int(random, 0, out.length);
    const to = Math.min(out.length, from + int(random, 0, 12));
    const put = pick(random, [REDACTED, '', 'ab12', 'u00', '\u2028', '"']);
    out = out.slice(0, from) + put + out.slice(to);
  }
  return out;
}

describe('rewriteLiteral', () => {
  it('reads as the redacted text, whatever the literal\'s escapes and the changes: generated, fixed seed', () => {
    const random = seededRandom(0x11e7a1);
    for (let i = 0, n = attackCases(20_000); i < n; i++) {
      const content = literalContent(random);
      const isClosed = random() < 0.7 && !content.endsWith('\\');
      const literal = isClosed ? `"${content}"` : `"${content}`;
      const decoded = readLiteral(literal, isClosed);
      const redacted = edited(random, decoded);
      const out = rewriteLiteral(literal, isClosed, decoded, redacted);
      expect(readLiteral(out, isClosed), `case ${i}: ${JSON.stringify({ literal, redacted, out })}`).toBe(redacted);
    }
  });

  it('keeps the escapes of the text between two changes (review helper-51: a spelled key between two redacted ones was decoded into plain text)', () => {
    const literal = '"sk-proj-AAAAAAAAAAAA then 0\\u0073\\u006b-ant-api03-BBBB and sk-proj-CCCCCCCCCCCC"';
    const decoded = readLiteral(literal, true);
    const redacted = decoded.replace('sk-proj-AAAAAAAAAAAA', REDACTED).replace('sk-proj-CCCCCCCCCCCC', REDACTED);
    expect(rewriteLiteral(literal, true, decoded, redacted)).toBe('"[REDACTED] then 0\\u0073\\u006b-ant-api03-BBBB and [REDACTED]"');
  });

  it('never leaves an escape cut short before text that would complete it (review helper-51: `\\u12` then `ab` read as U+12AB)', () => {
    const literal = '"\\u12u12ab"';
    const out = rewriteLiteral(literal, true, 'u12u12ab', 'u12ab');
    expect(readLiteral(out, true)).toBe('u12ab');
    expect(readLiteral(rewriteLiteral('"x\\u00"', true, 'xu00', 'xu0041'), true)).toBe('xu0041');
  });
});

/**
 * The regular expressions forEachLiteral replaced (its pairing, written as a pattern), as the
 * reference its scan is held to where they do not fail.
 */
const PATTERN = /"(?:[^"\\\n]|\\[^\n])*("|\\?(?=\n|$))/g;
const PATTERN_CR_LINES = /"(?:[^"\\\n\r]|\\[^\n\r])*("|\\?(?=[\n\r]|$))/g;

function literalsByPattern(text: string, crLines: boolean): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(crLines ? PATTERN_CR_LINES : PATTERN)) found.push(`${m.index}:${m.index + m[0].length}:${m[1] === '"'}`);
  return found;
}

function literalsByScan(text: string, crLines: boolean): string[] {
  const found: string[] = [];
  forEachLiteral(text, crLines, (start, end, closed) => found.push(`${start}:${end}:${closed}`));
  return found;
}

describe('forEachLiteral', () => {
  const ALPHABET = ['"', '\\', 'a', '\n', '\r', 'u'];

  it('finds the literals the pattern it replaced finds: every text of up to 6 characters over quote, backslash, LF, CR and letters', () => {
    let texts = [''];
    for (let length = 1; length <= 6; length++) {
      texts = texts.flatMap((t) => ALPHABET.map((c) => t + c));
      for (const text of texts) {
        for (const crLines of [false, true]) expect(literalsByScan(text, crLines), JSON.stringify(text)).toEqual(literalsByPattern(text, crLines));
      }
    }
  });

  it('finds the literals the pattern finds in longer texts: generated, fixed seed', () => {
    const random = seededRandom(0x11c0);
    const atoms = [...ALPHABET, 'data: ', '{"a":"', '"}', '\\u0073', '\\"', '\r\n', 'é'];
    for (let n = 0; n < 20_000; n++) {
      let text = '';
      for (let k = int(random, 0, 30); k > 0; k--) text += pick(random, atoms);
      for (const crLines of [false, true]) expect(literalsByScan(text, crLines), JSON.stringify(text)).toEqual(literalsByPattern(text, crLines));
    }
  });

  it('reads one literal of 9M characters with escapes, where the pattern threw a RangeError (helper-73)', () => {
    const text = `data: {"a":"\\n${'x'.repeat(9_000_000)}"}\n\n`;
    expect(() => literalsByPattern(text, false)).toThrow(RangeError);
    expect(literalsByScan(text, false)).toEqual(['7:10:true', '11:9000015:true']);
  });
});

describe('replaceLiterals', () => {
  it('rewrites each literal in place and returns the text itself when nothing changed', () => {
    const text = '{"a":"x\\n","b":"y"}\n"open\\';
    expect(replaceLiterals(text, false, (literal) => literal)).toBe(text);
    const closedFlags: boolean[] = [];
    const out = replaceLiterals(text, false, (literal, closed) => {
      closedFlags.push(closed);
      return literal.includes('\\') ? '"L"' : literal;
    });
    expect(out).toBe('{"a":"L","b":"y"}\n"L"');
    expect(closedFlags).toEqual([true, true, true, true, false]);
  });
});
