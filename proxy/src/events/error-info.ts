/** Stable error categories for answers the provider itself gave with an error status. */
export function errorTypeForStatus(status: number): string {
  if (status === 400) return 'invalid_request';
  if (status === 401) return 'authentication';
  if (status === 403) return 'permission';
  if (status === 404) return 'not_found';
  if (status === 408) return 'upstream_timeout';
  if (status === 413) return 'request_too_large';
  if (status === 422) return 'invalid_request';
  if (status === 429) return 'rate_limit';
  if (status === 529) return 'overloaded';
  if (status >= 500) return 'server_error';
  return 'http_error';
}

/** The message of an OpenAI- or Anthropic-shaped error body, else a short raw excerpt. */
export function upstreamErrorMessage(body: string): string {
  try {
    const json = JSON.parse(body) as { error?: { message?: unknown } | string; message?: unknown };
    if (typeof json.error === 'string') return json.error;
    if (typeof json.error?.message === 'string') return json.error.message;
    if (typeof json.message === 'string') return json.message;
  } catch {
    // not JSON: fall through to the excerpt
  }
  return body.slice(0, 500);
}
