import { describe, expect, it } from 'vitest';
import { seededRandom } from '../seeded-random.ts';
import { StreamText } from './stream-text.ts';

/** Byte pieces a provider's stream, or a broken one, can hold. */
const PIECES: number[][] = [
  [0x61], [0x0a], [0x0d], [0x20], [0x7f], // ASCII, line ends
  [0xc3, 0xa9], [0xe2, 0x82, 0xac], [0xf0, 0x9f, 0x98, 0x80], [0xef, 0xbb, 0xbf], // é € 😀 and a BOM
  [0xc3], [0xe2, 0x82], [0xf0, 0x9f, 0x98], // cut characters
  [0x80], [0xbf], [0xff], [0xfe], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe0, 0x80], // invalid
];

function generated(random: () => number): Buffer[] {
  const bytes: number[] = [];
  const n = Math.floor(random() * 40);
  for (let i = 0; i < n; i++) bytes.push(...PIECES[Math.floor(random() * PIECES.length)]!);
  // Cut anywhere, empty chunks included.
  const chunks: Buffer[] = [];
  let at = 0;
  while (at < bytes.length) {
    const len = Math.floor(random() * 8);
    chunks.push(Buffer.from(bytes.slice(at, at + len)));
    at += len;
  }
  return chunks;
}

describe('StreamText', () => {
  it('gives each chunk the text one streaming TextDecoder gives it, and the same end: generated streams (seed 21)', () => {
    const random = seededRandom(21);
    for (let run = 0; run < 10_000; run++) {
      const chunks = generated(random);
      const reference = new TextDecoder();
      const text = new StreamText();
      for (const chunk of chunks) expect(text.push(chunk), `chunk of ${JSON.stringify(chunks.map((c) => [...c]))}`).toBe(reference.decode(chunk, { stream: true }));
      expect(text.end()).toBe(reference.decode());
    }
  });

  it('drops a byte order mark at the stream\'s start only, after empty chunks too', () => {
    const bom = [0xef, 0xbb, 0xbf];
    const cases = [[[...bom, 0x61, 0x0a]], [[], [...bom, 0x61, 0x0a]], [[0x61, 0x0a], [...bom, 0x62, 0x0a]], [[0xc3], [0xa9, 0x0a], [...bom, 0x0a]]];
    for (const chunks of cases) {
      const reference = new TextDecoder();
      const text = new StreamText();
      expect(chunks.map((c) => text.push(Buffer.from(c)))).toEqual(chunks.map((c) => reference.decode(Buffer.from(c), { stream: true })));
    }
  });
});
