import type { ProviderDefinition } from '../types.ts';
import { anthropicAdapter } from './adapter.ts';

export const anthropic: ProviderDefinition = {
  adapter: anthropicAdapter,
  builtIn: { base_url: 'https://api.anthropic.com', api_key: '${ANTHROPIC_API_KEY:-}' },
  modelPattern: /^claude-/,
  priceFamilies: ['anthropic'],
};
