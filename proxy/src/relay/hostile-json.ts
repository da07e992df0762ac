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
 * One pass over the text, counting nesting outside strings, before anything recursive
 * (JSON.parse, canonicalisation, redaction) touches a hostile document.
 */
export function checkJsonDepth(text: string, max: number = MAX_JSON_DEPTH): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) throw new GatewayError('invalid_json', `The request body nests deeper than ${max} levels.`);
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
}

/** `__proto__` as a JSON key is never meaningful to a provider and is how prototype pollution starts. */
export function checkNoPrototypeKeys(text: string, json: unknown): void {
  if (!text.includes('"__proto__"') && !text.includes('\\u005f')) return;
  const stack: unknown[] = [json];
  while (stack.length > 0) {
    const value = stack.pop();
    if (value === null || typeof value !== 'object') continue;
    if (Array.isArray(value)) {
      stack.push(...value);
      continue;
    }
    for (const key of Object.keys(value)) {
      if (key === '__proto__') throw new GatewayError('invalid_request', 'The request body uses "__proto__" as a key, which the gateway refuses.');
      stack.push((value as Record<string, unknown>)[key]);
    }
  }
}
