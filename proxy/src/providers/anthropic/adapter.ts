import type { ProviderAdapter } from '../types.ts';
import { joinUrl } from '../openai/adapter.ts';

/** Anthropic's SDK keeps `/v1` in the path, not the base URL: the path is appended as is. */
export const anthropicAdapter: ProviderAdapter = {
  type: 'anthropic',
  dialect: 'anthropic',
  upstreamUrl: (provider, apiPath) => joinUrl(provider.base_url!, apiPath),
  authHeaders: (apiKey) => ({ 'x-api-key': apiKey }),
};
