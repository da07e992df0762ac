import type { ProviderType } from '@periscope/contract';
import type { ProviderAdapter } from './types.ts';
import { openAiStyle } from './openai.ts';
import { anthropicAdapter } from './anthropic.ts';
import { azureOpenAiAdapter } from './azure-openai.ts';

const ADAPTERS: Record<ProviderType, ProviderAdapter> = {
  openai: openAiStyle('openai'),
  'openai-compatible': openAiStyle('openai-compatible'),
  gemini: openAiStyle('gemini'),
  anthropic: anthropicAdapter,
  'azure-openai': azureOpenAiAdapter,
};

export function adapterFor(type: ProviderType): ProviderAdapter {
  return ADAPTERS[type];
}
