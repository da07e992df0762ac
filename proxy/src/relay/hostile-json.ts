import { GatewayError } from '../errors.ts';

/** Far beyond any real request (tool schemas nest a few dozen levels), far below a stack overflow. */
export const MAX_JSON_DEPTH = 128;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes a request body as strict UTF-8: invalid bytes are a 400, not silently replaced
 * by U+FFFD (which would change what reaches the provider and what is logged).
 */
export function decodeUtf8(raw: Buffer): string {
  try {
    return strictUtf8.decode(raw);
  } catch {
    throw new GatewayError('invalid_json', 'The request body is not valid UTF-8.');
  }
}

/**
 * One walk of a parsed document, before anything recursive (canonicalisation, redaction,
 * JSON.stringify) touches it: nesting deeper than `max` and `__proto__` keys are refused.
 * JSON.parse itself is safe to run first: V8's parser does not recurse (a body nested a million
 * levels deep parses), and it defines `__proto__` as an own key, however the text escapes it.
 * The walk does not recurse either, and its cost is the number of objects and arrays, not the
 * text's length: a long prompt is one string. (Scanning the text for brackets and for the
 * key's spellings cost 0.7 ms for a 150 KB agent request.)
 */
export function checkParsedJson(json: unknown, max: number = MAX_JSON_DEPTH): void {
  if (json === null || typeof json !== 'object') return;
  const values: object[] = [json];
  const depths: number[] = [1];
  while (values.length > 0) {
    const value = values.pop()!;
    const depth = depths.pop()!;
    if (depth > max) throw new GatewayError('invalid_json', `The request body nests deeper than ${max} levels.`);
    if (Array.isArray(value)) {
      for (const item of value as unknown[]) {
        if (item !== null && typeof item === 'object') {
          values.push(item);
          depths.push(depth + 1);
        }
      }
      continue;
    }
    for (const key of Object.keys(value)) {
      if (key === '__proto__') throw new GatewayError('invalid_request', 'The request body uses "__proto__" as a key, which the gateway refuses.');
      const item = (value as Record<string, unknown>)[key];
      if (item !== null && typeof item === 'object') {
        values.push(item);
        depths.push(depth + 1);
      }
    }
  }
}
