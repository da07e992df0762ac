import type { ProviderDefinition } from '../types.ts';
import { openAiStyle } from '../openai/adapter.ts';

/** Gemini through Google's OpenAI-compatible endpoint. */
export const gemini: ProviderDefinition = {
  adapter: openAiStyle('gemini'),
  builtIn: { base_url: 'https://generativelanguage.googleapis.com/v1beta/openai', api_key: '${GEMINI_API_KEY:-}' },
  modelPattern: /^(gemini-|models\/gemini-|text-embedding-004|gemini-embedding)/,
  priceFamilies: ['gemini'],
  priceAliases: ['google'],
};
