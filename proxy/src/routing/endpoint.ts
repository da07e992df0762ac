import type { Endpoint } from '../providers/types.ts';

const POST_ENDPOINTS: Record<string, Endpoint> = {
  '/chat/completions': 'chat.completions',
  '/completions': 'completions',
  '/embeddings': 'embeddings',
  '/responses': 'responses',
  '/messages': 'messages',
  '/messages/count_tokens': 'messages.count_tokens',
};

/**
 * Names the call from its path (after any provider prefix). Azure's deployment form and a
 * `/v1` or `/v1beta/openai` prefix are looked through, so every spelling of "chat
 * completions" is logged as one endpoint.
 */
export function classifyEndpoint(method: string, apiPath: string): Endpoint {
  const path = (apiPath.split('?', 1)[0] ?? '')
    .replace(/^\/openai\/deployments\/[^/]+/, '')
    .replace(/^\/(v1beta\/openai|openai\/v1|openai|v1)(?=\/)/, '')
    .replace(/\/+$/, '');
  if (method === 'POST') return POST_ENDPOINTS[path] ?? 'passthrough';
  if (method === 'GET' && path === '/models') return 'models';
  return 'passthrough';
}

/** Endpoints whose request body must be JSON naming a model. */
export function expectsJsonBody(endpoint: Endpoint): boolean {
  return endpoint !== 'passthrough' && endpoint !== 'models';
}
