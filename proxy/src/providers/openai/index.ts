import type { ProviderDefinition } from '../types.ts';
import { openAiStyle } from './adapter.ts';

export const openai: ProviderDefinition = {
  adapter: openAiStyle('openai'),
  builtIn: { base_url: 'https://api.openai.com/v1', api_key: '${OPENAI_API_KEY:-}' },
  modelPattern: /^(gpt-|chatgpt-|o\d(-|$)|text-embedding-|text-moderation|omni-moderation|davinci|babbage|dall-e|whisper|tts-|codex-|computer-use)/,
  priceFamilies: ['openai'],
};
