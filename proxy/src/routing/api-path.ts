import { GatewayError, type Dialect } from '../errors.ts';

/**
 * What may not appear in a path the gateway appends to a provider's `base_url`: a raw
 * backslash (URL parsers read it as a slash) or `#`; percent-encoded dots (`%2e`, which URL
 * parsers resolve like `.`), slashes and backslashes (`%2f`, `%5c`, which some servers decode
 * into separators), an encoded percent sign (`%25`: one more decoding would reveal any of
 * these) and overlong UTF-8 (`%c0%ae` and its kin, which old decoders turned into a dot).
 */
const FORBIDDEN = /[\\#]|%(?:2e|2f|5c|25|c0|c1|e0%[89]|f0%8)/i;

/** `.` and `..`, also with a `;parameter`, plain or encoded (some servers strip it before resolving). */
const DOT_SEGMENT = /^\.\.?(?:;|%3b|$)/i;

function refuse(): never {
  throw new GatewayError(
    'invalid_path',
    'The path has a "." or ".." segment, or an encoded dot, slash, backslash or percent sign: provider paths cannot leave the provider\'s base URL.',
  );
}

/** Whether the path (before any `?`) has a `.`, `%`, `\\` or `#`; nearly none do, and one scan of the characters says so. */
function mayClimb(url: string): boolean {
  for (let i = 0; i < url.length; i++) {
    const c = url.charCodeAt(i);
    if (c === 0x3f) return false; // '?': the query string follows
    if (c === 0x2e || c === 0x25 || c === 0x5c || c === 0x23) return true; // . % \ #
  }
  return false;
}

/**
 * Refuses a request path that could climb out of the provider's base path once it is joined
 * to `base_url` and normalised (by the gateway's URL parser, or by the provider), such as
 * `/openai/../../x` or `/openai/%2e%2e/%2e%2e/x`. The query string is not looked at.
 */
export function checkApiPath(url: string): void {
  if (!mayClimb(url)) return;
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  if (FORBIDDEN.test(path)) refuse();
  for (const segment of path.split('/')) if (DOT_SEGMENT.test(segment)) refuse();
}

const REPEATED_V1 = /^\/v1\/v1(?:[/?]|$)/;

/**
 * `/v1/v1/...` is an SDK given a base URL that already ends in /v1 (most often the Anthropic
 * SDK or Claude Code, whose paths carry /v1 themselves). Passed through, it would reach a
 * provider of the other dialect with the client's key; refused, it says which base URL to use.
 */
export function checkRepeatedV1(apiPath: string, dialect: Dialect): void {
  if (!apiPath.startsWith('/v1/v1') || !REPEATED_V1.test(apiPath)) return;
  const fix = dialect === 'anthropic'
    ? 'The Anthropic SDK and Claude Code add /v1 themselves: set their base URL (ANTHROPIC_BASE_URL) to the gateway root, without /v1.'
    : 'OpenAI SDKs take the gateway root + /v1 as their base URL, once: remove the extra /v1.';
  throw new GatewayError('unknown_route', `The path ${apiPath.split('?', 1)[0]} repeats /v1. ${fix}`);
}
