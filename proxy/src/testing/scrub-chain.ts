/**
 * A text the provider key scrubber must withhold, for unit tests (helper-72): two configured keys,
 * one holding a quote, and links each of which only the pass after the one before can read. A
 * literal the previous pass left open runs to a link's quote, is rewritten (`\u0063` becomes
 * "c"), and forms the quoted key with that quote; that key replaced, the literal is open to the
 * next link. A chain of `links` links needs `links` + 2 passes that change it.
 */
export const CHAIN_PLAIN_KEY = 'sk-proj-AbCdEfGh1234567890';
export const CHAIN_QUOTED_KEY = 'cfg-key-with"quote-0123456789';

/** `key` with every character written as a `\uXXXX` escape. */
export const unicodeEscaped = (key: string) => [...key].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('');

export function scrubChain(links: number): string {
  const link = `${unicodeEscaped(CHAIN_PLAIN_KEY)}\\"\\u0063fg-key-with"quote-0123456789`;
  return `{"error":{"message":"bad ${CHAIN_QUOTED_KEY}${link.repeat(links)}${unicodeEscaped(CHAIN_PLAIN_KEY)}"}}`;
}
