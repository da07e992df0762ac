import type { ProviderDefinition } from '../types.ts';
import { azureOpenAiAdapter } from './adapter.ts';

/** No built-in entry: every Azure resource has its own base URL. */
export const azureOpenai: ProviderDefinition = {
  adapter: azureOpenAiAdapter,
  priceFamilies: ['openai'],
  priceAliases: ['azure'],
};
