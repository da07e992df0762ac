import type { AnthropicPromptCache } from './anthropic-prompt-cache.ts';
import type { ToolInputs } from './generate.ts';
import type { JsonObject } from './json.ts';
import type { PromptMemory } from './prompt-memory.ts';
import type { SseScript } from './sse.ts';

/** Everything a wire module needs to answer one request. */
export interface GenerationContext {
  body: JsonObject;
  /** The requested model (for Azure, the deployment named in the path). */
  model: string;
  requestId: string;
  chunkCount: number;
  memory: PromptMemory;
  /** Set when the mock does Anthropic's per-breakpoint prefix accounting (see anthropic-prompt-cache.ts). */
  anthropicCache?: AnthropicPromptCache;
  azure: boolean;
  toolInputs: ToolInputs;
  /** The caller's key, when the scenario makes errors quote it (`echo-key`). */
  echoedKey: string | undefined;
  /** The answer repeats the prompt (`quote-prompt`). */
  quotePrompt: boolean;
}

/** A successful answer; `promptTokens` feeds the rate-limit headers. */
export type Reply =
  | { kind: 'json'; body: unknown; promptTokens: number }
  | { kind: 'sse'; script: SseScript; promptTokens: number };

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
