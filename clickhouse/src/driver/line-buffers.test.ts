import { describe, expect, it } from 'vitest';
import { LineBuffers } from './line-buffers.ts';

const rows = (n: number, fill: string) => Array.from({ length: n }, (_, i) => Buffer.from(`{"i":${i},"v":"${fill.repeat(i % 7)}"}`));
const joined = (r: Buffer[]) => Buffer.from(r.map((x) => `${x.toString()}\n`).join(''));

describe('LineBuffers', () => {
  it('joins rows one per line, and a later smaller batch in the same memory carries nothing of the earlier', async () => {
    const lines = new LineBuffers();
    const big = rows(5000, 'abc');
    let first: Buffer | undefined;
    await lines.withLines(big, async (bytes) => {
      expect(bytes.equals(joined(big))).toBe(true);
      first = bytes;
    });
    const small = rows(3, 'z');
    await lines.withLines(small, async (bytes) => {
      expect(bytes.equals(joined(small))).toBe(true);
      // The same memory: the point of the class.
      expect(bytes.buffer).toBe(first!.buffer);
      expect(bytes.byteOffset).toBe(first!.byteOffset);
    });
  });

  it('never hands out memory an unsettled insert still reads, and keeps it after a failure', async () => {
    const lines = new LineBuffers();
    const a = rows(100, 'a');
    const b = rows(100, 'b');
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let firstBytes: Buffer | undefined;
    const first = lines.withLines(a, async (bytes) => {
      firstBytes = bytes;
      await held;
      // Unchanged while in use, whatever ran meanwhile.
      expect(bytes.equals(joined(a))).toBe(true);
    });
    await lines.withLines(b, async (bytes) => {
      expect(bytes.buffer).not.toBe(firstBytes!.buffer);
      expect(bytes.equals(joined(b))).toBe(true);
    });
    release();
    await first;
    await expect(lines.withLines(a, async () => Promise.reject(new Error('refused')))).rejects.toThrow('refused');
    await lines.withLines(b, async (bytes) => expect(bytes.equals(joined(b))).toBe(true));
  });

  it('takes a larger batch than any kept buffer', async () => {
    const lines = new LineBuffers();
    await lines.withLines(rows(10, 'x'), async () => {});
    const huge = [Buffer.alloc(5 * 1024 * 1024, 0x61), Buffer.from('{}')];
    await lines.withLines(huge, async (bytes) => {
      expect(bytes.length).toBe(5 * 1024 * 1024 + 1 + 3);
      expect(bytes.subarray(-3).toString()).toBe('{}\n');
    });
  });
});
