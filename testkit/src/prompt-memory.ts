import { fnv1a } from './tokens.ts';

// A benchmark sends millions of prompts; forgetting everything now and then bounds the memory
// and only turns a few would-be cache reads back into writes.
const MAX_REMEMBERED = 10_000;

/**
 * Which prompts (or Anthropic cache prefixes) this mock has already served, so a repeat can be
 * reported as a provider cache read, the way real prompt caching behaves.
 */
export class PromptMemory {
  readonly #seen = new Set<string>();

  /** Whether `text` was served before in `scope`; remembers it either way. */
  recall(scope: string, text: string): boolean {
    const key = `${scope}:${text.length}:${fnv1a(text)}`;
    if (this.#seen.has(key)) return true;
    if (this.#seen.size >= MAX_REMEMBERED) this.#seen.clear();
    this.#seen.add(key);
    return false;
  }

  clear(): void {
    this.#seen.clear();
  }
}
