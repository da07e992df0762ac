import { createHash } from 'node:crypto';
import type { Endpoint } from '../providers/types.ts';
import { canonicalJson } from './canonical-json.ts';
import { compilePaths, type PathTrie } from '@periscope/contract';

/**
 * Request fields that never change what the model answers, so they stay out of the key:
 * - `stream`, `stream_options`: a streamed and a non-streamed call share one entry (the
 *   replay converts between the two shapes);
 * - `user`, `safety_identifier`, `metadata`: who is asking, for the provider's abuse checks;
 * - `store`, `service_tier`, `prompt_cache_key`, `prompt_cache_retention`: storage, capacity
 *   and provider-cache routing hints;
 * - Anthropic `cache_control` on tools, system blocks, message blocks and tool results: a
 *   breakpoint changes the price, not the answer (and `prompt_cache: auto` adds them).
 */
export const DEFAULT_EXCLUDED_PATHS: readonly string[] = [
  'stream',
  'stream_options',
  'user',
  'safety_identifier',
  'metadata',
  'store',
  'service_tier',
  'prompt_cache_key',
  'prompt_cache_retention',
  'tools[*].cache_control',
  'system[*].cache_control',
  'messages[*].content[*].cache_control',
  'messages[*].content[*].content[*].cache_control',
];

const DEFAULT_TRIE = compilePaths(DEFAULT_EXCLUDED_PATHS);
const KEY_VERSION = 'periscope-cache-v1';

/** The default exclusions plus a model's own `cache.exclude_paths` (validated at config load). */
export function exclusionsFor(extraPaths: readonly string[]): PathTrie {
  return extraPaths.length === 0 ? DEFAULT_TRIE : compilePaths([...DEFAULT_EXCLUDED_PATHS, ...extraPaths]);
}

export interface CacheKeyInput {
  projectId: string;
  /** `Periscope-Cache-Seed`; '' when absent. */
  seed: string;
  /**
   * What the client addressed: the provider prefix (or target URL) and the path after it
   * (Azure names its deployment in the path). The model or alias it named is in the body.
   * Never the deployment the router picks, which may change per call.
   */
  route: string;
  endpoint: Endpoint;
  /** Request headers that change the answer (for example `anthropic-beta`); never credentials. */
  semanticHeaders: string;
  body: unknown;
  exclusions: PathTrie;
}

/** SHA-256 over the key material; the project id scopes entries so projects never share them. */
export function cacheKey(input: CacheKeyInput): string {
  const head = JSON.stringify([KEY_VERSION, input.projectId, input.seed, input.route, input.endpoint, input.semanticHeaders]);
  return createHash('sha256').update(head).update('\n').update(canonicalJson(input.body, input.exclusions)).digest('hex');
}
