import type { ProviderType } from '@periscope/contract';
import type { Dialect } from '../errors.ts';
import type { ClientKeyHeader } from './types.ts';

/**
 * Whose credential a client sent. `bearer` is any other `Authorization` token of a call in
 * the OpenAI dialect (the OpenAI-compatible convention); in the Anthropic dialect (the
 * Anthropic SDK sends its key as a bearer token too) it is Anthropic's.
 */
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

/** The header a provider's own SDK sends its key in (`authorization` is everyone's: the call's dialect decides). */
const BY_HEADER: Readonly<Record<Exclude<ClientKeyHeader, 'authorization'>, CredentialFamily>> = {
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

export function credentialFamily(header: ClientKeyHeader, secret: string, dialect: Dialect): CredentialFamily {
  for (const [prefix, family] of SHAPES) if (secret.startsWith(prefix)) return family;
  if (header !== 'authorization') return BY_HEADER[header];
  return dialect === 'anthropic' ? 'anthropic' : 'bearer';
}

export function acceptsCredential(type: ProviderType, header: ClientKeyHeader, secret: string, dialect: Dialect): boolean {
  return ACCEPTED_CREDENTIALS[type].has(credentialFamily(header, secret, dialect));
}
