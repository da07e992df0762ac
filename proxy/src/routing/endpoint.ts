import { trimTrailing } from '../trim-trailing.ts';
import { GatewayError } from '../errors.ts';
import type { Endpoint } from '../providers/types.ts';

/** The providers' own endpoints: what each is called and the methods it has. */
interface KnownEndpoint {
  endpoint: Endpoint;
  methods: readonly string[];
}

const KNOWN_ENDPOINTS: Readonly<Record<string, KnownEndpoint>> = {
  '/chat/completions': { endpoint: 'chat.completions', methods: ['POST'] },
  '/completions': { endpoint: 'completions', methods: ['POST'] },
  '/embeddings': { endpoint: 'embeddings', methods: ['POST'] },
  '/responses': { endpoint: 'responses', methods: ['POST'] },
  '/messages': { endpoint: 'messages', methods: ['POST'] },
  '/messages/count_tokens': { endpoint: 'messages.count_tokens', methods: ['POST'] },
  '/models': { endpoint: 'models', methods: ['GET'] },
};

/**
 * Names the call from its path (after any provider prefix). Azure's deployment form and a
 * `/v1` or `/v1beta/openai` prefix are looked through, so every spelling of "chat
 * completions" is logged as one endpoint. A known endpoint called with a method it does not
 * have is refused (405 with `Allow`) rather than passed through: a `PUT` to chat completions
 * would otherwise reach the provider with the configured key and an unchecked body. Other
 * paths are pass-through.
 */
export function classifyEndpoint(method: string, apiPath: string): Endpoint {
  const known = SPELLED.get(apiPath) ?? knownEndpoint(apiPath);
  if (!known) return 'passthrough';
  if (!known.methods.includes(method)) {
    const allow = known.methods.join(', ');
    throw new GatewayError('method_not_allowed', `${method} is not allowed on ${apiPath.split('?', 1)[0]}; use ${allow}.`, null, { allow });
  }
  return known.endpoint;
}

function knownEndpoint(apiPath: string): KnownEndpoint | undefined {
  const path = trimTrailing((apiPath.split('?', 1)[0] ?? '')
    .replace(/^\/openai\/deployments\/[^/]+/, '')
    .replace(/^\/(v1beta\/openai|openai\/v1|openai|v1)(?=\/)/, ''), '/');
  return Object.hasOwn(KNOWN_ENDPOINTS, path) ? KNOWN_ENDPOINTS[path] : undefined;
}

/**
 * The known endpoints as clients spell them (under each prefix knownEndpoint looks through, no
 * query string): most calls are named by one lookup instead of a split, two regular expressions
 * and a trim.
 */
const SPELLED: ReadonlyMap<string, KnownEndpoint> = new Map(
  ['', '/v1', '/openai', '/openai/v1', '/v1beta/openai'].flatMap((prefix) => Object.entries(KNOWN_ENDPOINTS).map(([path, known]) => [prefix + path, known] as const)),
);

/** Endpoints whose request body must be JSON naming a model. */
export function expectsJsonBody(endpoint: Endpoint): boolean {
  return endpoint !== 'passthrough' && endpoint !== 'models';
}
