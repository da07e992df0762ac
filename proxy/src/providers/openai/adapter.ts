import { trimTrailing } from '../../trim-trailing.ts';
import type { ProviderAdapter } from '../types.ts';
import type { ProviderType } from '@periscope/contract';

/**
 * OpenAI's SDKs put `/v1` in the base URL, so a gateway path `/v1/chat/completions` maps to
 * `${base_url}/chat/completions`. Every OpenAI-compatible host (Groq, Together, DeepSeek,
 * OpenRouter, vLLM, Ollama, Gemini's compatibility endpoint) follows the same convention.
 */
export function openAiStyle(type: ProviderType): ProviderAdapter {
  return {
    type,
    dialect: 'openai',
    upstreamUrl: (provider, apiPath) => joinUrl(provider.base_url!, apiPath.replace(/^\/v1(?=\/|\?|$)/, '')),
    authHeaders: (apiKey) => ({ authorization: `Bearer ${apiKey}` }),
  };
}

export function joinUrl(base: string, path: string): string {
  return trimTrailing(base, '/') + (path.startsWith('/') || path.startsWith('?') || path === '' ? path : `/${path}`);
}
