import type { RequestDetail } from '../../../api-types.ts';

const ENDPOINT_PATHS: Record<string, string> = {
  'chat.completions': '/v1/chat/completions',
  completions: '/v1/completions',
  embeddings: '/v1/embeddings',
  responses: '/v1/responses',
  messages: '/v1/messages',
  'messages.count_tokens': '/v1/messages/count_tokens',
  models: '/v1/models',
};

/** Providers the gateway picks from the model name alone; others get Periscope-Provider. */
const ROUTED_BY_MODEL = new Set(['openai', 'anthropic', 'gemini']);

/**
 * Key-shaped strings. The gateway scrubs bodies before storing them; this is a second net
 * so a copied command can never carry a credential, even from an older row.
 */
const SECRET_PATTERNS: [RegExp, string][] = [
  [/\b(Bearer\s+)[A-Za-z0-9._~+/-]{8,}=*/gi, '$1[REDACTED]'],
  [/\bsk-(?:ant-|proj-|svcacct-)?[A-Za-z0-9_-]{8,}/g, '[REDACTED]'],
  [/\b(?:psk|pat|gsk|xai|hf)_[A-Za-z0-9_-]{8,}/g, '[REDACTED]'],
  [/\bAIza[0-9A-Za-z_-]{20,}/g, '[REDACTED]'],
  [/\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g, '[REDACTED]'],
];

export function redactSecrets(text: string): string {
  return SECRET_PATTERNS.reduce((s, [re, replacement]) => s.replace(re, replacement), text);
}

/** POSIX shell single-quoting. */
export const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

const HEADER_NAME = /^[A-Za-z0-9_-]+$/;

function prettyBody(body: string): string {
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
}

/**
 * A curl command that repeats the call against this gateway: the gateway key is the
 * `$PERISCOPE_KEY` placeholder and no provider key is ever included (the gateway uses the
 * configured one); user, session and property headers are kept so the new row groups alike.
 */
export function buildCurl(row: RequestDetail, baseUrl: string): string {
  const path = ENDPOINT_PATHS[row.endpoint] ?? ENDPOINT_PATHS['chat.completions']!;
  const method = row.endpoint === 'models' ? 'GET' : 'POST';
  const lines: string[] = [];
  if (row.request_truncated) lines.push('# The stored request body was truncated: complete it before sending.');
  if (method === 'POST' && !row.request_body) lines.push('# The request body was not stored (Periscope-Omit-Request).');

  const args: string[] = [`curl${row.streamed ? ' -N' : ''}${method === 'GET' ? '' : ' -X POST'} ${shellQuote(baseUrl.replace(/\/$/, '') + path)}`];
  const header = (name: string, value: string) => args.push(`-H ${shellQuote(`${name}: ${value}`)}`);
  args.push('-H "Periscope-Auth: Bearer $PERISCOPE_KEY"');
  if (method === 'POST') header('Content-Type', 'application/json');
  if (row.endpoint.startsWith('messages')) header('anthropic-version', '2023-06-01');
  if (!ROUTED_BY_MODEL.has(row.provider) && row.provider) header('Periscope-Provider', row.provider);
  if (row.user_id) header('Periscope-User-Id', row.user_id);
  if (row.session_id) header('Periscope-Session-Id', row.session_id);
  if (row.session_path) header('Periscope-Session-Path', row.session_path);
  if (row.session_name) header('Periscope-Session-Name', row.session_name);
  for (const [k, v] of Object.entries(row.properties ?? {})) if (HEADER_NAME.test(k)) header(`Periscope-Property-${k}`, v);
  if (method === 'POST' && row.request_body) args.push(`-d ${shellQuote(prettyBody(row.request_body))}`);

  lines.push(args.join(' \\\n  '));
  return redactSecrets(lines.join('\n'));
}
