import type { Dialect } from '../errors.ts';
import type { ProviderConfig, ProviderType } from '@periscope/contract';

/** What the gateway understood a call to be; decides usage parsing and stream handling. */
export type Endpoint =
  | 'chat.completions'
  | 'completions'
  | 'embeddings'
  | 'responses'
  | 'models'
  | 'messages'
  | 'messages.count_tokens'
  | 'passthrough';

/**
 * A provider adapter is data plus two small functions: where a gateway path goes upstream
 * and how the configured key is sent. Usage parsing depends on the wire format (the
 * endpoint), not on the provider, and lives in ../usage/.
 */
export interface ProviderAdapter {
  readonly type: ProviderType;
  /** Error shape and auth header style this provider's clients expect. */
  readonly dialect: Dialect;
  /** Upstream URL for `apiPath` (the path after any provider prefix, with query string). */
  upstreamUrl(provider: ProviderConfig, apiPath: string, model: string | undefined): string;
  /** Headers carrying the configured key, used only when the client sent no key of its own. */
  authHeaders(apiKey: string): Record<string, string>;
}

/**
 * Everything Periscope knows about one provider type, in its folder (`providers/<type>/`), listed
 * once in registry.ts.
 */
export interface ProviderDefinition {
  readonly adapter: ProviderAdapter;
  /** The entry `providers.<type>` gets without any config (base URL, key from the environment). */
  readonly builtIn?: { readonly base_url: string; readonly api_key: string };
  /** Model names that go to this provider when neither a path prefix nor `models:` decides. */
  readonly modelPattern?: RegExp;
  /** Price families of prices.json this provider bills at. */
  readonly priceFamilies?: readonly string[];
  /** Other provider names (not config types) whose calls bill at the same families. */
  readonly priceAliases?: readonly string[];
}

/** Header names that carry a provider key from a client; forwarded as sent to a provider that takes it (see credentials.ts). */
export const CLIENT_KEY_HEADERS = ['authorization', 'x-api-key', 'api-key', 'x-goog-api-key'] as const;
export type ClientKeyHeader = (typeof CLIENT_KEY_HEADERS)[number];
