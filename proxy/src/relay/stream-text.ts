/**
 * A stream's chunks as text, exactly as one streaming WHATWG `TextDecoder` reads them (a
 * leading byte order mark dropped, invalid bytes as U+FFFD, a character split between chunks
 * joined), without making one for each stream: a streaming decode in Node 20 opens an ICU
 * converter, about 6-10 µs of a stream's first chunk on the gateway's core (docs/benchmarks.md,
 * "A wave's opens, profiled"). A chunk that ends in an ASCII byte leaves nothing pending, so
 * while no chunk has ended inside a character (providers end their chunks with a line), each
 * is decoded on its own by V8, whose UTF-8 decoding replaces invalid bytes as the WHATWG
 * decoder does. From the first chunk that may end inside a character on, a `TextDecoder` takes
 * over (keeping the byte order mark unless the stream began there).
 */
export class StreamText {
  #decoder: TextDecoder | undefined;
  #started = false;

  /** The text of one more chunk (a character it ends inside of comes with the next). */
  push(chunk: Buffer): string {
    if (this.#decoder === undefined) {
      if (chunk.length === 0) return '';
      const first = !this.#started;
      this.#started = true;
      if (chunk[chunk.length - 1]! < 0x80 && !(first && startsWithBom(chunk))) return chunk.toString('utf8');
      this.#decoder = new TextDecoder('utf-8', { ignoreBOM: !first });
    }
    return this.#decoder.decode(chunk, STREAMING);
  }

  /** What is still pending at the stream's end (an unfinished character, as U+FFFD). */
  end(): string {
    return this.#decoder?.decode() ?? '';
  }
}

/** decode()'s options for every chunk but the last: one object, not one per chunk. */
const STREAMING: TextDecodeOptions = { stream: true };

const startsWithBom = (chunk: Buffer) => chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf;
