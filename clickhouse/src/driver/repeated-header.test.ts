import { describe, expect, it } from 'vitest';
import { RepeatedHeader } from './repeated-header.ts';

const joined = (format: string, chunks: string[]) => {
  const header = RepeatedHeader.of(format)!;
  return chunks.map((c) => header.push(Buffer.from(c)).toString()).join('');
};

describe('RepeatedHeader', () => {
  it('keeps the first chunk\'s header and takes it off the later ones (chunks as chDB 3.4 streams them)', () => {
    expect(joined('CSVWithNames', ['"n\nx","b"""\r\n0,1\r\n', '"n\nx","b"""\r\n2,3\r\n'])).toBe('"n\nx","b"""\r\n0,1\r\n2,3\r\n');
    expect(joined('TSVWithNames', ['n\\nx\n0\n1\n', 'n\\nx\n2\n'])).toBe('n\\nx\n0\n1\n2\n');
    expect(joined('JSONCompactEachRowWithNamesAndTypes', ['["n"]\n["UInt64"]\n[0]\n', '["n"]\n["UInt64"]\n[1]\n'])).toBe('["n"]\n["UInt64"]\n[0]\n[1]\n');
    expect(joined('CSVWithNames', ['"n"\r\n'])).toBe('"n"\r\n');
  });

  it('refuses a later chunk that does not start with the header, and leaves formats without one alone', () => {
    const header = RepeatedHeader.of('TSVWithNames')!;
    header.push(Buffer.from('n\n0\n'));
    expect(() => header.push(Buffer.from('1\n2\n'))).toThrow(/without the header/);
    expect(RepeatedHeader.of('JSONEachRow')).toBeNull();
    expect(RepeatedHeader.of('Parquet')).toBeNull();
  });
});
