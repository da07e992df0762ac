import type { ProviderType } from '../config/schema.ts';
import type { ClientKeyHeader } from './types.ts';

/** Whose credential a client sent. `bearer` is any other `Authorization` token (the OpenAI-compatible convention). */
export type CredentialFamily = 'anthropic' | 'openai' | 'google' | 'azure' | 'bearer';

/** Prefixes that say whose key it is whatever header carries it; checked before the header. */
const SHAPES: ReadonlyArray<readonly [string, CredentialFamily]> = [
  ['sk-ant-', 'anthropic'], // API keys (sk-ant-api03-) and Claude Code's OAuth tokens (sk-ant-oat01-)
  ['sk-proj-', 'openai'], // OpenAI's project,
  ['sk-svcacct-', 'openai'], // service-account
  ['sk-admin-', 'openai'], // and admin keys
  ['AIza', 'google'], // Google API keys
  ['ya29.', 'google'], // and OAuth access tokens
];

/** The header a provider's own SDK sends its key in. */
const BY_HEADER: Readonly<Record<ClientKeyHeader, CredentialFamily>> = {
  authorization: 'bearer',
  'x-api-key': 'anthropic',
  'api-key': 'azure',
  'x-goog-api-key': 'google',
};

/**
 * Which client credentials each provider type may be sent. Anything else would hand one
 * company's key to another (an Anthropic SDK pointed at an OpenAI route, an OpenAI key on an
 * alias served by Anthropic), so it is never forwarded.
 */
export const ACCEPTED_CREDENTIALS: Readonly<Record<ProviderType, ReadonlySet<CredentialFamily>>> = {
  openai: new Set(['openai', 'bearer']),
  'openai-compatible': new Set(['bearer']),
  'azure-openai': new Set(['azure', 'bearer']),
  gemini: new Set(['google']),
  anthropic: new Set(['anthropic']),
};

export function credentialFamily(header: ClientKeyHeader, secret: string): CredentialFamily {
  for (const [prefix, family] of SHAPES) if (secret.startsWith(prefix)) return family;
  return BY_HEADER[header];
}

export function acceptsCredential(type: ProviderType, header: ClientKeyHeader, secret: string): boolean {
  return ACCEPTED_CREDENTIALS[type].has(credentialFamily(header, secret));
}
