import type { ProviderDefinition } from '../types.ts';
import { openAiStyle } from '../openai/adapter.ts';

/** Any host speaking OpenAI's API (Groq, Together, DeepSeek, OpenRouter, vLLM, Ollama): priced by the model's name. */
export const openaiCompatible: ProviderDefinition = {
  adapter: openAiStyle('openai-compatible'),
};
