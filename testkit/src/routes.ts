import type { IncomingHttpHeaders } from 'node:http';

export type Dialect = 'openai' | 'anthropic';
export type Endpoint =
  | 'chat'
  | 'completions'
  | 'embeddings'
  | 'responses'
  | 'models'
  | 'messages'
  | 'count_tokens'
  | 'anthropic_models';

export interface Route {
  dialect: Dialect;
  endpoint: Endpoint;
  /** Azure puts the model in the path (`/openai/deployments/{deployment}/...`), not the body. */
  azureDeployment?: string;
}

// OpenAI itself, Gemini's OpenAI-compatible surface, and Azure's v1 surface share one wire format.
const OPENAI_ROOTS = ['/v1/', '/v1beta/openai/', '/openai/v1/'];

const OPENAI_ENDPOINTS: Readonly<Record<string, { method: string; endpoint: Endpoint }>> = {
  'chat/completions': { method: 'POST', endpoint: 'chat' },
  completions: { method: 'POST', endpoint: 'completions' },
  embeddings: { method: 'POST', endpoint: 'embeddings' },
  responses: { method: 'POST', endpoint: 'responses' },
  models: { method: 'GET', endpoint: 'models' },
};

const AZURE_DEPLOYMENT = /^\/openai\/deployments\/([^/]+)\/(chat\/completions|completions|embeddings)$/;

export function resolveRoute(method: string, pathname: string, headers: IncomingHttpHeaders): Route | undefined {
  if (method === 'POST' && pathname === '/v1/messages') return { dialect: 'anthropic', endpoint: 'messages' };
  if (method === 'POST' && pathname === '/v1/messages/count_tokens') return { dialect: 'anthropic', endpoint: 'count_tokens' };
  // Both providers list models at GET /v1/models; only Anthropic clients send anthropic-version.
  if (method === 'GET' && pathname === '/v1/models' && headers['anthropic-version'] !== undefined) {
    return { dialect: 'anthropic', endpoint: 'anthropic_models' };
  }
  const azure = AZURE_DEPLOYMENT.exec(pathname);
  if (azure && method === 'POST') {
    const target = OPENAI_ENDPOINTS[azure[2] ?? ''];
    if (target) return { dialect: 'openai', endpoint: target.endpoint, azureDeployment: decodeURIComponent(azure[1] ?? '') };
  }
  for (const root of OPENAI_ROOTS) {
    if (!pathname.startsWith(root)) continue;
    const target = OPENAI_ENDPOINTS[pathname.slice(root.length)];
    if (target && target.method === method) return { dialect: 'openai', endpoint: target.endpoint };
  }
  return undefined;
}

/** Which error shape an unroutable request gets. */
export function dialectForPath(pathname: string): Dialect {
  return pathname.includes('/messages') ? 'anthropic' : 'openai';
}

/** Body fields whose absence the real APIs reject with a 400 before doing anything else. */
export function requiredFields(route: Route): readonly string[] {
  switch (route.endpoint) {
    case 'chat':
      return route.azureDeployment ? ['messages'] : ['model', 'messages'];
    case 'completions':
      return route.azureDeployment ? ['prompt'] : ['model', 'prompt'];
    case 'embeddings':
      return route.azureDeployment ? ['input'] : ['model', 'input'];
    case 'responses':
      return ['model'];
    case 'messages':
      return ['model', 'max_tokens', 'messages'];
    case 'count_tokens':
      return ['model', 'messages'];
    case 'models':
    case 'anthropic_models':
      return [];
  }
}
