import { describe, expect, it } from 'vitest';
import { attackCases } from '@periscope/testkit';
import { seededRandom } from '../seeded-random.ts';
import { joinsMaySpell } from './join-gate.ts';
import { redactSecrets } from './redact.ts';

type Random = () => number;
const int = (random: Random, min: number, max: number) => min + Math.floor(random() * (max - min + 1));
const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const chars = (random: Random, alphabet: string, n: number) => Array.from({ length: n }, () => pick(random, [...alphabet])).join('');

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const SPACES = [' ', '\t', '\n', '\u00a0', '\u2003', '\u3000', '  '];

/** A key KEY_PATTERNS match, often at a shape's shortest. */
function key(random: Random): string {
  const short = random() < 0.4;
  switch (int(random, 0, 5)) {
    case 0: return pick(random, ['sk-', 'sk-proj-', 'sk-ant-api03-']) + chars(random, ALNUM + '_-', short ? 16 : int(random, 16, 60));
    case 1: return `psk_${chars(random, ALNUM + '_-', short ? 16 : int(random, 16, 40))}`;
    case 2: return `AIza${chars(random, ALNUM + '_-', short ? 30 : int(random, 30, 40))}`;
    case 3: return pick(random, ['AKIA', 'ASIA']) + chars(random, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789', 16);
    case 4: return `gsk_${chars(random, ALNUM, short ? 20 : int(random, 20, 52))}`;
    default: return pick(random, ['Bearer', 'bearer', 'BASIC', 'Basic']) + pick(random, SPACES) + chars(random, `${ALNUM}._~+/=-`, short ? 20 : int(random, 20, 60));
  }
}

/** `text` cut into 1 to `max` pieces. */
function cut(random: Random, text: string, max: number): string[] {
  const out: string[] = [];
  for (let at = 0; at < text.length; ) {
    const size = int(random, 1, Math.max(1, Math.ceil(text.length / int(random, 1, max))));
    out.push(text.slice(at, at + size));
    at += size;
  }
  return out;
}

const PROSE = ['Hello', ' there', ',', ' the', ' task', '-based', ' approach', ' works', ' well', '.', '\n\n', '- item', ' one', ' Basic', ' idea', ', keep', ' it', ' simple', ' (really)', ' sk', 'etch', ' data', ' flow'];

/** The pieces spread over lines among prose, two of a line sometimes written in the order the exporter reverses. */
function spread(random: Random, pieces: string[]): string[][] {
  const lines: string[][] = [];
  const noise = () => { for (let n = int(random, 0, 2); n > 0; n--) lines.push([pick(random, PROSE)]); };
  for (let i = 0; i < pieces.length; i++) {
    noise();
    if (i + 1 < pieces.length && random() < 0.3) {
      lines.push([pieces[i + 1]!, pieces[i]!]);
      i++;
    } else lines.push(random() < 0.3 ? [pick(random, PROSE), pieces[i]!] : [pieces[i]!]);
  }
  noise();
  return lines;
}

describe('joinsMaySpell', () => {
  it('opens for every key KEY_PATTERNS redact, split into pieces among others, in either order within a line: generated (seed 15)', () => {
    const random = seededRandom(15);
    for (let n = 0; n < attackCases(3000); n++) {
      const text = `${pick(random, ['', 'key ', '=', ' "'])}${key(random)}${pick(random, ['', '.', ' ok', '"'])}`;
      expect(redactSecrets(text), text).not.toBe(text);
      const lines = spread(random, cut(random, text, 8));
      expect(joinsMaySpell(lines, []), JSON.stringify(lines)).toBe(true);
    }
  });

  it('opens for every exact secret spelled by pieces, a reader\'s line break between two included: generated (seed 16)', () => {
    const random = seededRandom(16);
    for (let n = 0; n < attackCases(2000); n++) {
      const secret = chars(random, `${ALNUM} -_.:/\n"é漢`, int(random, 8, 40));
      let pieces = cut(random, secret, 8).filter((p) => p !== '');
      // A reader joining summaries puts the line break itself; a secret's line break with no text
      // on one side (at its start or end, or two in a row) is an empty summary joined so, kept.
      if (random() < 0.3) pieces = pieces.flatMap((p) => p.split('\n'));
      const lines = spread(random, pieces);
      expect(joinsMaySpell(lines, [secret]), JSON.stringify({ secret, lines })).toBe(true);
    }
  });

  it('opens for a piece with a backslash, and for `data:` spelled by pieces (a stream in a stream)', () => {
    expect(joinsMaySpell([['a'], ['b\\u0073']], [])).toBe(true);
    expect(joinsMaySpell([['x da'], ['ok'], ['ta'], [':']], [])).toBe(true);
  });

  // Pieces without a space chain: a long answer's `.`, `ing` and `-based` open it (any selection
  // of them may be a reader's), as do `data` then `: ` (a stream of its own to redaction).
  it('stays shut for prose whose pieces each hold a character no key has', () => {
    const random = seededRandom(17);
    const spaced = PROSE.filter((p) => /[^A-Za-z0-9._~+/=-]/.test(p));
    for (let n = 0; n < 200; n++) {
      const lines = Array.from({ length: int(random, 1, 200) }, () => [pick(random, spaced)]);
      expect(joinsMaySpell(lines, ['sk-bench-upstream-key-abcdef', 'psk_gatewaykey0123456789']), JSON.stringify(lines)).toBe(false);
    }
  });
});
