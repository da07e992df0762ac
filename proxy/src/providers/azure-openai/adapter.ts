import { GatewayError } from '../../errors.ts';
import type { ProviderAdapter } from '../types.ts';
import { joinUrl } from '../openai/adapter.ts';

const DEFAULT_API_VERSION = '2024-10-21';

/**
 * Azure addresses a deployment in the path: `/v1/chat/completions` with model M becomes
 * `/openai/deployments/M/chat/completions?api-version=...`. Paths already in Azure's own
 * form (`/openai/...`, as the Azure SDKs send them) are relayed unchanged.
 */
export const azureOpenAiAdapter: ProviderAdapter = {
  type: 'azure-openai',
  dialect: 'openai',
  upstreamUrl(provider, apiPath, model) {
    if (apiPath.startsWith('/openai/')) return joinUrl(provider.base_url!, apiPath);
    const [path = '', query = ''] = apiPath.split('?', 2);
    const op = path.replace(/^\/v1/, '');
    const params = new URLSearchParams(query);
    if (!params.has('api-version')) params.set('api-version', provider.api_version ?? DEFAULT_API_VERSION);
    // encodeURIComponent leaves dots alone, and a deployment named "." or ".." would move the path.
    if (model === '.' || model === '..') throw new GatewayError('invalid_request', `"${model}" is not an Azure deployment name.`, 'model');
    const deploymentPath = model ? `/openai/deployments/${encodeURIComponent(model)}${op}` : `/openai${op}`;
    return `${joinUrl(provider.base_url!, deploymentPath)}?${params.toString()}`;
  },
  authHeaders: (apiKey) => ({ 'api-key': apiKey }),
};
